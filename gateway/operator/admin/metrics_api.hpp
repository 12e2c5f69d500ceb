// GET /metrics on the admin plane (behind the admin token): the process's counters and
// gauges in the Prometheus text format.
#pragma once
#include "http/pipeline.hpp"

namespace octopus::admin {

void register_metrics_route(http::Pipeline& admin_plane);

}  // namespace octopus::admin
