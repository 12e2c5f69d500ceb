#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

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

// Every section of every key the operations guide documents in its tables is one the
// reader knows: a documented setting is never refused as an unknown key.
TEST(Config, EverySectionTheOperationsGuideDocumentsIsAccepted) {
  std::ifstream guide(std::string(OCTOPUS_DOCS_DIR) + "/operations.md");
  ASSERT_TRUE(guide) << "docs/operations.md not found";
  const std::regex row(R"(^\| `([a-z_]+)\.[a-z_.<>|\\]+`)");
  std::set<std::string> sections;
  for (std::string line; std::getline(guide, line);)
    if (std::smatch m; std::regex_search(line, m, row)) sections.insert(m[1]);
  EXPECT_GE(sections.size(), 15u) << "the guide's configuration tables were not found";
  for (const auto& section : sections) {
    const auto error = error_of(section + ": {}\n");
    EXPECT_EQ(error.find("unknown key '" + section + "'"), std::string::npos) << section << ": " << error;
  }
  const auto c = parse_config("metrics: {requests: false}\nusage: {flush_interval_ms: 2000}\n", "gw.yaml", "/etc");
  EXPECT_FALSE(c.request_metrics);
  EXPECT_EQ(c.usage_flush_interval.count(), 2000);
}

TEST(Config, TheStoreIsSqliteUnlessPostgresqlIsConfigured) {
  EXPECT_EQ(parse_config("", "gw.yaml", "/etc/octopus").store.kind, "sqlite");
  const auto c = parse_config(
      "store:\n  kind: postgresql\n  postgresql:\n    url: postgresql://octopus@db.internal/octopus\n"
      "    password_env: OCTOPUS_DB_PASSWORD\n    pool_size: 16\n    acquire_timeout_ms: 250\n"
      "    tls: {mode: verify-ca, ca_file: db-ca.pem}\n",
      "gw.yaml", "/etc/octopus");
  EXPECT_EQ(c.store.kind, "postgresql");
  EXPECT_EQ(c.store.postgresql.url, "postgresql://octopus@db.internal/octopus");
  EXPECT_EQ(c.store.postgresql_password_env, "OCTOPUS_DB_PASSWORD");
  EXPECT_EQ(c.store.postgresql.pool_size, 16u);
  EXPECT_EQ(c.store.postgresql.acquire_timeout.count(), 250);
  EXPECT_EQ(c.store.postgresql.tls_mode, "verify-ca");
  EXPECT_EQ(c.store.postgresql.ca_file, "/etc/octopus/db-ca.pem");
  EXPECT_EQ(
      parse_config("store: {kind: postgresql, postgresql: {url: x}}\n", "gw.yaml", "/etc").store.postgresql.tls_mode,
      "verify-full");
}

TEST(Config, AStoreThatCannotWorkIsRefused) {
  EXPECT_EQ(error_of("store: {kind: mysql}\n"), "gw.yaml:1: store.kind must be sqlite or postgresql");
  EXPECT_EQ(error_of("store: {kind: postgresql}\n"), "gw.yaml:1: store.kind postgresql needs store.postgresql.url");
  EXPECT_NE(error_of("store: {kind: postgresql, postgresql: {url: x, tls: {mode: sometimes}}}\n")
                .find("store.postgresql.tls.mode must be disable, allow, prefer, require, verify-ca or verify-full"),
            std::string::npos);
  EXPECT_NE(error_of("store: {postgresql: {pool_size: 0}}\n").find("store.postgresql.pool_size"), std::string::npos);
}

// A gateway with a real certificate is one partners reach by name: the name every signature
// must carry is required, and must be a host[:port].
TEST(Config, ACertificateNeedsThePublicAuthorityAndItMustBeHostAndPort) {
  EXPECT_EQ(error_of("tls: {certificate_chain: c.pem, private_key: k.pem}\n"),
            "gw.yaml:1: a gateway with a certificate needs auth.public_authority: the host[:port] partners address "
            "(e.g. api.operator.example), which every signature must name");
  for (const char* good :
       {"api.example.com", "api.example.com:8443", "10.1.2.3:443", "[2001:db8::1]:443", "API.Example.COM"})
    EXPECT_EQ(error_of(std::string("auth: {public_authority: \"") + good + "\"}\n"), "") << good;
  for (const char* bad : {"https://api.example.com", "api.example.com/v1", "api example",
                          "api.example.com:", "-api.example", "user@api.example.com", "api.example.com:443:1"})
    EXPECT_NE(error_of(std::string("auth: {public_authority: \"") + bad + "\"}\n").find("must be host[:port]"),
              std::string::npos)
        << bad;
}

TEST(Config, LoopbackWebhookReceiversAreForDevelopmentOnly) {
  EXPECT_FALSE(parse_config("", "gw.yaml", "/etc/octopus").webhooks.allow_loopback);
  EXPECT_TRUE(parse_config("webhooks: {development: {allow_loopback: true}}\n", "gw.yaml", "/etc/octopus")
                  .webhooks.allow_loopback);
  EXPECT_NE(error_of("tls: {certificate_chain: c.pem, private_key: k.pem}\n"
                     "auth: {public_authority: api.example.com}\n"
                     "webhooks: {development: {allow_loopback: true}}\n")
                .find("gw.yaml:3: webhooks.development.allow_loopback is for development"),
            std::string::npos);
  EXPECT_NE(error_of("webhooks: {loopback: true}\n").find("webhooks"), std::string::npos);
}

TEST(Config, RefusesMistakesWithFileAndLine) {
  EXPECT_EQ(error_of("partner_plane:\n  listen: 127.0.0.1:8443\n  lisen: x\n"),
            "gw.yaml:3: unknown key 'lisen' in partner_plane (expected one of: listen)");
  EXPECT_NE(
      error_of("limits:\n  body_bytes: lots\n").find("gw.yaml:2: limits.body_bytes must be a non-negative integer"),
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

// One run names every mistake, each with its line, in the order of the file's lines; a
// section that is not a mapping is one error, not a cascade.
TEST(Config, EveryErrorIsReportedAtOnceWithItsLine) {
  try {
    parse_config(
        "partner_plane:\n  lisen: x\nlimits:\n  body_bytes: lots\n  header_bytes: 1\nthreads: 4\n"
        "log: {level: loud}\ncounters:\n  backend: etcd\n",
        "gw.yaml", "/etc/octopus");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> expected{"gw.yaml:2: unknown key 'lisen' in partner_plane (expected one of: listen)",
                                            "gw.yaml:4: limits.body_bytes must be a non-negative integer, got 'lots'",
                                            "gw.yaml:5: limits.header_bytes must be between 1024 and 1048576",
                                            "gw.yaml:6: threads must be a mapping",
                                            "gw.yaml:7: log.level must be debug, info, warn or error",
                                            "gw.yaml:9: counters.backend must be memory or redis"};
    EXPECT_EQ(e.errors(), expected) << e.what();
    EXPECT_EQ(std::string(e.what()).find("gw.yaml:2"), 0u);
  }
}

TEST(Config, ARemoteEngineNeedsItsAddressAndReadsItsSettings) {
  auto c = parse_config(R"(
engine:
  kind: remote
  timeout_ms: 1500
  remote:
    address: engine.internal:7443
    server_name: engine.internal
    ca_file: tls/engine-ca.pem
    token_env: ENGINE_TOKEN
    connections: 16
    breaker_min_ms: 100
    breaker_max_ms: 2000
)",
                        "gw.yaml", "/etc/octopus");
  EXPECT_EQ(c.engine.kind, "remote");
  EXPECT_EQ(c.engine.timeout.count(), 1500);
  EXPECT_EQ(c.engine.remote.address.host, "engine.internal");
  EXPECT_EQ(c.engine.remote.address.port, 7443);
  EXPECT_EQ(c.engine.remote.ca_file, "/etc/octopus/tls/engine-ca.pem");
  EXPECT_EQ(c.engine.remote.token_env, "ENGINE_TOKEN");
  EXPECT_EQ(c.engine.remote.connections, 16u);
  EXPECT_EQ(c.engine.remote.breaker_max.count(), 2000);

  EXPECT_NE(error_of("engine:\n  kind: remote\n").find("gw.yaml:2: engine.kind remote needs engine.remote.address"),
            std::string::npos)
      << error_of("engine:\n  kind: remote\n");
  auto pilot = parse_config(
      "engine:\n  population_file: data/subscribers.csv\n  refuse_bad_rows: true\n  events_per_second: 50\n", "gw.yaml",
      "/etc/octopus");
  EXPECT_EQ(pilot.engine.population_file, "/etc/octopus/data/subscribers.csv");
  EXPECT_TRUE(pilot.engine.refuse_bad_rows);
  EXPECT_EQ(pilot.engine.events_per_second, 50);
  EXPECT_EQ(pilot.engine.membership_index_mb, 256u);  // the default
  EXPECT_EQ(parse_config("engine: {membership_index_mb: 1024}\n", "gw.yaml", "/etc/octopus").engine.membership_index_mb,
            1024u);
  EXPECT_NE(error_of("engine: {membership_index_mb: -5}\n").find("engine.membership_index_mb"), std::string::npos);
  EXPECT_NE(error_of("engine: {events_per_second: -1}\n").find("engine.events_per_second"), std::string::npos);
  EXPECT_NE(error_of("engine: {kind: magic}\n").find("engine.kind must be reference or remote"), std::string::npos);
  EXPECT_NE(error_of("engine:\n  remote:\n    adress: x:1\n").find("gw.yaml:3: unknown key 'adress' in engine.remote"),
            std::string::npos);
  EXPECT_NE(error_of("engine:\n  remote: {connections: 0}\n").find("engine.remote.connections"), std::string::npos);
}

}  // namespace
