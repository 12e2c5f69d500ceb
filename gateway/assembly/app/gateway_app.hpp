// The composition root: builds the store, the authentication directory, both planes'
// pipelines and the server from a GatewayConfig. main() and the integration tests use
// it the same way, so the tests exercise exactly what ships.
#pragma once
#include <memory>
#include <string>

#include "config/gateway_config.hpp"
#include "engine/engine.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::app {

class GatewayApp {
 public:
  // Opens the store, loads partners, prepares TLS (generating a development certificate
  // under data_dir/tls when none is configured) and binds both listeners.
  // Throws std::runtime_error with a message fit for an operator.
  GatewayApp(config::GatewayConfig config, std::string admin_token);
  ~GatewayApp();

  void start();
  // Blocks until SIGTERM/SIGINT, then drains.
  void run_until_signal();
  void shutdown();

  unsigned short partner_port() const;
  unsigned short admin_port() const;
  // The CA clients should trust when the gateway made its own certificate; else empty.
  const std::string& generated_ca_file() const;
  // The version of the policy set serving now.
  std::string policy_version() const;
  // Whether this instance runs the background work now (deliveries, webhook dispatch, the
  // engine's streams): always alone; with a shared store, while it holds the lease.
  bool runs_background_work() const;
  // The policy snapshot in force.
  std::shared_ptr<const policy::PolicySnapshot> policies() const;
  // The engine behind the gateway (embedded or remote), for tests and tools in-process.
  engine::Engine& engine();

  struct Parts;  // everything the gateway is made of, in the order it is built (gateway_app.cpp)

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace octopus::app
