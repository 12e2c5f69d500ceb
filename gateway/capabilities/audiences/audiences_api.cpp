#include "audiences/audiences_api.hpp"

#include <algorithm>
#include <chrono>

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "http/resource_steps.hpp"
#include "store/resource_id.hpp"

namespace octopus::audiences {

using nlohmann::json;

namespace {

Caller caller_of(const http::RequestContext& ctx) {
  const auto& p = *ctx.principal;  // the authentication stage guarantees it
  return {p.id, p.tier, p.category, p.organisation};
}

http::Response engine_unavailable(http::RequestContext& ctx, std::chrono::seconds retry_after) {
  return http::make_unavailable(ctx, http::problems::engine_unavailable,
                                "The marketing engine is not answering right now; retry shortly.", retry_after);
}

bool is_audience_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::audience, id); }

json audience_json(const audiences::AudienceRecord& a) {
  json out = {{"id", a.id},
              {"status", a.status},
              {"progress", a.status == "building" ? 0.0 : 1.0},
              {"segment", json::parse(a.segment_json, nullptr, false)},
              {"purpose", a.purpose},
              {"count", a.count ? json(*a.count) : json(nullptr)},
              {"suppressed", a.suppressed},
              {"policy_version", a.policy_version},
              {"created_at", http::rfc3339(a.created_at)},
              {"updated_at", http::rfc3339(a.updated_at)}};
  if (a.suppressed) out["reason"] = a.reason;
  if (a.status == "failed") out["error"] = a.error;
  return out;
}

// A segment the schema or the policy refuses: 422 with every issue.
http::Response refused_segment(http::RequestContext& ctx, const Estimate& e, std::string_view what) {
  if (e.outcome == Estimate::Outcome::malformed)
    return http::make_problem(ctx, http::problems::validation_error,
                              "The request breaks the " + std::string(what) + " schema; see errors.",
                              {{"errors", issues_json(e.issues)}});
  return http::make_problem(ctx, http::problems::segment_not_allowed,
                            "The privacy or consent policy does not allow this audience for you; see errors.",
                            {{"errors", issues_json(e.issues)}, {"policy_version", ctx.policy_version}});
}

// The partner plane's audience operations: one object shared by the routes.
class AudienceHandlers {
 public:
  explicit AudienceHandlers(AudiencesApiDeps deps) : deps_(deps) {}

  http::Response attributes(http::RequestContext& ctx) {
    try {
      return http::make_json(200, deps_.service.targeting_attributes(*ctx.policy, caller_of(ctx)));
    } catch (const engine::EngineUnavailable& e) {
      return engine_unavailable(ctx, e.retry_after());
    }
  }
  http::Response estimate(http::RequestContext& ctx);
  http::Response create(http::RequestContext& ctx);
  http::Response get(http::RequestContext& ctx) {
    auto a = find(ctx);
    if (!a) return a.answer();
    return http::make_json(200, audience_json(*a));
  }
  http::Response list(http::RequestContext& ctx) {
    auto request = http::page_request(ctx, is_audience_id);
    if (!request) return request.answer();
    return http::make_json(
        200, http::page_json(deps_.audiences.list_audiences(ctx.principal->id, request->after, request->limit),
                             audience_json));
  }
  http::Response remove(http::RequestContext& ctx);

 private:
  // The same answer for another partner's audience as for none: existence is not confirmed.
  http::Step<audiences::AudienceRecord> find(http::RequestContext& ctx) {
    return http::owned(ctx, "audience", is_audience_id,
                       [&](const std::string& id) { return deps_.audiences.get_audience(ctx.principal->id, id); });
  }

  AudiencesApiDeps deps_;
};

http::Response AudienceHandlers::estimate(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  const auto e = deps_.service.estimate(*ctx.policy, caller_of(ctx), *body);
  switch (e.outcome) {
    case Estimate::Outcome::malformed:
    case Estimate::Outcome::refused: return refused_segment(ctx, e, "audience-estimate");
    case Estimate::Outcome::engine_unavailable: return engine_unavailable(ctx, e.retry_after);
    case Estimate::Outcome::history_unavailable:
      return http::make_unavailable(ctx, http::problems::service_unavailable,
                                    "The privacy check on this count cannot run right now; retry shortly.",
                                    e.retry_after);
    case Estimate::Outcome::counted: break;
  }
  json out = {{"count", e.count ? json(*e.count) : json(nullptr)},
              {"suppressed", e.suppressed},
              {"policy_version", ctx.policy_version}};
  if (e.suppressed) out["reason"] = e.reason;
  return http::make_json(200, out);
}

http::Response AudienceHandlers::create(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  const Caller caller = caller_of(ctx);
  Estimate e;
  std::optional<AudienceService::Prepared> prepared;
  try {
    prepared = deps_.service.prepare(*ctx.policy, caller, *body, e);
  } catch (const engine::EngineUnavailable& unavailable) {
    return engine_unavailable(ctx, unavailable.retry_after());
  }
  if (!prepared) return refused_segment(ctx, e, "audience");
  audiences::AudienceRecord r;
  r.id = store::new_resource_id(store::ResourceKind::audience);
  r.partner_id = caller.partner_id;
  r.status = "building";
  r.segment_json = (*body)["segment"].dump();
  r.purpose = prepared->query.consent.purpose;
  r.policy_version = std::string(ctx.policy_version);
  r.created_at = r.updated_at = deps_.clock.unix_seconds();
  if (deps_.audiences.create_audience(r) != store::WriteResult::ok)
    return http::make_problem(ctx, http::problems::internal_error, "The audience could not be recorded.");
  if (!deps_.builder.submit(r, std::move(*prepared), ctx.policy, caller)) {
    r.status = "failed";
    r.error = "too many audiences are being built; create it again shortly";
    deps_.audiences.update_audience(r);
    auto busy = http::make_problem(ctx, http::problems::service_unavailable,
                                   "Too many audiences are being built right now; retry shortly.");
    busy.set_header("Retry-After", "5");
    return busy;
  }
  return http::accepted(202, audience_json(r), "/v1/audiences/" + r.id);
}

http::Response AudienceHandlers::remove(http::RequestContext& ctx) {
  auto a = find(ctx);
  if (!a) return a.answer();
  const std::string engine_id = a->engine_id;
  a->status = "deleted";
  a->updated_at = deps_.clock.unix_seconds();
  deps_.audiences.update_audience(*a);
  // The engine forgets the members; a failure here leaves an orphan the engine can
  // expire, never a visible audience.
  if (!engine_id.empty()) {
    try {
      deps_.service.engine().drop(engine_id).wait_for(deps_.service.engine_timeout());
    } catch (const std::exception&) {
    }
  }
  return http::no_content();
}

}  // namespace

void register_routes(http::Pipeline& partner_plane, AudiencesApiDeps deps) {
  using H = AudienceHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(deps),
      {{"GET", "/v1/targeting-attributes", &H::attributes, Scope::audiences_read, CapabilityClass::reads},
       {"POST", "/v1/audience-estimates", &H::estimate, Scope::audiences_read, CapabilityClass::audience_queries, true},
       {"POST", "/v1/audiences", &H::create, Scope::audiences_write, CapabilityClass::audience_queries, true},
       {"GET", "/v1/audiences/{id}", &H::get, Scope::audiences_read, CapabilityClass::reads},
       {"GET", "/v1/audiences", &H::list, Scope::audiences_read, CapabilityClass::reads},
       {"DELETE", "/v1/audiences/{id}", &H::remove, Scope::audiences_write, CapabilityClass::resource_admin}});
}

}  // namespace octopus::audiences
