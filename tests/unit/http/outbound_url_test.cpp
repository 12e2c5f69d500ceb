// Callback URLs: the forms accepted, and every class of address a callback must not reach.
#include "http/outbound_url.hpp"

#include <gtest/gtest.h>

namespace octopus::http {
namespace {

TEST(OutboundUrl, ParsesHttpsUrlsAndRefusesTheRest) {
  std::string why;
  const auto u = parse_outbound_url("https://hooks.acme.example:8443/octopus/callbacks?v=1", false, why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->host, "hooks.acme.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/octopus/callbacks?v=1");
  EXPECT_EQ(parse_outbound_url("https://[2001:db8::1]/x", false, why)->host, "2001:db8::1");
  EXPECT_EQ(parse_outbound_url("https://acme.example", false, why)->target, "/");
  for (const char* bad : {"http://acme.example/", "ftp://acme.example/", "acme.example/hook",
                          "https://user:pw@acme.example/", "https://acme.example/#frag", "https://acme.example:0/",
                          "https://acme.example:70000/", "https://:443/", "https://[::1/", "https://acme example/"}) {
    EXPECT_FALSE(parse_outbound_url(bad, false, why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  EXPECT_TRUE(parse_outbound_url("http://127.0.0.1:9000/hook", true, why)) << "development receivers";
}

TEST(OutboundUrl, EveryNonPublicAddressClassIsRecognised) {
  const std::pair<const char*, AddressClass> cases[] = {
      {"8.8.8.8", AddressClass::global},
      {"172.32.0.1", AddressClass::global},
      {"2606:4700:4700::1111", AddressClass::global},
      {"127.0.0.1", AddressClass::loopback},
      {"127.200.3.4", AddressClass::loopback},
      {"::1", AddressClass::loopback},
      {"10.1.2.3", AddressClass::private_use},
      {"172.16.0.1", AddressClass::private_use},
      {"172.31.255.255", AddressClass::private_use},
      {"192.168.1.1", AddressClass::private_use},
      {"fd12:3456::1", AddressClass::private_use},
      {"169.254.10.1", AddressClass::link_local},
      {"fe80::1", AddressClass::link_local},
      {"169.254.169.254", AddressClass::metadata},
      {"fd00:ec2::254", AddressClass::metadata},
      {"100.64.0.1", AddressClass::shared},
      {"100.127.255.255", AddressClass::shared},
      {"224.0.0.1", AddressClass::multicast},
      {"ff02::1", AddressClass::multicast},
      {"0.0.0.0", AddressClass::unspecified},
      {"::", AddressClass::unspecified},
      {"255.255.255.255", AddressClass::reserved},
      {"192.0.2.7", AddressClass::reserved},
      {"2001:db8::1", AddressClass::reserved},
      // IPv4-mapped IPv6 forms are classed as the IPv4 address they carry.
      {"::ffff:127.0.0.1", AddressClass::loopback},
      {"::ffff:10.0.0.1", AddressClass::private_use},
      {"::ffff:169.254.169.254", AddressClass::metadata},
      {"::ffff:8.8.8.8", AddressClass::global},
  };
  for (const auto& [text, expected] : cases) {
    const auto c = classify_literal(text);
    ASSERT_TRUE(c) << text;
    EXPECT_EQ(*c, expected) << text << " is " << describe(*c);
  }
  EXPECT_FALSE(classify_literal("acme.example"));
}

TEST(OutboundUrl, ADestinationIsRefusedWhenAnyOfItsAddressesIsNotPublic) {
  const auto loopback = check_destination("localhost", 443, false);  // a name that resolves to loopback
  EXPECT_TRUE(loopback.addresses.empty());
  EXPECT_NE(loopback.refusal.find("loopback"), std::string::npos) << loopback.refusal;
  EXPECT_NE(check_destination("10.0.0.1", 443, false).refusal.find("private"), std::string::npos);
  EXPECT_NE(check_destination("::ffff:169.254.169.254", 443, false).refusal.find("metadata"), std::string::npos);
  EXPECT_FALSE(check_destination("no-such-host.invalid", 443, false).refusal.empty());
  // Development: loopback receivers may be allowed, and nothing else with them.
  const auto dev = check_destination("127.0.0.1", 9000, true);
  EXPECT_TRUE(dev.refusal.empty()) << dev.refusal;
  EXPECT_EQ(dev.addresses.size(), 1u);
  EXPECT_FALSE(check_destination("192.168.0.1", 9000, true).refusal.empty());
  // A public literal needs no lookup and is allowed.
  EXPECT_TRUE(check_destination("8.8.8.8", 443, false).refusal.empty());
}

}  // namespace
}  // namespace octopus::http
