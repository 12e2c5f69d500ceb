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

const observability::MetricFamily kQuotaUsed{"octopus_quota_used", observability::MetricType::gauge,
                                             "Quota spent in the current window, by partner, capability class and "
                                             "window (day, month; in the policy time zone)."};
const observability::MetricFamily kQuotaLimit{
    "octopus_quota_limit", observability::MetricType::gauge,
    "The plan's allowance per window, by partner, capability class and window."};
const observability::MetricFamily kQuotaRemaining{"octopus_quota_remaining", observability::MetricType::gauge,
                                                  "Quota left in the current window, by partner, capability class and "
                                                  "window."};

void add_usage_samples(const std::string& partner, const quota::UsageReport& report,
                       std::vector<observability::Sample>& out) {
  for (const auto& line : report.classes) {
    for (const auto& [window, period] : {std::pair{"day", &line.day}, std::pair{"month", &line.month}}) {
      const auto labels = "{partner=\"" + observability::label_value(partner) + "\",class=\"" +
                          std::string(policy::to_string(line.capability_class)) + "\",window=\"" + window + "\"}";
      const auto remaining = period->used >= period->limit ? 0 : period->limit - period->used;
      out.push_back({"octopus_quota_used" + labels, static_cast<double>(period->used)});
      out.push_back({"octopus_quota_limit" + labels, static_cast<double>(period->limit)});
      out.push_back({"octopus_quota_remaining" + labels, static_cast<double>(remaining)});
    }
  }
}

}  // namespace

std::unique_ptr<observability::ScopedCollector> collect_quota_metrics(const auth::PartnerDirectory& directory,
                                                                      policy::PolicyRegistry& policies,
                                                                      quota::QuotaLimiter& limiter,
                                                                      std::chrono::milliseconds refresh) {
  observability::Collector gather = [directory = &directory, policies = &policies,
                                     limiter = &limiter](std::vector<observability::Sample>& out) {
    const auto snapshot = policies->current();
    std::vector<observability::Sample> gathered;
    try {
      for (const auto& id : directory->active_partner_ids())
        add_usage_samples(id, limiter->usage(*snapshot, id), gathered);
    } catch (const std::exception&) {
      // Counters unreachable: the scrape goes on without quota figures (none rather than
      // some); the breaker and outage-decision families say why.
      return;
    }
    out.insert(out.end(), std::make_move_iterator(gathered.begin()), std::make_move_iterator(gathered.end()));
  };
  if (refresh.count() > 0) return observability::refreshed_collector(std::move(gather), refresh);
  return std::make_unique<observability::ScopedCollector>(std::move(gather));
}

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
       .blocking = true,
       .roles = {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}});
}

}  // namespace octopus::admin
