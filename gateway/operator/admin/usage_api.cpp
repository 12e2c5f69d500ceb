#include "admin/usage_api.hpp"

#include <nlohmann/json.hpp>

#include "admin/admin_formats.hpp"
#include "http/problem.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

json period_json(const quota::PeriodUsage& p) {
  return {{"limit", p.limit},
          {"used", p.used},
          {"remaining", p.used >= p.limit ? 0 : p.limit - p.used},
          {"resets_at", rfc3339(p.resets_at)}};
}

}  // namespace

void register_usage_routes(http::Pipeline& admin_plane, UsageApiDeps d) {
  admin_plane.add_route(
      {.method = "GET",
       .pattern = "/admin/v1/partners/{id}/usage",
       .handler =
           [d](http::RequestContext& ctx) {
             const auto& id = ctx.path_params.at("id");
             if (!d.partners.get_partner(id))
               return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
             const auto snapshot = d.policies.current();
             quota::UsageReport report;
             try {
               report = d.limiter.usage(*snapshot, id);
             } catch (const quota::CounterUnavailable&) {
               return http::make_problem(ctx, http::problems::service_unavailable,
                                         "The usage counters cannot be read right now; try again shortly.");
             }
             json classes = json::object();
             for (const auto& line : report.classes) {
               classes[std::string(policy::to_string(line.capability_class))] = {
                   {"rate",
                    {{"per_second", line.per_second},
                     {"burst", line.burst},
                     {"remaining", line.rate_remaining},
                     {"full_in_ms", line.rate_full_in_ms}}},
                   {"day", period_json(line.day)},
                   {"month", period_json(line.month)},
                   {"on_counter_outage", line.on_outage == quota::OutageMode::open ? "admit" : "refuse"}};
             }
             return http::make_json(200, {{"partner_id", id},
                                          {"plan", report.plan},
                                          {"policy_version", snapshot->version},
                                          {"counters", report.backend},
                                          {"time_zone", snapshot->fatigue.zone.name()},
                                          {"day_started_at", rfc3339(report.periods.day_starts_at)},
                                          {"month_started_at", rfc3339(report.periods.month_starts_at)},
                                          {"classes", classes}});
           },
       .blocking = true});
}

}  // namespace octopus::admin
