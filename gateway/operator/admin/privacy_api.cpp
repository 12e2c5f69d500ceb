#include "admin/privacy_api.hpp"

#include <nlohmann/json.hpp>

#include "admin/admin_formats.hpp"
#include "http/problem.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {
// ε is kept in thousandths; shown as a number with at most three decimals.
double epsilon(std::uint64_t milli) { return static_cast<double>(milli) / 1000.0; }
}  // namespace

void register_privacy_routes(http::Pipeline& admin_plane, PrivacyApiDeps d) {
  admin_plane.add_route(
      {.method = "GET",
       .pattern = "/admin/v1/partners/{id}/privacy-budget",
       .handler =
           [d](http::RequestContext& ctx) {
             const auto partner = d.partners.get_partner(ctx.path_params.at("id"));
             if (!partner) return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
             const auto snapshot = d.policies.current();
             const auto& account = partner->organisation.empty() ? partner->id : partner->organisation;
             const auto report = d.release.budget(snapshot->privacy, account);
             const auto remaining =
                 report.budget_milli > report.spent_milli ? report.budget_milli - report.spent_milli : 0;
             return http::make_json(
                 200, {{"partner_id", partner->id},
                       {"organisation", partner->organisation.empty() ? json(nullptr) : json(partner->organisation)},
                       {"period", report.period},
                       {"resets_at", rfc3339(report.resets_at)},
                       {"epsilon_per_release", epsilon(report.epsilon_per_release_milli)},
                       {"budget", epsilon(report.budget_milli)},
                       {"spent", epsilon(report.spent_milli)},
                       {"remaining", epsilon(remaining)},
                       {"releases", report.releases},
                       {"policy_version", snapshot->version}});
           },
       .blocking = true,
       .roles = {vocabulary::Role::operator_, vocabulary::Role::compliance, vocabulary::Role::viewer}});
}

}  // namespace octopus::admin
