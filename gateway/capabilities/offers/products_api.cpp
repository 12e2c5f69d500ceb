#include "offers/products_api.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace octopus::offers {

http::Step<std::vector<engine::Product>> read_catalogue(http::RequestContext& ctx, engine::Engine& engine,
                                                        std::chrono::milliseconds timeout) {
  try {
    return engine::await(engine.products(), timeout);
  } catch (const engine::EngineUnavailable& e) {
    return http::make_unavailable(ctx, http::problems::engine_unavailable,
                                  "The product catalogue cannot be read right now; retry shortly.", e.retry_after());
  }
}

void register_product_routes(http::Pipeline& partner_plane, engine::Engine& engine, std::chrono::milliseconds timeout) {
  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/products",
       .handler =
           [&engine, timeout](http::RequestContext& ctx) {
             auto products = read_catalogue(ctx, engine, timeout);
             if (!products) return products.answer();
             nlohmann::json items = nlohmann::json::array();
             for (const auto& p : *products)
               items.push_back({{"code", p.code}, {"name", p.name}, {"eligibility", p.eligibility_summary}});
             return http::make_json(200, nlohmann::json{{"products", std::move(items)}});
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::offers_read,
       .capability_class = vocabulary::CapabilityClass::reads});
}

}  // namespace octopus::offers
