#include "admin/health_api.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace octopus::admin {

void register_health_routes(http::Pipeline& admin_plane, std::function<bool()> store_healthy,
                            std::function<bool()> draining) {
  admin_plane.add_route({.method = "GET",
                         .pattern = "/healthz",
                         .handler =
                             [](http::RequestContext&) {
                               return http::make_json(200, {{"status", "ok"}});
                             },
                         .public_route = true});
  admin_plane.add_route(
      {.method = "GET",
       .pattern = "/readyz",
       .handler =
           [store_healthy, draining](http::RequestContext& ctx) {
             if (draining && draining())
               return http::make_problem(ctx, http::problems::not_ready, "The gateway is shutting down.");
             if (!store_healthy())
               return http::make_problem(ctx, http::problems::not_ready, "The store is not reachable.");
             return http::make_json(200, {{"status", "ready"}, {"checks", {{"store", "ok"}}}});
           },
       .public_route = true,
       .blocking = true});
}

}  // namespace octopus::admin
