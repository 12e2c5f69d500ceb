#include "admin/policies_api.hpp"

#include <nlohmann/json.hpp>

#include "admin/admin_formats.hpp"
#include "http/problem.hpp"
#include "http/resource_steps.hpp"
#include "http/formats.hpp"
#include "http/query.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxAuditedErrors = 50;  // a broken file can produce hundreds; the first ones say it

json errors_json(const policy::PolicyErrors& errors, std::size_t limit) {
  json out = json::array();
  for (const auto& e : errors) {
    if (out.size() == limit) break;
    out.push_back({{"file", e.file}, {"line", e.line}, {"pointer", e.pointer}, {"message", e.message}});
  }
  return out;
}

json audit_json(const audit::AuditRecord& r) {
  auto detail = json::parse(r.detail, nullptr, false);
  return {{"id", r.id},
          {"at", rfc3339(r.at)},
          {"actor", r.actor},
          {"action", r.action},
          {"subject", r.subject},
          {"outcome", r.outcome},
          {"policy_version", r.policy_version},
          {"request_id", r.request_id.empty() ? json(nullptr) : json(r.request_id)},
          {"detail", detail.is_discarded() ? json::object() : detail}};
}

class PoliciesApi {
 public:
  explicit PoliciesApi(PoliciesApiDeps deps) : d_(deps) {}

  http::Response status(http::RequestContext&) {
    const auto info = d_.registry.info();
    json files = json::array();
    for (const auto& f : info.files) files.push_back({{"name", f.name}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    return http::make_json(200, {{"version", info.version},
                                 {"directory", info.directory},
                                 {"loaded_at", rfc3339(info.loaded_at)},
                                 {"loaded_by", info.loaded_by},
                                 {"files", files}});
  }

  http::Response reload(http::RequestContext& ctx) {
    std::string reason;  // the body is optional; its schema has been checked
    if (!ctx.request.body.empty()) {
      auto body = json_body(ctx);
      if (!body) return body.answer();
      reason = body->value("reason", "");
    }
    const auto report = d_.registry.reload(ctx.principal ? ctx.principal->id : "admin", reason, ctx.request_id);
    if (!report.ok())
      return http::make_problem(
          ctx, http::problems::policy_set_refused,
          "The policy files were refused; version " + report.version + " keeps serving. Fix the errors and reload.",
          {{"active_version", report.version}, {"errors", errors_json(report.errors, SIZE_MAX)}});
    return http::make_json(200, {{"outcome", policy::to_string(report.outcome)},
                                 {"previous_version", report.previous_version},
                                 {"version", report.version}});
  }

  http::Response audit(http::RequestContext& ctx) {
    // Cursors are audit record ids: decimal, and small enough for an int64.
    auto request = http::page_request(
        ctx,
        [](std::string_view s) {
          return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string_view::npos;
        },
        50, 500);
    if (!request) return request.answer();
    std::optional<std::int64_t> after;
    if (request->after) after = std::stoll(*request->after);
    audit::AuditFilter filter;
    const auto query = [&](const char* name) {
      const auto it = request->query.find(name);
      return it == request->query.end() ? std::string() : it->second;
    };
    filter.action = query("action");
    filter.actor = query("actor");
    if (const auto since = query("since"); !since.empty()) {
      const auto at = http::parse_rfc3339(since);
      if (!at)
        return http::make_problem(ctx, http::problems::malformed_request,
                                  "since must be an RFC 3339 date-time, e.g. 2026-12-06T08:00:00Z.");
      filter.since = *at;
    }
    auto page = d_.audit.list_audit(after, request->limit, filter);
    json items = json::array();
    for (const auto& r : page.items) items.push_back(audit_json(r));
    return http::make_json(
        200,
        {{"items", items}, {"next_cursor", page.next_after ? json(std::to_string(*page.next_after)) : json(nullptr)}});
  }

 private:
  PoliciesApiDeps d_;
};

}  // namespace

audit::AuditRecord reload_audit_record(const policy::ReloadReport& report, const std::string& directory) {
  json detail = {{"previous_version", report.previous_version}, {"version", report.version}};
  if (!report.attempted_version.empty()) detail["attempted_version"] = report.attempted_version;
  if (!report.reason.empty()) detail["reason"] = report.reason;
  if (!report.errors.empty()) {
    detail["errors"] = errors_json(report.errors, kMaxAuditedErrors);
    detail["error_count"] = report.errors.size();
  }
  return {.at = report.at,
          .actor = report.actor,
          .action = "policy.reload",
          .subject = directory,
          .outcome = std::string(policy::to_string(report.outcome)),
          .policy_version = report.version,
          .detail = detail.dump(-1, ' ', false, json::error_handler_t::replace),
          .request_id = report.request_id};
}

void register_policy_routes(http::Pipeline& admin_plane, PoliciesApiDeps deps) {
  auto api = std::make_shared<PoliciesApi>(deps);
  using vocabulary::Role;
  auto route = [&](const char* method, const char* pattern, http::Response (PoliciesApi::*fn)(http::RequestContext&),
                   vocabulary::RoleSet roles) {
    admin_plane.add_route({.method = method,
                           .pattern = pattern,
                           .handler = [api, fn](http::RequestContext& ctx) { return ((*api).*fn)(ctx); },
                           .blocking = true,
                           .roles = roles});
  };
  route("GET", "/admin/v1/policies", &PoliciesApi::status,
        {Role::compliance, Role::admin, Role::operator_, Role::viewer});
  route("POST", "/admin/v1/policies/reload", &PoliciesApi::reload, {Role::compliance});
  route("GET", "/admin/v1/audit", &PoliciesApi::audit, {Role::compliance, Role::admin});
}

namespace {

const observability::LabelledCounter kReloads{"octopus_policy_reloads_total",
                                              "Policy reload attempts by outcome (accepted, unchanged, refused).",
                                              "outcome",
                                              {"accepted", "unchanged", "refused"}};
const observability::MetricFamily kInfo{"octopus_policy_info", observability::MetricType::gauge,
                                        "1, labelled with the version of the policy set this instance serves."};
const observability::MetricFamily kLoadedAt{"octopus_policy_loaded_timestamp_seconds", observability::MetricType::gauge,
                                            "When the serving policy set was loaded, in Unix seconds."};

}  // namespace

void count_policy_reload(const policy::ReloadReport& report) {
  observability::metrics().increment(kReloads.series(policy::to_string(report.outcome)));
}

std::unique_ptr<observability::ScopedCollector> collect_policy_metrics(const policy::PolicyRegistry& registry) {
  return std::make_unique<observability::ScopedCollector>([&registry](std::vector<observability::Sample>& out) {
    const auto snapshot = registry.current();
    if (!snapshot) return;
    out.push_back({"octopus_policy_info{version=\"" + observability::label_value(snapshot->version) + "\"}", 1});
    out.push_back({"octopus_policy_loaded_timestamp_seconds", static_cast<double>(registry.info().loaded_at)});
  });
}

}  // namespace octopus::admin
