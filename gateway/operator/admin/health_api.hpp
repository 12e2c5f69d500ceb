// /healthz (the process is up) and /readyz (it can serve: store reachable, not draining)
// on the admin plane, without authentication, for load balancers and orchestrators.
#pragma once
#include <functional>

#include "http/pipeline.hpp"

namespace octopus::admin {

void register_health_routes(http::Pipeline& admin_plane, std::function<bool()> store_healthy,
                            std::function<bool()> draining);

}  // namespace octopus::admin
