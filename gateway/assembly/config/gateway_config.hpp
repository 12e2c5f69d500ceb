// The gateway's static configuration (one YAML file), parsed once at start into typed
// values. Unknown keys and wrong types are refused with the file and line, so a typo
// never silently falls back to a default.
#pragma once
#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/signature_authenticator.hpp"
#include "webhooks/endpoint_lane.hpp"
#include "http/server.hpp"
#include "redis/redis_client.hpp"
#include "store/postgresql/postgres_database.hpp"

namespace octopus::config {

// A refused configuration: every error found, each "file:line: what" (what() joins them,
// one per line).
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what), errors_{what} {}
  explicit ConfigError(std::vector<std::string> errors)
      : std::runtime_error(joined(errors)), errors_(std::move(errors)) {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  static std::string joined(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
    return out;
  }
  std::vector<std::string> errors_;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
};

// Where rate, quota and nonce counters live: this process (one instance) or Redis (shared
// by every instance).
struct CountersConfig {
  std::string backend = "memory";  // "memory" | "redis"
  std::string key_prefix = "octopus";
  redis::RedisOptions redis;  // password from the environment variable below, never the file
  std::string redis_password_env;
  bool enforce_quotas = true;  // false only to measure the gateway without limits
};

// Where the durable state lives: the embedded SQLite file in data_dir (one machine), or a
// PostgreSQL database every gateway instance shares.
struct StoreConfig {
  std::string kind = "sqlite";  // "sqlite" | "postgresql"
  store::postgresql::PostgresOptions postgresql;
  std::string postgresql_password_env;  // the password comes from this environment variable, never the file
  // How often each instance re-reads what others may have changed (the partner registry)
  // even without a notification.
  std::chrono::milliseconds change_check_interval{10000};
  // How long the background lease lasts without renewal: how soon another instance takes
  // the background work over from one that was lost (renewed every third of it).
  std::chrono::milliseconds lease_ttl{10000};
};

// The engine reached over HTTPS (api-spec/engine.yaml).
struct RemoteEngineConfig {
  Endpoint address{"127.0.0.1", 0};
  std::string server_name = "localhost";           // the name its certificate must carry
  std::string ca_file;                             // PEM to trust; empty: the system store
  std::string token_env = "OCTOPUS_ENGINE_TOKEN";  // the bearer token comes from the environment
  unsigned connections = 8;                        // calls in flight at once
  std::chrono::milliseconds breaker_min{250};
  std::chrono::milliseconds breaker_max{5000};
};

// The marketing engine behind the gateway: the embedded reference engine with a
// synthetic population of `population` subscribers generated from `seed`, or a remote
// engine (the operator's, or the reference engine served by `octopus-gateway engine serve`).
struct EngineConfig {
  std::string kind = "reference";  // reference | remote
  std::size_t population = 1'000'000;
  std::uint64_t seed = 20261128;
  std::chrono::milliseconds timeout{5000};  // a call not answered by then is "engine unavailable"
  std::string population_file;              // CSV or JSON Lines to load instead of a synthetic population
  bool refuse_bad_rows = false;             // one bad row in it refuses the file (and the start)
  double events_per_second = 0;             // synthetic subscriber events of the reference engine
  double conversions_per_second = 0;        // synthetic conversions of the reference engine
  std::size_t membership_index_mb = 256;    // the reference engine's memory for trigger segment lists (docs/engine.md)
  RemoteEngineConfig remote;
};

// How deliveries and triggers send: the reference channels' rates (messages per second,
// 0: as fast as the sink writes) and the most subscribers decided per batch.
struct DeliveriesConfig {
  std::array<double, 3> rate_per_second{0, 0, 0};  // by policy::Channel: sms, push, outbound_call
  std::size_t batch_size = 10000;
  // The reference channels' message sink (empty: data_dir/messages). Instances sharing a
  // store that share this folder too take a lost instance's delivery over without sending
  // its last batch again, and attribute orders to its messages.
  std::string sink_directory;
};

// Partners' callbacks. Loopback receivers (and plain http) are for development only: a
// gateway with a configured certificate refuses to start with them allowed.
struct WebhooksConfig {
  bool allow_loopback = false;  // webhooks.development.allow_loopback
  // webhooks.dispatch: timeout_ms, per_endpoint_concurrency, ca_file, retry_schedule_ms
  // (the waits after each failed attempt), retry_jitter_percent.
  webhooks::DispatchOptions dispatch;
};

struct GatewayConfig {
  Endpoint partner_listen{"127.0.0.1", 8443};
  Endpoint admin_listen{"127.0.0.1", 9443};
  std::string data_dir = "var";  // relative paths are resolved against the config file's folder
  http::TlsFiles tls;            // empty: a development CA and certificate under data_dir/tls
  http::ServerLimits limits;
  unsigned io_threads = 0;
  unsigned worker_threads = 0;
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds drain_announce{0};  // readiness 503 before the listeners close
  // Free memory the allocator may hold before it is given back to the system (0: never).
  std::size_t memory_trim_threshold_mb = 32;
  auth::SignaturePolicy signatures;
  std::string policies_dir = "policies";                  // relative: against the config file's folder
  std::chrono::milliseconds policy_watch_interval{1000};  // 0: reload only on SIGHUP or the admin API
  StoreConfig store;
  CountersConfig counters;
  EngineConfig engine;
  DeliveriesConfig deliveries;
  WebhooksConfig webhooks;
  std::string log_level = "info";
  bool access_log = true;
  // Every answered request counted and timed (octopus_requests_total,
  // octopus_request_duration_seconds); off only to measure what counting costs.
  bool request_metrics = true;
  // With counters in Redis, how often the quota gauges are read (off the scrape); with
  // counters in memory they are read at each scrape.
  std::chrono::milliseconds quota_metrics_refresh{15000};
  // A copy of the audit log's signed head outside the database (empty: none); on another
  // volume or a write-once store, it also reveals entries removed from the log's end.
  std::string audit_head_file;
  // How often usage history counted in memory is written to the store (a crash loses at
  // most this much of it).
  std::chrono::milliseconds usage_flush_interval{10000};
};

// Parses "HOST:PORT" ("[::1]:8443" for IPv6). Throws ConfigError.
Endpoint parse_endpoint(const std::string& text);

// Loads and validates a file. Throws ConfigError naming the file and line.
GatewayConfig load_config(const std::string& path);

// Whether `authority` is host[:port] as partners address a gateway: a DNS name or IPv4
// address, or a bracketed IPv6 literal, and an optional port.
bool valid_authority(const std::string& authority);
// Parses YAML text; `origin` names it in errors and `base_dir` resolves relative paths.
GatewayConfig parse_config(const std::string& yaml, const std::string& origin, const std::string& base_dir);

}  // namespace octopus::config
