#include "admin/health_api.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace octopus::admin {

namespace {

// 200 with every check "ok", or 503 naming each check that failed and why (the first in
// the detail). Draining comes first: a draining gateway is not ready whatever else holds.
http::Response readiness(http::RequestContext& ctx, const std::vector<ReadinessCheck>& checks,
                         const std::function<bool()>& draining) {
  nlohmann::json results = nlohmann::json::object();
  std::string first_problem;
  if (draining && draining()) {
    results["draining"] = "the gateway is shutting down and finishing the requests in flight";
    first_problem = "The gateway is draining: it is shutting down and finishing the requests in flight.";
  }
  for (const auto& check : checks) {
    const auto problem = check.problem();
    results[check.name] = problem.empty() ? "ok" : problem;
    if (!problem.empty() && first_problem.empty()) first_problem = check.name + ": " + problem;
  }
  if (first_problem.empty()) return http::make_json(200, {{"status", "ready"}, {"checks", results}});
  auto r = http::make_problem(ctx, http::problems::not_ready, first_problem, {{"checks", results}});
  r.set_header("Retry-After", "1");
  return r;
}

}  // namespace

void register_health_routes(http::Pipeline& admin_plane, std::vector<ReadinessCheck> checks,
                            std::function<bool()> draining) {
  admin_plane.add_route({.method = "GET",
                         .pattern = "/healthz",
                         .handler =
                             [](http::RequestContext&) {
                               return http::make_json(200, {{"status", "ok"}});
                             },
                         .public_route = true});
  admin_plane.add_route({.method = "GET",
                         .pattern = "/readyz",
                         .handler = [checks = std::move(checks), draining = std::move(draining)](
                                        http::RequestContext& ctx) { return readiness(ctx, checks, draining); },
                         .public_route = true,
                         .blocking = true});
}

}  // namespace octopus::admin
