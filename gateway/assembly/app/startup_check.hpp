// What `octopus-gateway serve --check` (and `config check`) verifies before anything is
// started: the configuration (already parsed by the caller), the policy set, the TLS files,
// the secrets the environment must hold and the data directory. Every problem is returned,
// each "where: what" (file:line where there is one), so one run names them all.
#pragma once
#include <string>
#include <vector>

#include "config/gateway_config.hpp"

namespace octopus::app {

// Empty when the gateway would start with this configuration and environment.
std::vector<std::string> check_startup(const config::GatewayConfig& config);

}  // namespace octopus::app
