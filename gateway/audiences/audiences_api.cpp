#include "audiences/audiences_api.hpp"

#include "http/json_body.hpp"
#include "http/problem.hpp"

namespace octopus::audiences {

using nlohmann::json;

namespace {

Caller caller_of(const http::RequestContext& ctx) {
  const auto& p = *ctx.principal;  // the authentication stage guarantees it
  return {p.id, p.tier, p.category};
}

http::Response engine_unavailable(http::RequestContext& ctx) {
  auto r = http::make_problem(ctx, http::problems::engine_unavailable,
                              "The marketing engine is not answering right now; retry shortly.");
  r.set_header("Retry-After", "5");
  return r;
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

}  // namespace

void register_routes(http::Pipeline& partner_plane, AudienceService& service) {
  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/targeting-attributes",
                           .handler =
                               [&service](http::RequestContext& ctx) {
                                 try {
                                   return http::make_json(200, service.targeting_attributes(*ctx.policy, caller_of(ctx)));
                                 } catch (const engine::EngineUnavailable&) {
                                   return engine_unavailable(ctx);
                                 }
                               },
                           .blocking = true,
                           .required_scope = "audiences:read",
                           .capability_class = "reads"});

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
                 return engine_unavailable(ctx);
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
       .required_scope = "audiences:read",
       .capability_class = "audience_queries"});
}

}  // namespace octopus::audiences
