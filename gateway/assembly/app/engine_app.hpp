// `octopus-gateway engine serve`: the reference engine as its own HTTPS process on the
// engine API (api-spec/engine.yaml), so a gateway reaches it exactly as it would reach the
// operator's production engine: through the remote adapter, its pool, timeouts and breaker.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "config/gateway_config.hpp"

namespace octopus::app {

struct EngineAppOptions {
  config::Endpoint listen{"127.0.0.1", 7443};
  std::string data_dir = "var/engine";  // generated TLS files live here
  http::TlsFiles tls;                   // empty: a development CA and certificate under data_dir/tls
  std::size_t population = 1'000'000;   // synthetic subscribers, unless `import_file` is given
  std::uint64_t seed = 20261128;
  std::string import_file;       // CSV or JSON Lines (docs/engine.md)
  bool refuse_bad_rows = false;  // one bad row refuses the whole file
  std::string token;             // callers must present it as a bearer token (>= 16 chars)
  std::chrono::milliseconds timeout{5000};
  double events_per_second = 0;           // synthetic subscriber events
  double conversions_per_second = 0;      // synthetic conversions
  std::size_t membership_index_mb = 256;  // memory for the membership indexes (docs/engine.md)
};

class EngineApp {
 public:
  // Builds the population and its indexes and binds the port; throws std::runtime_error
  // (bad import, port in use, short token).
  explicit EngineApp(EngineAppOptions options);
  ~EngineApp();
  void start();
  void run_until_signal();
  void shutdown();
  unsigned short port() const;
  const std::string& generated_ca_file() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace octopus::app
