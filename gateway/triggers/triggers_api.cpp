#include "triggers/triggers_api.hpp"

#include <regex>

#include <nlohmann/json.hpp>

#include "deliveries/delivery_decider.hpp"
#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "observability/log.hpp"
#include "policy/consent_evaluator.hpp"
#include "privacy/release_json.hpp"
#include "store/resource_id.hpp"

namespace octopus::triggers {

using nlohmann::json;

namespace {

const std::regex kTriggerId("^trg_[0-9a-f]{28}$");
const std::regex kOfferId("^ofr_[0-9a-f]{28}$");
constexpr std::int64_t kMinCooldown = 60, kMaxCooldown = 30 * 86400, kDefaultCooldown = 86400;
constexpr const char* kDefaultPurpose = "dpv:Personalisation";

json issue(std::string pointer, std::string detail) { return {{"pointer", std::move(pointer)}, {"detail", std::move(detail)}}; }

// Counts are shown once at least k events matched (fewer could single out who moved), through
// the release model: as of the partner's first look on each UTC day, noisy and rounded,
// the same figures on every later look that day. Counts that changed with every look could
// be subtracted from each other; one snapshot a day costs one release of the budget. One
// event counts in `matched` and in one outcome: sensitivity 2.
json counts_json(const store::TriggerRecord& t, const http::RequestContext& ctx, privacy::ReleaseModel& release,
                 std::string& withheld) {
  const auto& c = t.counts;
  const auto day = http::rfc3339(http::unix_seconds_now()).substr(0, 10);
  const auto shown = release.parts(ctx.policy->privacy, ctx.principal->privacy_account(), "trigger|" + t.id + "|" + day,
                                   c.matched,
                                   {{"matched", c.matched},
                                    {"sent", c.sent},
                                    {"no_consent", c.no_consent},
                                    {"capped", c.capped},
                                    {"ineligible", c.ineligible},
                                    {"cooling_down", c.cooling_down},
                                    {"quiet_hours", c.quiet_hours}},
                                   2);
  return privacy::figures_or_null(shown, withheld);
}

json trigger_json(const store::TriggerRecord& t, const http::RequestContext& ctx, privacy::ReleaseModel& release) {
  std::string withheld;
  json counts = counts_json(t, ctx, release, withheld);
  return {{"id", t.id},
          {"offer_id", t.offer_id},
          {"event_type", t.event_type},
          {"segment", json::parse(t.segment_json, nullptr, false)},
          {"purpose", t.purpose},
          {"cooldown_seconds", t.cooldown_seconds},
          {"status", t.status},
          {"counts", counts},
          {"counts_withheld", withheld.empty() ? json(nullptr) : json(withheld)},
          {"policy_version", t.policy_version},
          {"created_at", http::rfc3339(t.created_at)}};
}

json segment_issues(const std::vector<audiences::SegmentIssue>& issues) {
  json out = json::array();
  for (const auto& i : issues) {
    json e = {{"pointer", i.pointer}, {"detail", i.detail}};
    if (!i.rule.empty()) e["rule"] = i.rule;
    out.push_back(e);
  }
  return out;
}

}  // namespace

void register_trigger_routes(http::Pipeline& partner_plane, TriggersApiDeps deps) {
  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/triggers",
       .handler =
           [deps](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             const auto& partner = *ctx.principal;
             json issues = json::array();
             for (const auto& [key, value] : body->items())
               if (key != "offer_id" && key != "event_type" && key != "segment" && key != "cooldown_seconds" && key != "purpose")
                 issues.push_back(issue("/" + key, "is not a member of a trigger"));
             auto text = [&](const char* name) {
               return body->contains(name) && (*body)[name].is_string() ? (*body)[name].get<std::string>() : std::string();
             };
             const auto offer_id = text("offer_id");
             if (offer_id.empty()) issues.push_back(issue("/offer_id", "is required: the id of an approved offer"));
             const auto event_type = text("event_type");
             const bool known_type = std::any_of(std::begin(engine::kEventTypes), std::end(engine::kEventTypes),
                                                 [&](const char* t) { return event_type == t; });
             if (!known_type || event_type == "sms_reply")
               issues.push_back(issue("/event_type", "must be one of data_balance_low, roaming_started, entered_area, "
                                                      "recharge, app_installed"));
             if (!body->contains("segment")) issues.push_back(issue("/segment", "is required: who the trigger applies to"));
             std::int64_t cooldown = kDefaultCooldown;
             if (body->contains("cooldown_seconds")) {
               const auto& v = (*body)["cooldown_seconds"];
               if (!v.is_number_integer() || v.get<std::int64_t>() < kMinCooldown || v.get<std::int64_t>() > kMaxCooldown)
                 issues.push_back(issue("/cooldown_seconds", "must be a whole number of seconds from 60 to 2592000 (30 days)"));
               else cooldown = v.get<std::int64_t>();
             }
             const auto purpose = body->contains("purpose") ? text("purpose") : std::string(kDefaultPurpose);
             if (purpose.empty()) issues.push_back(issue("/purpose", "must be a purpose of the consent policy"));
             if (!issues.empty())
               return http::make_problem(ctx, http::problems::validation_error, "The request breaks the trigger schema; see errors.",
                                         {{"errors", issues}});

             auto offer = std::regex_match(offer_id, kOfferId) ? deps.store.get_offer(partner.id, offer_id) : std::nullopt;
             if (!offer) return http::make_problem(ctx, http::problems::not_found, "You have no offer with this id.");
             if (offer->status != "approved" || http::unix_seconds_now() > offer->valid_until)
               return http::make_problem(ctx, http::problems::offer_not_deliverable,
                                         offer->status != "approved" ? "Only an approved offer can be attached to a trigger."
                                                                     : "The offer's validity has ended.",
                                         {{"offer_status", offer->status}});
             const auto channel = policy::parse_channel(offer->channel);
             const auto context = channel ? deliveries::decision_context(*ctx.policy, policy::Capability::triggers, *channel,
                                                                         purpose, partner.category, http::unix_seconds_now())
                                          : std::nullopt;
             if (!context)
               return http::make_problem(ctx, http::problems::validation_error, "The purpose is not one the consent policy knows.",
                                         {{"errors", json::array({issue("/purpose", "is not a purpose of the consent policy")})}});
             policy::SubscriberConsent granted;
             granted.granted.set(policy::consent_scope(context->consent.purpose, *channel, context->consent.category));
             if (const auto d = policy::evaluate_consent(*ctx.policy, context->consent, granted); !d.allowed)
               return http::make_problem(ctx, http::problems::policy_denied,
                                         "The consent policy does not let a partner of your category use a trigger on this "
                                         "channel for this purpose.",
                                         {{"rule", std::string(d.rule)}, {"policy_version", std::string(d.version)}});

             // The segment: the audience grammar and the partner's targeting rights, at least k people.
             audiences::Estimate e;
             std::optional<audiences::AudienceService::Prepared> prepared;
             const audiences::Caller caller{partner.id, partner.tier, partner.category, partner.organisation};
             try {
               prepared = deps.audiences.prepare(*ctx.policy, caller, {{"segment", (*body)["segment"]}}, e);
             } catch (const engine::EngineUnavailable& u) {
               return http::make_unavailable(ctx, http::problems::engine_unavailable, "The engine is not answering.", u.retry_after());
             }
             if (!prepared)
               return http::make_problem(ctx,
                                         e.outcome == audiences::Estimate::Outcome::malformed ? http::problems::validation_error
                                                                                              : http::problems::segment_not_allowed,
                                         "The segment is not allowed; see errors.", {{"errors", segment_issues(e.issues)}});
             prepared->query.consent = {purpose, partner.category, {offer->channel}};
             engine::AudienceHandle handle;
             try {
               handle = engine::await(deps.audiences.engine().materialise(prepared->query), deps.audiences.engine_timeout());
             } catch (const engine::EngineUnavailable& u) {
               return http::make_unavailable(ctx, http::problems::engine_unavailable, "The engine is not answering.", u.retry_after());
             }
             if (handle.size < ctx.policy->privacy.minimum_audience_size) {
               deps.audiences.engine().drop(handle.id);
               return http::make_problem(
                   ctx, http::problems::segment_not_allowed,
                   "Fewer consenting subscribers than the privacy policy's minimum are in this segment; widen it.",
                   {{"errors", json::array({{{"pointer", "/segment"},
                                             {"detail", "matches fewer subscribers than the minimum audience size"},
                                             {"rule", ctx.policy->privacy.k_rule}}})},
                    {"policy_version", ctx.policy_version}});
             }
             store::TriggerRecord t;
             t.id = store::new_resource_id("trg_");
             t.partner_id = partner.id;
             t.offer_id = offer->id;
             t.event_type = event_type;
             t.segment_json = (*body)["segment"].dump();
             t.purpose = purpose;
             t.cooldown_seconds = cooldown;
             t.engine_audience_id = handle.id;
             t.segment_size = handle.size;
             t.status = "active";
             t.policy_version = ctx.policy->version;
             t.created_at = t.updated_at = http::unix_seconds_now();
             if (deps.store.create_trigger(t) != store::WriteResult::ok) throw std::runtime_error("trigger id collision");
             deps.runner.reload();
             observability::log_info("trigger_created", {{"trigger", t.id}, {"partner", t.partner_id}, {"event_type", event_type}});
             auto r = http::make_json(201, trigger_json(t, ctx, deps.audiences.release_model()));
             r.set_header("Location", "/v1/triggers/" + t.id);
             return r;
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::triggers_write,
       .capability_class = vocabulary::CapabilityClass::deliveries});

  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/triggers/{id}",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto& id = ctx.path_params.at("id");
             auto t = std::regex_match(id, kTriggerId) ? deps.store.get_trigger(ctx.principal->id, id) : std::nullopt;
             if (!t) return http::make_problem(ctx, http::problems::not_found, "You have no trigger with this id.");
             return http::make_json(200, trigger_json(*t, ctx, deps.audiences.release_model()));
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::triggers_read,
       .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/triggers",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto request = http::read_page_request(ctx.request.query(), kTriggerId);
             if (!request)
               return http::make_problem(ctx, http::problems::malformed_request, "limit must be 1 to 200 and cursor one this API returned.");
             return http::make_json(
                 200, http::page_json(deps.store.list_triggers(ctx.principal->id, request->after, request->limit),
                                      [&](const store::TriggerRecord& t) {
                                        return trigger_json(t, ctx, deps.audiences.release_model());
                                      }));
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::triggers_read,
       .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "DELETE",
       .pattern = "/v1/triggers/{id}",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto& id = ctx.path_params.at("id");
             auto t = std::regex_match(id, kTriggerId) ? deps.store.get_trigger(ctx.principal->id, id) : std::nullopt;
             if (!t || deps.store.delete_trigger(ctx.principal->id, id, http::unix_seconds_now()) != store::WriteResult::ok)
               return http::make_problem(ctx, http::problems::not_found, "You have no trigger with this id.");
             deps.runner.reload();
             deps.audiences.engine().drop(t->engine_audience_id);
             observability::log_info("trigger_deleted", {{"trigger", id}, {"partner", ctx.principal->id}});
             http::Response r;
             r.status = 204;
             return r;
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::triggers_write,
       .capability_class = vocabulary::CapabilityClass::resource_admin});
}

}  // namespace octopus::triggers
