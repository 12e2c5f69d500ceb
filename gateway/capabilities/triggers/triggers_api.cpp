#include "triggers/triggers_api.hpp"

#include <nlohmann/json.hpp>

#include "deliveries/consent_gate.hpp"
#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "http/resource_steps.hpp"
#include "observability/log.hpp"
#include "privacy/release_json.hpp"
#include "store/resource_id.hpp"

namespace octopus::triggers {

using nlohmann::json;

namespace {

constexpr std::int64_t kDefaultCooldown = 86400;  // the schema allows 60 s to 30 days
constexpr const char* kDefaultPurpose = "dpv:Personalisation";

json issue(std::string pointer, std::string detail) {
  return {{"pointer", std::move(pointer)}, {"detail", std::move(detail)}};
}

// Counts are shown once at least k events matched (fewer could single out who moved), through
// the release model: as of the partner's first look on each UTC day, noisy and rounded,
// the same figures on every later look that day. Counts that changed with every look could
// be subtracted from each other; one snapshot a day costs one release of the budget. One
// event counts in `matched` and in one outcome: sensitivity 2.
json counts_json(const triggers::TriggerRecord& t, const http::RequestContext& ctx, privacy::ReleaseModel& release,
                 std::int64_t now, std::string& withheld) {
  const auto& c = t.counts;
  const auto day = http::rfc3339(now).substr(0, 10);
  const auto shown =
      release.parts(ctx.policy->privacy, ctx.principal->privacy_account(), "trigger|" + t.id + "|" + day, c.matched,
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

json trigger_json(const triggers::TriggerRecord& t, const http::RequestContext& ctx, privacy::ReleaseModel& release,
                  std::int64_t now) {
  std::string withheld;
  json counts = counts_json(t, ctx, release, now, withheld);
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

bool is_trigger_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::trigger, id); }

// A trigger request whose shape is right (what it refers to is checked next).
struct TriggerRequest {
  std::string offer_id, event_type, purpose;
  json segment;
  std::int64_t cooldown = kDefaultCooldown;
};

// The body has passed partner.yaml's TriggerCreate (members, the event types a trigger can
// follow, the cooldown's range); what is left is what a schema cannot say.
http::Step<TriggerRequest> parse_trigger_request(http::RequestContext& ctx, const json& body) {
  json issues = json::array();
  TriggerRequest r;
  r.offer_id = body["offer_id"];
  if (r.offer_id.empty()) issues.push_back(issue("/offer_id", "is required: the id of an approved offer"));
  r.event_type = body["event_type"];
  r.segment = body["segment"];
  r.cooldown = body.value("cooldown_seconds", kDefaultCooldown);
  r.purpose = body.value("purpose", std::string(kDefaultPurpose));
  if (r.purpose.empty()) issues.push_back(issue("/purpose", "must be a purpose of the consent policy"));
  if (!issues.empty())
    return http::make_problem(ctx, http::problems::validation_error,
                              "The request breaks the trigger schema; see errors.", {{"errors", issues}});
  return r;
}

// The partner plane's trigger operations: one object shared by the routes.
class TriggerHandlers {
 public:
  explicit TriggerHandlers(TriggersApiDeps deps) : deps_(deps) {}

  http::Response create(http::RequestContext& ctx);
  http::Response get(http::RequestContext& ctx) {
    auto t = find(ctx);
    if (!t) return t.answer();
    return http::make_json(200, render(*t, ctx));
  }
  http::Response list(http::RequestContext& ctx) {
    auto request = http::page_request(ctx, is_trigger_id);
    if (!request) return request.answer();
    const auto page = deps_.triggers.list_triggers(ctx.principal->id, request->after, request->limit);
    return http::make_json(200,
                           http::page_json(page, [&](const triggers::TriggerRecord& t) { return render(t, ctx); }));
  }
  http::Response remove(http::RequestContext& ctx);

 private:
  http::Step<triggers::TriggerRecord> find(http::RequestContext& ctx) {
    return http::owned(ctx, "trigger", is_trigger_id,
                       [&](const std::string& id) { return deps_.triggers.get_trigger(ctx.principal->id, id); });
  }
  http::Step<offers::OfferRecord> attachable_offer(http::RequestContext& ctx, const TriggerRequest& r);
  http::Step<engine::AudienceHandle> materialise_segment(http::RequestContext& ctx, const TriggerRequest& r,
                                                         const std::string& channel);
  json render(const triggers::TriggerRecord& t, const http::RequestContext& ctx) {
    return trigger_json(t, ctx, deps_.audiences.release_model(), deps_.clock.unix_seconds());
  }

  TriggersApiDeps deps_;
};

http::Step<offers::OfferRecord> TriggerHandlers::attachable_offer(http::RequestContext& ctx, const TriggerRequest& r) {
  auto offer = store::is_resource_id(store::ResourceKind::offer, r.offer_id)
                   ? deps_.offers.get_offer(ctx.principal->id, r.offer_id)
                   : std::nullopt;
  if (!offer) return http::not_owned(ctx, "offer");
  if (offer->status != "approved" || deps_.clock.unix_seconds() > offer->valid_until)
    return http::make_problem(ctx, http::problems::offer_not_deliverable,
                              offer->status != "approved" ? "Only an approved offer can be attached to a trigger."
                                                          : "The offer's validity has ended.",
                              {{"offer_status", offer->status}});
  return std::move(*offer);
}

// The segment: the audience grammar and the partner's targeting rights, at least k people,
// held in the engine for the trigger's life.
http::Step<engine::AudienceHandle> TriggerHandlers::materialise_segment(http::RequestContext& ctx,
                                                                        const TriggerRequest& r,
                                                                        const std::string& channel) {
  const auto& partner = *ctx.principal;
  audiences::Estimate e;
  std::optional<audiences::AudienceService::Prepared> prepared;
  const audiences::Caller caller{partner.id, partner.tier, partner.category, partner.organisation};
  engine::AudienceHandle handle;
  try {
    prepared = deps_.audiences.prepare(*ctx.policy, caller, {{"segment", r.segment}}, e);
    if (!prepared)
      return http::make_problem(
          ctx,
          e.outcome == audiences::Estimate::Outcome::malformed ? http::problems::validation_error
                                                               : http::problems::segment_not_allowed,
          "The segment is not allowed; see errors.", {{"errors", audiences::issues_json(e.issues)}});
    prepared->query.consent = {r.purpose, partner.category, {channel}};
    handle = engine::await(deps_.audiences.engine().materialise(prepared->query), deps_.audiences.engine_timeout());
  } catch (const engine::EngineUnavailable& u) {
    return http::make_unavailable(ctx, http::problems::engine_unavailable, "The engine is not answering.",
                                  u.retry_after());
  }
  if (handle.size >= ctx.policy->privacy.minimum_audience_size) return handle;
  deps_.audiences.engine().drop(handle.id);
  return http::make_problem(
      ctx, http::problems::segment_not_allowed,
      "Fewer consenting subscribers than the privacy policy's minimum are in this segment; widen it.",
      {{"errors", json::array({{{"pointer", "/segment"},
                                {"detail", "matches fewer subscribers than the minimum audience size"},
                                {"rule", ctx.policy->privacy.k_rule}}})},
       {"policy_version", ctx.policy_version}});
}

http::Response TriggerHandlers::create(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  auto request = parse_trigger_request(ctx, *body);
  if (!request) return request.answer();
  auto offer = attachable_offer(ctx, *request);
  if (!offer) return offer.answer();
  if (auto refused = deliveries::consent_gate(
          ctx, policy::Capability::triggers, offer->channel, request->purpose, deps_.clock.unix_seconds(),
          "The consent policy does not let a partner of your category use a trigger "
          "on this channel for this purpose."))
    return std::move(*refused);
  auto handle = materialise_segment(ctx, *request, offer->channel);
  if (!handle) return handle.answer();
  triggers::TriggerRecord t;
  t.id = store::new_resource_id(store::ResourceKind::trigger);
  t.partner_id = ctx.principal->id;
  t.offer_id = offer->id;
  t.event_type = request->event_type;
  t.segment_json = request->segment.dump();
  t.purpose = request->purpose;
  t.cooldown_seconds = request->cooldown;
  t.engine_audience_id = handle->id;
  t.segment_size = handle->size;
  t.status = "active";
  t.policy_version = ctx.policy->version;
  t.created_at = t.updated_at = deps_.clock.unix_seconds();
  if (deps_.triggers.create_trigger(t) != store::WriteResult::ok) throw std::runtime_error("trigger id collision");
  deps_.runner.reload();
  observability::log_info("trigger_created",
                          {{"trigger", t.id}, {"partner", t.partner_id}, {"event_type", t.event_type}});
  return http::accepted(201, render(t, ctx), "/v1/triggers/" + t.id);
}

http::Response TriggerHandlers::remove(http::RequestContext& ctx) {
  auto t = find(ctx);
  if (!t ||
      deps_.triggers.delete_trigger(ctx.principal->id, t->id, deps_.clock.unix_seconds()) != store::WriteResult::ok)
    return http::not_owned(ctx, "trigger");
  deps_.runner.reload();
  deps_.audiences.engine().drop(t->engine_audience_id);
  observability::log_info("trigger_deleted", {{"trigger", t->id}, {"partner", ctx.principal->id}});
  return http::no_content();
}

}  // namespace

void register_trigger_routes(http::Pipeline& partner_plane, TriggersApiDeps deps) {
  using H = TriggerHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(deps),
      {{"POST", "/v1/triggers", &H::create, Scope::triggers_write, CapabilityClass::deliveries, true},
       {"GET", "/v1/triggers/{id}", &H::get, Scope::triggers_read, CapabilityClass::reads},
       {"GET", "/v1/triggers", &H::list, Scope::triggers_read, CapabilityClass::reads},
       {"DELETE", "/v1/triggers/{id}", &H::remove, Scope::triggers_write, CapabilityClass::resource_admin}});
}

}  // namespace octopus::triggers
