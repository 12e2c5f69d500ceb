// The per-address throttle of failed authentication: its allowance, refill, independence of
// addresses and bounded memory.
#include <gtest/gtest.h>

#include "auth/failure_throttle.hpp"

namespace octopus::auth {
namespace {

using namespace std::chrono_literals;

TEST(FailureThrottle, AllowsTheBurstThenOneTryPerInterval) {
  FailureThrottle t(3, 6s);
  const auto t0 = FailureThrottle::Clock::time_point{} + 1000s;
  EXPECT_EQ(t.wait("a", t0), 0s);
  EXPECT_FALSE(t.failed("a", t0));
  EXPECT_FALSE(t.failed("a", t0));
  EXPECT_EQ(t.wait("a", t0), 0s);
  EXPECT_TRUE(t.failed("a", t0)) << "the third failure spends the allowance";
  EXPECT_EQ(t.wait("a", t0), 6s);
  EXPECT_EQ(t.wait("a", t0 + 5s), 1s);
  EXPECT_EQ(t.wait("a", t0 + 6s), 0s) << "one more try after an interval";
  EXPECT_TRUE(t.failed("a", t0 + 6s));
  EXPECT_EQ(t.wait("a", t0 + 6s), 6s);
  EXPECT_EQ(t.wait("b", t0), 0s) << "another address is not affected";
  EXPECT_EQ(t.wait("a", t0 + 30s), 0s);
  EXPECT_FALSE(t.failed("a", t0 + 60s)) << "refilled in full";
}

TEST(FailureThrottle, TracksAtMostItsLimitOfAddresses) {
  FailureThrottle t(1, 60s, 100);
  const auto t0 = FailureThrottle::Clock::time_point{} + 1000s;
  for (int i = 0; i < 1000; ++i)
    t.failed("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0 + 1ms * i);
  // The newest are still throttled; the oldest were forgotten to make room.
  EXPECT_GT(t.wait("10.0.3.231", t0 + 1s), 0s);
  EXPECT_EQ(t.wait("10.0.0.0", t0 + 1s), 0s);
}

TEST(FailureThrottle, TheAddressIsThePeerWithoutItsPort) {
  EXPECT_EQ(FailureThrottle::address_of("127.0.0.1:50312"), "127.0.0.1");
  EXPECT_EQ(FailureThrottle::address_of("::1:50312"), "::1");
  EXPECT_EQ(FailureThrottle::address_of("2001:db8::7:443"), "2001:db8::7");
  EXPECT_EQ(FailureThrottle::address_of(""), "");
}

}  // namespace
}  // namespace octopus::auth
