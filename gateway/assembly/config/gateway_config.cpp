#include "config/gateway_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace octopus::config {

namespace {

// Reads values and collects every error it meets, each with its file and line, so that one
// run reports all of them. A failed read returns a harmless default (the first error makes
// the whole configuration refused in the end, so the default is never used).
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  void fail(const YAML::Node& node, const std::string& what) const {
    fail_at(node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0, what);
  }
  void fail_at(int line, const std::string& what) const {
    std::ostringstream os;
    os << origin_;
    if (line > 0) os << ":" << line;
    os << ": " << what;
    errors_.emplace_back(line, os.str());
  }
  // In the order of the file's lines, whatever order the sections were read in.
  std::vector<std::string> errors() const {
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [line, text] : sorted) out.push_back(std::move(text));
    return out;
  }

  // False (and an error) when `map` is not a mapping: its keys cannot be read then.
  bool only_keys(const YAML::Node& map, const std::string& where, std::initializer_list<const char*> keys) const {
    if (!map.IsMap()) {
      fail(map, where + " must be a mapping");
      return false;
    }
    for (const auto& kv : map) {
      const auto name = kv.first.as<std::string>();
      bool known = false;
      for (const char* k : keys) known = known || name == k;
      if (!known) {
        std::string list;
        for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
        fail(kv.first, "unknown key '" + name + "' in " + where + " (expected one of: " + list + ")");
      }
    }
    return true;
  }

  std::string string(const YAML::Node& n, const std::string& name) const {
    if (!n.IsScalar()) {
      fail(n, name + " must be a string");
      return {};
    }
    return n.as<std::string>();
  }

  std::uint64_t integer(const YAML::Node& n, const std::string& name, std::uint64_t min, std::uint64_t max) const {
    if (!n.IsScalar()) {
      fail(n, name + " must be an integer");
      return min;
    }
    const auto text = n.Scalar();
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
      fail(n, name + " must be a non-negative integer, got '" + text + "'");
      return min;
    }
    const auto v = std::stoull(text);
    if (v < min || v > max) {
      fail(n, name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
      return min;
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& name) const {
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      fail(n, name + " must be true or false");
      return false;
    }
    return n.Scalar() == "true";
  }

  Endpoint endpoint(const YAML::Node& n, const std::string& name) const {
    try {
      return parse_endpoint(string(n, name));
    } catch (const ConfigError& e) {
      fail(n, name + ": " + e.what());
      return {};
    }
  }

 private:
  std::string origin_;
  mutable std::vector<std::pair<int, std::string>> errors_;
};

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  std::filesystem::path path(p);
  if (path.is_absolute() || base_dir.empty()) return p;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

}  // namespace

Endpoint parse_endpoint(const std::string& text) {
  Endpoint e;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw ConfigError("expected [IPv6]:PORT, got '" + text + "'");
    e.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) throw ConfigError("expected HOST:PORT, got '" + text + "'");
    e.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (e.host == "localhost") e.host = "127.0.0.1";
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    throw ConfigError("invalid port in '" + text + "'");
  e.port = static_cast<unsigned short>(std::stoul(port));
  return e;
}

namespace {

// The engine.remote section: where the engine is served and how to trust it.
void read_remote_engine(const Reader& r, const YAML::Node& rn, const std::string& base_dir, RemoteEngineConfig& m) {
  r.only_keys(rn, "engine.remote",
              {"address", "server_name", "ca_file", "token_env", "connections", "breaker_min_ms", "breaker_max_ms"});
  if (rn["address"]) m.address = r.endpoint(rn["address"], "engine.remote.address");
  if (rn["server_name"]) m.server_name = r.string(rn["server_name"], "engine.remote.server_name");
  if (rn["ca_file"]) m.ca_file = resolve(base_dir, r.string(rn["ca_file"], "engine.remote.ca_file"));
  if (rn["token_env"]) m.token_env = r.string(rn["token_env"], "engine.remote.token_env");
  if (rn["connections"])
    m.connections = static_cast<unsigned>(r.integer(rn["connections"], "engine.remote.connections", 1, 256));
  if (rn["breaker_min_ms"])
    m.breaker_min =
        std::chrono::milliseconds(r.integer(rn["breaker_min_ms"], "engine.remote.breaker_min_ms", 1, 600000));
  if (rn["breaker_max_ms"])
    m.breaker_max =
        std::chrono::milliseconds(r.integer(rn["breaker_max_ms"], "engine.remote.breaker_max_ms", 1, 600000));
}

// Each section reader has one signature, so parse_config can run them in turn.

// The listeners of both planes.
void read_planes(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["partner_plane"]) {
    r.only_keys(n, "partner_plane", {"listen"});
    if (n["listen"]) c.partner_listen = r.endpoint(n["listen"], "partner_plane.listen");
  }
  if (auto n = root["admin_plane"]) {
    r.only_keys(n, "admin_plane", {"listen"});
    if (n["listen"]) c.admin_listen = r.endpoint(n["listen"], "admin_plane.listen");
  }
}

// TLS files; a gateway with a certificate must say which authority partners sign for.
void read_tls(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  if (auto n = root["tls"]) {
    r.only_keys(n, "tls", {"certificate_chain", "private_key", "client_ca"});
    if (n["certificate_chain"])
      c.tls.certificate_chain = resolve(base_dir, r.string(n["certificate_chain"], "tls.certificate_chain"));
    if (n["private_key"]) c.tls.private_key = resolve(base_dir, r.string(n["private_key"], "tls.private_key"));
    if (n["client_ca"]) c.tls.client_ca = resolve(base_dir, r.string(n["client_ca"], "tls.client_ca"));
    if (c.tls.certificate_chain.empty() != c.tls.private_key.empty())
      r.fail(n, "tls needs both certificate_chain and private_key (or neither, for a development certificate)");
    // A gateway with a real certificate is one partners reach by name: every signature must
    // name that host, so one made for another gateway (or a Host header a client chose) is
    // not accepted here.
    if (!c.tls.certificate_chain.empty() && !(root["auth"] && root["auth"]["public_authority"]))
      r.fail(n,
             "a gateway with a certificate needs auth.public_authority: the host[:port] partners address "
             "(e.g. api.operator.example), which every signature must name");
  }
}

// Sizes, timeouts and connection caps of the HTTP edge.
void read_limits(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["limits"]) {
    r.only_keys(n, "limits",
                {"header_bytes", "body_bytes", "handshake_timeout_ms", "header_timeout_ms", "idle_timeout_ms",
                 "body_timeout_ms", "write_timeout_ms", "max_requests_per_connection", "max_connections",
                 "max_connections_per_address"});
    auto& l = c.limits;
    using ms = std::chrono::milliseconds;
    if (n["header_bytes"]) l.header_limit = r.integer(n["header_bytes"], "limits.header_bytes", 1024, 1 << 20);
    if (n["body_bytes"]) l.body_limit = r.integer(n["body_bytes"], "limits.body_bytes", 1, 64ull << 20);
    if (n["handshake_timeout_ms"])
      l.handshake_timeout = ms(r.integer(n["handshake_timeout_ms"], "limits.handshake_timeout_ms", 10, 600000));
    if (n["header_timeout_ms"])
      l.header_timeout = ms(r.integer(n["header_timeout_ms"], "limits.header_timeout_ms", 10, 600000));
    if (n["idle_timeout_ms"])
      l.idle_timeout = ms(r.integer(n["idle_timeout_ms"], "limits.idle_timeout_ms", 10, 3600000));
    if (n["body_timeout_ms"])
      l.body_timeout = ms(r.integer(n["body_timeout_ms"], "limits.body_timeout_ms", 10, 600000));
    if (n["write_timeout_ms"])
      l.write_timeout = ms(r.integer(n["write_timeout_ms"], "limits.write_timeout_ms", 10, 600000));
    if (n["max_requests_per_connection"])
      l.max_requests_per_connection =
          r.integer(n["max_requests_per_connection"], "limits.max_requests_per_connection", 1, 100000000);
    if (n["max_connections"]) l.max_connections = r.integer(n["max_connections"], "limits.max_connections", 1, 1000000);
    if (n["max_connections_per_address"])
      l.max_connections_per_address =
          r.integer(n["max_connections_per_address"], "limits.max_connections_per_address", 1, 1000000);
  }
}

// Threads, draining, and the signature checks.
void read_threads_and_auth(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["threads"]) {
    r.only_keys(n, "threads", {"io", "workers"});
    if (n["io"]) c.io_threads = static_cast<unsigned>(r.integer(n["io"], "threads.io", 0, 256));
    if (n["workers"]) c.worker_threads = static_cast<unsigned>(r.integer(n["workers"], "threads.workers", 0, 256));
  }
  if (auto n = root["drain_timeout_ms"])
    c.drain_timeout = std::chrono::milliseconds(r.integer(n, "drain_timeout_ms", 0, 600000));
  if (auto n = root["drain_announce_ms"])
    c.drain_announce = std::chrono::milliseconds(r.integer(n, "drain_announce_ms", 0, 600000));
  if (auto n = root["auth"]) {
    r.only_keys(n, "auth", {"max_clock_skew_seconds", "public_authority"});
    if (n["max_clock_skew_seconds"])
      c.signatures.max_skew_seconds =
          static_cast<std::int64_t>(r.integer(n["max_clock_skew_seconds"], "auth.max_clock_skew_seconds", 1, 3600));
    if (n["public_authority"]) {
      c.signatures.public_authority = r.string(n["public_authority"], "auth.public_authority");
      if (!valid_authority(c.signatures.public_authority))
        r.fail(n["public_authority"],
               "auth.public_authority must be host[:port], e.g. api.operator.example or [2001:db8::1]:8443");
    }
  }
}

// Where the policy set is and how often to look for edits.
void read_policies(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["policies"]) {
    r.only_keys(n, "policies", {"directory", "watch_interval_ms"});
    if (n["directory"]) c.policies_dir = r.string(n["directory"], "policies.directory");
    if (n["watch_interval_ms"])
      c.policy_watch_interval =
          std::chrono::milliseconds(r.integer(n["watch_interval_ms"], "policies.watch_interval_ms", 0, 3600000));
  }
}

// Quota and nonce counters: in this process or in Redis.
void read_counters(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["counters"]) {
    r.only_keys(n, "counters", {"backend", "key_prefix", "redis", "enforce_quotas"});
    auto& k = c.counters;
    if (n["backend"]) {
      k.backend = r.string(n["backend"], "counters.backend");
      if (k.backend != "memory" && k.backend != "redis")
        r.fail(n["backend"], "counters.backend must be memory or redis");
    }
    if (n["key_prefix"]) k.key_prefix = r.string(n["key_prefix"], "counters.key_prefix");
    if (n["enforce_quotas"]) k.enforce_quotas = r.boolean(n["enforce_quotas"], "counters.enforce_quotas");
    if (auto rn = n["redis"]) {
      r.only_keys(rn, "counters.redis", {"host", "port", "password_env", "connect_timeout_ms", "command_timeout_ms"});
      if (rn["host"]) k.redis.host = r.string(rn["host"], "counters.redis.host");
      if (rn["port"]) k.redis.port = static_cast<int>(r.integer(rn["port"], "counters.redis.port", 1, 65535));
      if (rn["password_env"]) k.redis_password_env = r.string(rn["password_env"], "counters.redis.password_env");
      using ms = std::chrono::milliseconds;
      if (rn["connect_timeout_ms"])
        k.redis.connect_timeout =
            ms(r.integer(rn["connect_timeout_ms"], "counters.redis.connect_timeout_ms", 1, 60000));
      if (rn["command_timeout_ms"])
        k.redis.command_timeout =
            ms(r.integer(rn["command_timeout_ms"], "counters.redis.command_timeout_ms", 1, 60000));
    }
  }
}

// The durable store: SQLite in data_dir, or a shared PostgreSQL.
void read_postgresql(const Reader& r, const YAML::Node& n, const std::string& base_dir, StoreConfig& s) {
  r.only_keys(n, "store.postgresql",
              {"url", "password_env", "pool_size", "connect_timeout_ms", "acquire_timeout_ms", "check_interval_ms",
               "lease_ttl_ms", "tls"});
  auto& p = s.postgresql;
  if (n["url"]) p.url = r.string(n["url"], "store.postgresql.url");
  if (n["password_env"]) s.postgresql_password_env = r.string(n["password_env"], "store.postgresql.password_env");
  if (n["pool_size"])
    p.pool_size = static_cast<unsigned>(r.integer(n["pool_size"], "store.postgresql.pool_size", 1, 256));
  using ms = std::chrono::milliseconds;
  if (n["connect_timeout_ms"])
    p.connect_timeout = std::chrono::ceil<std::chrono::seconds>(
        ms(r.integer(n["connect_timeout_ms"], "store.postgresql.connect_timeout_ms", 1000, 60000)));
  if (n["lease_ttl_ms"]) s.lease_ttl = ms(r.integer(n["lease_ttl_ms"], "store.postgresql.lease_ttl_ms", 300, 600'000));
  if (n["check_interval_ms"])
    s.change_check_interval =
        ms(r.integer(n["check_interval_ms"], "store.postgresql.check_interval_ms", 100, 3'600'000));
  if (n["acquire_timeout_ms"])
    p.acquire_timeout = ms(r.integer(n["acquire_timeout_ms"], "store.postgresql.acquire_timeout_ms", 1, 60000));
  if (auto t = n["tls"]) {
    r.only_keys(t, "store.postgresql.tls", {"mode", "ca_file", "cert_file", "key_file"});
    if (t["mode"]) {
      p.tls_mode = r.string(t["mode"], "store.postgresql.tls.mode");
      if (!store::postgresql::valid_tls_mode(p.tls_mode))
        r.fail(t["mode"],
               "store.postgresql.tls.mode must be disable, allow, prefer, require, verify-ca or verify-full");
    }
    if (t["ca_file"]) p.ca_file = resolve(base_dir, r.string(t["ca_file"], "store.postgresql.tls.ca_file"));
    if (t["cert_file"]) p.cert_file = resolve(base_dir, r.string(t["cert_file"], "store.postgresql.tls.cert_file"));
    if (t["key_file"]) p.key_file = resolve(base_dir, r.string(t["key_file"], "store.postgresql.tls.key_file"));
  }
}

void read_store(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  auto n = root["store"];
  if (!n) return;
  r.only_keys(n, "store", {"kind", "postgresql"});
  if (n["kind"]) {
    c.store.kind = r.string(n["kind"], "store.kind");
    if (c.store.kind != "sqlite" && c.store.kind != "postgresql")
      r.fail(n["kind"], "store.kind must be sqlite or postgresql");
  }
  if (auto p = n["postgresql"]) read_postgresql(r, p, base_dir, c.store);
  if (c.store.kind == "postgresql" && c.store.postgresql.url.empty())
    r.fail(n, "store.kind postgresql needs store.postgresql.url");
}

// The marketing engine: the embedded reference engine or a remote one.
void read_engine(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  if (auto n = root["engine"]) {
    r.only_keys(n, "engine",
                {"kind", "population", "seed", "timeout_ms", "population_file", "refuse_bad_rows", "events_per_second",
                 "conversions_per_second", "membership_index_mb", "remote"});
    if (n["population_file"])
      c.engine.population_file = resolve(base_dir, r.string(n["population_file"], "engine.population_file"));
    if (n["refuse_bad_rows"]) c.engine.refuse_bad_rows = r.boolean(n["refuse_bad_rows"], "engine.refuse_bad_rows");
    if (n["events_per_second"])
      c.engine.events_per_second =
          static_cast<double>(r.integer(n["events_per_second"], "engine.events_per_second", 0, 100000));
    if (n["membership_index_mb"])
      c.engine.membership_index_mb = r.integer(n["membership_index_mb"], "engine.membership_index_mb", 0, 1'000'000);
    if (n["conversions_per_second"])
      c.engine.conversions_per_second =
          static_cast<double>(r.integer(n["conversions_per_second"], "engine.conversions_per_second", 0, 100000));
    auto& e = c.engine;
    if (n["kind"]) {
      e.kind = r.string(n["kind"], "engine.kind");
      if (e.kind != "reference" && e.kind != "remote") r.fail(n["kind"], "engine.kind must be reference or remote");
    }
    if (auto rn = n["remote"]) read_remote_engine(r, rn, base_dir, e.remote);
    if (e.kind == "remote" && e.remote.address.port == 0)
      r.fail(n, "engine.kind remote needs engine.remote.address (HOST:PORT)");
    if (n["population"]) e.population = r.integer(n["population"], "engine.population", 1, 100'000'000);
    if (n["seed"]) e.seed = r.integer(n["seed"], "engine.seed", 0, UINT64_MAX);
    if (n["timeout_ms"])
      e.timeout = std::chrono::milliseconds(r.integer(n["timeout_ms"], "engine.timeout_ms", 1, 600000));
  }
}

// Delivery batches and each channel's rate.
void read_deliveries(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  if (auto n = root["deliveries"]) {
    r.only_keys(n, "deliveries", {"channels", "batch_size", "sink_directory"});
    if (n["batch_size"]) c.deliveries.batch_size = r.integer(n["batch_size"], "deliveries.batch_size", 1, 100000);
    if (n["sink_directory"])
      c.deliveries.sink_directory = resolve(base_dir, r.string(n["sink_directory"], "deliveries.sink_directory"));
    if (auto cn = n["channels"]) {
      r.only_keys(cn, "deliveries.channels", {"sms", "push", "outbound_call"});
      const char* names[] = {"sms", "push", "outbound_call"};
      for (std::size_t i = 0; i < 3; ++i)
        if (auto ch = cn[names[i]]) {
          const std::string where = std::string("deliveries.channels.") + names[i];
          r.only_keys(ch, where, {"rate_per_second"});
          if (ch["rate_per_second"])
            c.deliveries.rate_per_second[i] =
                static_cast<double>(r.integer(ch["rate_per_second"], where + ".rate_per_second", 0, 10'000'000));
        }
    }
  }
}

// How callbacks are sent: timeouts, concurrency, trusted CAs and the retry schedule.
void read_dispatch(const Reader& r, const YAML::Node& n, const std::string& base_dir, webhooks::DispatchOptions& d) {
  r.only_keys(n, "webhooks.dispatch",
              {"timeout_ms", "per_endpoint_concurrency", "ca_file", "retry_schedule_ms", "retry_jitter_percent"});
  if (n["timeout_ms"])
    d.timeout = std::chrono::milliseconds(r.integer(n["timeout_ms"], "webhooks.dispatch.timeout_ms", 100, 60'000));
  if (n["per_endpoint_concurrency"])
    d.per_endpoint_concurrency = static_cast<unsigned>(
        r.integer(n["per_endpoint_concurrency"], "webhooks.dispatch.per_endpoint_concurrency", 1, 16));
  if (n["ca_file"]) d.ca_file = resolve(base_dir, r.string(n["ca_file"], "webhooks.dispatch.ca_file"));
  if (n["retry_jitter_percent"])
    d.retry_jitter =
        static_cast<double>(r.integer(n["retry_jitter_percent"], "webhooks.dispatch.retry_jitter_percent", 0, 50)) /
        100;
  if (auto waits = n["retry_schedule_ms"]) {
    if (!waits.IsSequence() || waits.size() == 0 || waits.size() > 20)
      r.fail(waits, "webhooks.dispatch.retry_schedule_ms must list 1 to 20 waits in milliseconds");
    d.retry_waits.clear();
    for (const auto& w : waits)
      d.retry_waits.emplace_back(r.integer(w, "webhooks.dispatch.retry_schedule_ms", 1, 7ull * 86'400'000));
  }
}

// Callbacks: only development may allow loopback receivers.
void read_webhooks(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  if (auto n = root["webhooks"]) {
    r.only_keys(n, "webhooks", {"development", "dispatch"});
    if (auto dispatch = n["dispatch"]) read_dispatch(r, dispatch, base_dir, c.webhooks.dispatch);
    if (auto dev = n["development"]) {
      r.only_keys(dev, "webhooks.development", {"allow_loopback"});
      if (dev["allow_loopback"])
        c.webhooks.allow_loopback = r.boolean(dev["allow_loopback"], "webhooks.development.allow_loopback");
      if (c.webhooks.allow_loopback && !c.tls.certificate_chain.empty())
        r.fail(dev["allow_loopback"],
               "webhooks.development.allow_loopback is for development: a gateway with a configured certificate "
               "(tls.certificate_chain) calls public receivers only");
    }
  }
  c.webhooks.dispatch.allow_loopback = c.webhooks.allow_loopback;
}

// Memory trimming, logging and request metrics.
void read_memory_and_log(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["memory"]) {
    r.only_keys(n, "memory", {"trim_threshold_mb"});
    if (n["trim_threshold_mb"])
      c.memory_trim_threshold_mb = r.integer(n["trim_threshold_mb"], "memory.trim_threshold_mb", 0, 1'000'000);
  }
  if (auto n = root["log"]) {
    r.only_keys(n, "log", {"level", "access_log"});
    if (n["level"]) {
      c.log_level = r.string(n["level"], "log.level");
      static const std::set<std::string> levels{"debug", "info", "warn", "error"};
      if (!levels.count(c.log_level)) r.fail(n["level"], "log.level must be debug, info, warn or error");
    }
    if (n["access_log"]) c.access_log = r.boolean(n["access_log"], "log.access_log");
  }
  if (auto n = root["metrics"]) {
    r.only_keys(n, "metrics", {"requests", "quota_refresh_ms"});
    if (n["requests"]) c.request_metrics = r.boolean(n["requests"], "metrics.requests");
    if (n["quota_refresh_ms"])
      c.quota_metrics_refresh =
          std::chrono::milliseconds(r.integer(n["quota_refresh_ms"], "metrics.quota_refresh_ms", 1000, 3'600'000));
  }
}

// Where the audit log's signed head is copied, outside the database.
void read_audit(const Reader& r, const YAML::Node& root, const std::string& base_dir, GatewayConfig& c) {
  if (auto n = root["audit"]) {
    r.only_keys(n, "audit", {"head_file"});
    if (n["head_file"]) c.audit_head_file = resolve(base_dir, r.string(n["head_file"], "audit.head_file"));
  }
}

// How often usage history reaches the store.
void read_usage(const Reader& r, const YAML::Node& root, const std::string& /*base_dir*/, GatewayConfig& c) {
  if (auto n = root["usage"]) {
    r.only_keys(n, "usage", {"flush_interval_ms"});
    if (n["flush_interval_ms"])
      c.usage_flush_interval =
          std::chrono::milliseconds(r.integer(n["flush_interval_ms"], "usage.flush_interval_ms", 100, 3'600'000));
  }
}

}  // namespace

GatewayConfig parse_config(const std::string& yaml, const std::string& origin, const std::string& base_dir) {
  Reader r(origin);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  GatewayConfig c;
  if (!root.IsDefined() || root.IsNull()) {
    c.data_dir = resolve(base_dir, c.data_dir);
    c.policies_dir = resolve(base_dir, c.policies_dir);
    return c;
  }
  if (!r.only_keys(root, "the configuration",
                   {"partner_plane",
                    "admin_plane",
                    "data_dir",
                    "tls",
                    "limits",
                    "threads",
                    "drain_timeout_ms",
                    "drain_announce_ms",
                    "auth",
                    "policies",
                    "counters",
                    "engine",
                    "deliveries",
                    "webhooks",
                    "log",
                    "memory",
                    "metrics",
                    "audit",
                    "usage",
                    "store"}))
    throw ConfigError(r.errors());
  // Every section is read even after an error in another, so one run names them all.
  const auto section = [&](auto read) {
    try {
      read(r, root, base_dir, c);
    } catch (const YAML::BadSubscript&) {
      // A section that is not a mapping: only_keys has said so already.
    } catch (const YAML::Exception& e) {
      r.fail_at(e.mark.line + 1, e.msg);
    }
  };
  section(read_planes);
  if (auto n = root["data_dir"]) c.data_dir = r.string(n, "data_dir");
  c.data_dir = resolve(base_dir, c.data_dir);
  for (auto read : {read_tls, read_limits, read_threads_and_auth, read_policies}) section(read);
  c.policies_dir = resolve(base_dir, c.policies_dir);
  for (auto read : {read_store, read_counters, read_engine, read_deliveries, read_webhooks, read_memory_and_log,
                    read_audit, read_usage})
    section(read);
  if (!r.errors().empty()) throw ConfigError(r.errors());
  return c;
}

bool valid_authority(const std::string& s) {
  static const std::regex kAuthority(
      R"(^([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$)");
  return std::regex_match(s, kAuthority);
}

GatewayConfig load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = std::filesystem::absolute(path).parent_path().string();
  return parse_config(ss.str(), path, base);
}

}  // namespace octopus::config
