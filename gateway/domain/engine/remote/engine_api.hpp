// The engine API (api-spec/engine.yaml) served from any Engine: how the reference engine
// runs as its own process (`octopus-gateway engine serve`) so that the gateway can reach it,
// or any engine, over HTTPS exactly as it would reach the operator's production engine.
#pragma once
#include <chrono>

#include "engine/engine.hpp"
#include "http/pipeline.hpp"

namespace octopus::engine::remote {

// Adds the /engine/v1 routes to `plane`. A call the engine does not answer within `timeout`
// is a 503 engine-unavailable problem with Retry-After. `engine` must outlive the plane.
void register_engine_routes(http::Pipeline& plane, Engine& engine, std::chrono::milliseconds timeout);

}  // namespace octopus::engine::remote
