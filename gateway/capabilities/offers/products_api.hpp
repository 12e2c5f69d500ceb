// GET /v1/products: the operator products a partner may attach to an offer (from the
// engine's catalogue), with their codes and who may take each one, in words.
#pragma once
#include <chrono>

#include <vector>

#include "engine/engine.hpp"
#include "http/pipeline.hpp"
#include "http/step.hpp"

namespace octopus::offers {

// The engine's product catalogue, or a 503 (with Retry-After) while it cannot be read.
http::Step<std::vector<engine::Product>> read_catalogue(http::RequestContext& ctx, engine::Engine& engine,
                                                        std::chrono::milliseconds timeout);

// `engine` must outlive the plane; a catalogue not answered within `timeout` is a 503.
void register_product_routes(http::Pipeline& partner_plane, engine::Engine& engine, std::chrono::milliseconds timeout);

}  // namespace octopus::offers
