#include <gtest/gtest.h>

#include <stdexcept>

#include "connection_pool.hpp"

using octopus::detail::parse_endpoint;

TEST(SdkEndpoint, TheDefaultPortIsLeftOutOfTheAuthorityAsTheGatewayExpects) {
  const auto on_443 = parse_endpoint("https://gateway.example");
  EXPECT_EQ(on_443.host, "gateway.example");
  EXPECT_EQ(on_443.port, 443);
  EXPECT_EQ(on_443.authority, "gateway.example");
  EXPECT_EQ(parse_endpoint("https://gateway.example:443/").authority, "gateway.example");
  const auto other = parse_endpoint("localhost:8443");
  EXPECT_EQ(other.port, 8443);
  EXPECT_EQ(other.authority, "localhost:8443");
}

TEST(SdkEndpoint, AnythingButHttpsHostAndPortIsRefused) {
  for (const char* bad : {"http://gateway.example", "https://", "https://gw:0", "https://gw:70000", "https://gw:8a",
                          "https://user@gw", "https://gw/v1", "ftp://gw"})
    EXPECT_THROW(parse_endpoint(bad), std::invalid_argument) << bad;
}

TEST(SdkEndpoint, AnIpv6LiteralConnectsWithoutBracketsAndSignsWithThem) {
  const auto e = parse_endpoint("https://[::1]:8443");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.authority, "[::1]:8443");
  EXPECT_EQ(parse_endpoint("https://[2001:db8::1]").authority, "[2001:db8::1]");
  EXPECT_THROW(parse_endpoint("https://::1"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("https://[::1"), std::invalid_argument);
}
