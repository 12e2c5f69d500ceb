// /healthz (the process is up: liveness only) and /readyz (it can serve: not draining, and
// every dependency check passes) on the admin plane, without authentication, for load
// balancers and orchestrators.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "http/pipeline.hpp"

namespace octopus::admin {

// One dependency readiness looks at: its name in the answer, and why it is not ready
// ("" when it is).
struct ReadinessCheck {
  std::string name;
  std::function<std::string()> problem;
};

void register_health_routes(http::Pipeline& admin_plane, std::vector<ReadinessCheck> checks,
                            std::function<bool()> draining);

}  // namespace octopus::admin
