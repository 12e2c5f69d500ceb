#include <gtest/gtest.h>

#include "config/gateway_config.hpp"

using octopus::config::ConfigError;
using octopus::config::parse_config;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "gw.yaml", "/etc/octopus");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsWhenEmpty) {
  auto c = parse_config("", "gw.yaml", "/etc/octopus");
  EXPECT_EQ(c.partner_listen.port, 8443);
  EXPECT_EQ(c.admin_listen.port, 9443);
  EXPECT_EQ(c.data_dir, "/etc/octopus/var");
  EXPECT_EQ(c.limits.body_limit, 1024u * 1024u);
  EXPECT_EQ(c.signatures.max_skew_seconds, 300);
}

TEST(Config, ReadsEverySection) {
  auto c = parse_config(R"(
partner_plane: {listen: "0.0.0.0:443"}
admin_plane: {listen: "[::1]:9000"}
data_dir: /var/lib/octopus
tls: {certificate_chain: certs/chain.pem, private_key: certs/key.pem}
limits: {body_bytes: 2048, header_timeout_ms: 250}
threads: {io: 4, workers: 8}
drain_timeout_ms: 1500
auth: {max_clock_skew_seconds: 60, public_authority: api.example.com}
log: {level: warn, access_log: false}
)",
                        "gw.yaml", "/etc/octopus");
  EXPECT_EQ(c.partner_listen.host, "0.0.0.0");
  EXPECT_EQ(c.partner_listen.port, 443);
  EXPECT_EQ(c.admin_listen.host, "::1");
  EXPECT_EQ(c.data_dir, "/var/lib/octopus");
  EXPECT_EQ(c.tls.certificate_chain, "/etc/octopus/certs/chain.pem");
  EXPECT_EQ(c.limits.body_limit, 2048u);
  EXPECT_EQ(c.limits.header_timeout.count(), 250);
  EXPECT_EQ(c.io_threads, 4u);
  EXPECT_EQ(c.drain_timeout.count(), 1500);
  EXPECT_EQ(c.signatures.public_authority, "api.example.com");
  EXPECT_FALSE(c.access_log);
}

TEST(Config, RefusesMistakesWithFileAndLine) {
  EXPECT_EQ(error_of("partner_plane:\n  listen: 127.0.0.1:8443\n  lisen: x\n"),
            "gw.yaml:3: unknown key 'lisen' in partner_plane (expected one of: listen)");
  EXPECT_NE(error_of("limits:\n  body_bytes: lots\n").find("gw.yaml:2: limits.body_bytes must be a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of("limits:\n  body_bytes: 0\n").find("between 1 and"), std::string::npos);
  EXPECT_NE(error_of("partner_plane:\n  listen: nowhere\n").find("gw.yaml:2"), std::string::npos);
  EXPECT_NE(error_of("partner_plane:\n  listen: 127.0.0.1:70000\n").find("invalid port"), std::string::npos);
  EXPECT_NE(error_of("tls:\n  private_key: k.pem\n").find("both certificate_chain and private_key"), std::string::npos);
  EXPECT_NE(error_of("log: {level: loud}\n").find("log.level"), std::string::npos);
  EXPECT_NE(error_of("log: {access_log: yes please}\n").find("true or false"), std::string::npos);
  EXPECT_NE(error_of("partner_plane: [1, 2\n").find("invalid YAML"), std::string::npos);
  EXPECT_NE(error_of("colour: blue\n").find("unknown key 'colour'"), std::string::npos);
}

}  // namespace
