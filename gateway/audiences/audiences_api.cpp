#include "audiences/audiences_api.hpp"

#include <algorithm>
#include <chrono>
#include <regex>

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "http/query.hpp"
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

json issues_json(const std::vector<SegmentIssue>& issues) {
  json out = json::array();
  for (const auto& i : issues) {
    json e = {{"pointer", i.pointer}, {"detail", i.detail}};
    if (!i.rule.empty()) e["rule"] = i.rule;
    out.push_back(e);
  }
  return out;
}

const std::regex kAudienceId("^aud_[0-9a-f]{28}$");

json audience_json(const store::AudienceRecord& a) {
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

http::Response not_found(http::RequestContext& ctx) {
  // The same answer for another partner's audience as for none: existence is not confirmed.
  return http::make_problem(ctx, http::problems::not_found, "You have no audience with this id.");
}

}  // namespace

void register_routes(http::Pipeline& partner_plane, AudiencesApiDeps deps) {
  auto& service = deps.service;
  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/targeting-attributes",
                           .handler =
                                [&service](http::RequestContext& ctx) {
                                 try {
                                   return http::make_json(200, service.targeting_attributes(*ctx.policy, caller_of(ctx)));
                                 } catch (const engine::EngineUnavailable& e) {
                                   return engine_unavailable(ctx, e.retry_after());
                                 }
                               },
                           .blocking = true,
                           .required_scope = vocabulary::Scope::audiences_read,
                           .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/audience-estimates",
       .handler =
           [&service](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             const auto e = service.estimate(*ctx.policy, caller_of(ctx), *body);
             switch (e.outcome) {
               case Estimate::Outcome::malformed:
                 return http::make_problem(ctx, http::problems::validation_error,
                                           "The request breaks the audience-estimate schema; see errors.",
                                           {{"errors", issues_json(e.issues)}});
               case Estimate::Outcome::refused:
                 return http::make_problem(ctx, http::problems::segment_not_allowed,
                                           "The privacy or consent policy does not allow this audience for you; "
                                           "see errors.",
                                           {{"errors", issues_json(e.issues)}, {"policy_version", ctx.policy_version}});
               case Estimate::Outcome::engine_unavailable:
                 return engine_unavailable(ctx, e.retry_after);
               case Estimate::Outcome::history_unavailable:
                 return http::make_unavailable(ctx, http::problems::service_unavailable,
                                               "The privacy check on this count cannot run right now; retry shortly.",
                                               e.retry_after);
               case Estimate::Outcome::counted:
                 break;
             }
             json out = {{"count", e.count ? json(*e.count) : json(nullptr)},
                         {"suppressed", e.suppressed},
                         {"policy_version", ctx.policy_version}};
             if (e.suppressed) out["reason"] = e.reason;
             return http::make_json(200, out);
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::audiences_read,
       .capability_class = vocabulary::CapabilityClass::audience_queries});

  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/audiences",
       .handler =
           [deps](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             const Caller caller = caller_of(ctx);
             Estimate e;
             std::optional<AudienceService::Prepared> prepared;
             try {
               prepared = deps.service.prepare(*ctx.policy, caller, *body, e);
             } catch (const engine::EngineUnavailable& unavailable) {
               return engine_unavailable(ctx, unavailable.retry_after());
             }
             if (!prepared) {
               if (e.outcome == Estimate::Outcome::malformed)
                 return http::make_problem(ctx, http::problems::validation_error,
                                           "The request breaks the audience schema; see errors.",
                                           {{"errors", issues_json(e.issues)}});
               return http::make_problem(ctx, http::problems::segment_not_allowed,
                                         "The privacy or consent policy does not allow this audience for you; "
                                         "see errors.",
                                         {{"errors", issues_json(e.issues)}, {"policy_version", ctx.policy_version}});
             }
             store::AudienceRecord r;
             r.id = store::new_resource_id("aud_");
             r.partner_id = caller.partner_id;
             r.status = "building";
             r.segment_json = (*body)["segment"].dump();
             r.purpose = prepared->query.consent.purpose;
             r.policy_version = std::string(ctx.policy_version);
             r.created_at = r.updated_at = http::unix_seconds_now();
             if (deps.store.create_audience(r) != store::WriteResult::ok)
               return http::make_problem(ctx, http::problems::internal_error, "The audience could not be recorded.");
             if (!deps.builder.submit(r, std::move(*prepared), ctx.policy, caller)) {
               r.status = "failed";
               r.error = "too many audiences are being built; create it again shortly";
               deps.store.update_audience(r);
               auto busy = http::make_problem(ctx, http::problems::service_unavailable,
                                              "Too many audiences are being built right now; retry shortly.");
               busy.set_header("Retry-After", "5");
               return busy;
             }
             auto response = http::make_json(202, audience_json(r));
             response.set_header("Location", "/v1/audiences/" + r.id);
             return response;
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::audiences_write,
       .capability_class = vocabulary::CapabilityClass::audience_queries});

  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/audiences/{id}",
                           .handler =
                               [deps](http::RequestContext& ctx) {
                                 const auto& id = ctx.path_params.at("id");
                                 if (!std::regex_match(id, kAudienceId)) return not_found(ctx);
                                 auto a = deps.store.get_audience(ctx.principal->id, id);
                                 if (!a) return not_found(ctx);
                                 return http::make_json(200, audience_json(*a));
                               },
                           .blocking = true,
                           .required_scope = vocabulary::Scope::audiences_read,
                           .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/audiences",
       .handler =
           [deps](http::RequestContext& ctx) {
             auto query = http::parse_query(ctx.request.query());
             if (!query) return http::make_problem(ctx, http::problems::malformed_request, "The query string is malformed.");
             const auto limit = http::page_limit(*query, 50, 200);
             if (!limit)
               return http::make_problem(ctx, http::problems::malformed_request,
                                         "limit must be an integer from 1 to 200.");
             std::optional<std::string> after;
             if (auto it = query->find("cursor"); it != query->end()) {
               if (!std::regex_match(it->second, kAudienceId))
                 return http::make_problem(ctx, http::problems::malformed_request,
                                           "cursor is not one this API returned; start again without it.");
               after = it->second;
             }
             return http::make_json(200, http::page_json(deps.store.list_audiences(ctx.principal->id, after, *limit),
                                                         audience_json));
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::audiences_read,
       .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route({.method = "DELETE",
                           .pattern = "/v1/audiences/{id}",
                           .handler =
                               [deps](http::RequestContext& ctx) {
                                 const auto& id = ctx.path_params.at("id");
                                 if (!std::regex_match(id, kAudienceId)) return not_found(ctx);
                                 auto a = deps.store.get_audience(ctx.principal->id, id);
                                 if (!a) return not_found(ctx);
                                 const std::string engine_id = a->engine_id;
                                 a->status = "deleted";
                                 a->updated_at = http::unix_seconds_now();
                                 deps.store.update_audience(*a);
                                 // The engine forgets the members; a failure here leaves an orphan
                                 // the engine can expire, never a visible audience.
                                 if (!engine_id.empty()) {
                                   try {
                                     deps.service.engine().drop(engine_id).wait_for(deps.service.engine_timeout());
                                   } catch (const std::exception&) {
                                   }
                                 }
                                 http::Response r;
                                 r.status = 204;
                                 return r;
                               },
                           .blocking = true,
                           .required_scope = vocabulary::Scope::audiences_write,
                           .capability_class = vocabulary::CapabilityClass::resource_admin});
}

}  // namespace octopus::audiences
