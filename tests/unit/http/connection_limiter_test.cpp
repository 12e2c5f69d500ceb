// Connection caps: the listener's total, one address's share, and places given back.
#include <gtest/gtest.h>

#include "http/connection_limiter.hpp"

namespace octopus::http {
namespace {

using V = ConnectionLimiter::Verdict;

TEST(ConnectionLimiter, CapsTheTotalAndEachAddressAndGivesPlacesBack) {
  ConnectionLimiter limiter(3, 2);
  EXPECT_EQ(limiter.admit("a"), V::admitted);
  EXPECT_EQ(limiter.admit("a"), V::admitted);
  EXPECT_EQ(limiter.admit("a"), V::address_full);
  EXPECT_EQ(limiter.admit("b"), V::admitted);
  EXPECT_EQ(limiter.admit("c"), V::listener_full);
  EXPECT_EQ(limiter.open(), 3u);
  limiter.release("a");
  EXPECT_EQ(limiter.admit("c"), V::admitted);
  EXPECT_EQ(limiter.admit("a"), V::listener_full);
  limiter.release("nobody");  // not counted: changes nothing
  EXPECT_EQ(limiter.open(), 3u);
}

TEST(ConnectionLimiter, ASlotReleasesItsPlaceOnceWhenDestroyedOrMoved) {
  ConnectionLimiter limiter(1, 1);
  ASSERT_EQ(limiter.admit("a"), V::admitted);
  {
    ConnectionSlot slot(limiter, "a");
    ConnectionSlot moved(std::move(slot));
    EXPECT_EQ(limiter.open(), 1u);
  }
  EXPECT_EQ(limiter.open(), 0u);
  EXPECT_EQ(limiter.admit("a"), V::admitted);
}

TEST(ClientNetwork, IPv4AsItIsIPv6ByItsSlash64) {
  EXPECT_EQ(client_network("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(client_network("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_network("2001:db8:1:2::9"), client_network("2001:db8:1:2:ffff::1"));
  EXPECT_NE(client_network("2001:db8:1:2::9"), client_network("2001:db8:1:3::9"));
  EXPECT_EQ(client_network("::1"), "::/64");
  EXPECT_EQ(client_network("unknown"), "unknown");
}

}  // namespace
}  // namespace octopus::http
