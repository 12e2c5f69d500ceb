#include "deliveries/deliveries_api.hpp"

#include <nlohmann/json.hpp>

#include "deliveries/consent_gate.hpp"
#include "deliveries/delivery_decider.hpp"
#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "http/resource_steps.hpp"
#include "observability/log.hpp"
#include "policy/consent_evaluator.hpp"
#include "deliveries/delivery_outcomes.hpp"
#include "privacy/release_json.hpp"
#include "policy/frequency_caps.hpp"
#include "quota/counter_store.hpp"
#include "store/resource_id.hpp"

namespace octopus::deliveries {

using nlohmann::json;

namespace {

bool is_delivery_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::delivery, id); }
constexpr std::int64_t kPastTolerance = 30;  // seconds of clock skew forgiven on send_at

bool finished(const deliveries::DeliveryRecord& d) {
  return d.status == "completed" || d.status == "cancelled" || d.status == "failed";
}

// The outcome counts a partner may see, or why they are withheld. A token delivery shows
// only how many tokens were accepted (one token's outcome would tell that person's
// consent). An audience delivery shows nothing while it runs (counts that grow batch by
// batch could be subtracted from each other) and, once finished, its counts through the
// release model: noisy, rounded, paid for once, the same figures on every later look.
json outcome_json(const deliveries::DeliveryRecord& d, const http::RequestContext& ctx, privacy::ReleaseModel& release,
                  std::string& withheld) {
  if (d.audience_id.empty()) {
    withheld = "token_delivery";
    return {{"accepted", d.target_count}};
  }
  const auto& rules = ctx.policy->privacy;
  if (d.target_count < rules.minimum_audience_size)
    withheld = "below_threshold";
  else if (!finished(d))
    withheld = "in_progress";
  if (!withheld.empty()) return nullptr;
  const auto shown = released_outcomes(d, rules, ctx.principal->privacy_account(), release);
  return privacy::figures_or_null(shown, withheld);
}

// Whole percents: a finer fraction of an audience of known rough size would count people.
double progress_of(const deliveries::DeliveryRecord& d) {
  if (d.target_count == 0) return 1.0;
  const auto done = std::min(d.target_count, d.decided + d.counts.cancelled);
  return static_cast<double>(done * 100 / d.target_count) / 100.0;
}

json delivery_json(const deliveries::DeliveryRecord& d, const http::RequestContext& ctx,
                   privacy::ReleaseModel& release) {
  std::string withheld;
  json outcomes = outcome_json(d, ctx, release, withheld);
  json out = {{"id", d.id},
              {"offer_id", d.offer_id},
              {"audience_id", d.audience_id.empty() ? json(nullptr) : json(d.audience_id)},
              {"status", d.status},
              {"send_at", http::rfc3339(d.send_at)},
              {"resume_at", d.resume_at ? json(http::rfc3339(d.resume_at)) : json(nullptr)},
              {"progress", progress_of(d)},
              {"outcomes", std::move(outcomes)},
              {"outcomes_withheld", withheld.empty() ? json(nullptr) : json(withheld)},
              {"policy_version", d.policy_version},
              {"created_at", http::rfc3339(d.created_at)},
              {"finished_at", d.finished_at ? json(http::rfc3339(d.finished_at)) : json(nullptr)}};
  if (!d.error.empty()) out["error"] = d.error;
  return out;
}

json issue(std::string pointer, std::string detail) {
  return {{"pointer", std::move(pointer)}, {"detail", std::move(detail)}};
}

// A delivery request whose shape is right (what it refers to is checked next).
struct DeliveryRequest {
  std::string offer_id;
  bool by_audience = false;
  std::string audience_id;
  std::vector<std::string> tokens;
  std::int64_t send_at = 0;
  std::string purpose = "dpv:DirectMarketing";
};

// The body has passed partner.yaml's DeliveryCreate (members, types, the token form, at
// most 1000 tokens); what is left is what a schema cannot say, every problem at once.
http::Step<DeliveryRequest> parse_delivery_request(http::RequestContext& ctx, const json& body, std::int64_t now) {
  json issues = json::array();
  DeliveryRequest r;
  r.offer_id = body["offer_id"];
  if (r.offer_id.empty()) issues.push_back(issue("/offer_id", "is required: the id of an approved offer"));
  r.by_audience = body.contains("audience_id");
  if (r.by_audience == body.contains("subscriber_tokens"))
    issues.push_back(issue("", "give exactly one of audience_id and subscriber_tokens"));
  if (r.by_audience) r.audience_id = body["audience_id"];
  if (body.contains("subscriber_tokens")) r.tokens = body["subscriber_tokens"].get<std::vector<std::string>>();
  r.send_at = now;
  if (body.contains("send_at")) {
    const auto parsed = http::parse_rfc3339(body["send_at"].get<std::string>());
    if (!parsed)
      issues.push_back(issue("/send_at", "must be an RFC 3339 date-time"));
    else if (*parsed < now - kPastTolerance)
      issues.push_back(issue("/send_at", "is in the past"));
    else
      r.send_at = std::max(*parsed, now);
  }
  r.purpose = body.value("purpose", r.purpose);
  if (!issues.empty())
    return http::make_problem(ctx, http::problems::validation_error,
                              "The request breaks the delivery schema; see errors.", {{"errors", issues}});
  return r;
}

// The partner plane's delivery operations: one object shared by the routes.
class DeliveryHandlers {
 public:
  explicit DeliveryHandlers(DeliveriesApiDeps deps) : deps_(deps) {}

  http::Response create(http::RequestContext& ctx);
  http::Response get(http::RequestContext& ctx);
  http::Response list(http::RequestContext& ctx);
  http::Response cancel(http::RequestContext& ctx);

 private:
  http::Step<offers::OfferRecord> deliverable_offer(http::RequestContext& ctx, DeliveryRequest& r, std::int64_t now);
  std::optional<http::Response> add_targets(http::RequestContext& ctx, const DeliveryRequest& r,
                                            deliveries::DeliveryRecord& d);
  http::Step<std::optional<quota::Reservation>> reserve_messages(http::RequestContext& ctx,
                                                                 const deliveries::DeliveryRecord& d, std::int64_t now);
  json render(const deliveries::DeliveryRecord& d, const http::RequestContext& ctx) {
    return delivery_json(d, ctx, deps_.release);
  }

  DeliveriesApiDeps deps_;
};

// What the delivery refers to: the partner's own approved offer, valid when it would run.
http::Step<offers::OfferRecord> DeliveryHandlers::deliverable_offer(http::RequestContext& ctx, DeliveryRequest& r,
                                                                    std::int64_t now) {
  auto offer = store::is_resource_id(store::ResourceKind::offer, r.offer_id)
                   ? deps_.offers.get_offer(ctx.principal->id, r.offer_id)
                   : std::nullopt;
  if (!offer) return http::not_owned(ctx, "offer");
  if (offer->status != "approved")
    return http::make_problem(ctx, http::problems::offer_not_deliverable,
                              offer->status == "pending_review"
                                  ? "The offer is waiting for a compliance review; it can be delivered once approved."
                                  : "The offer was rejected; see its reasons.",
                              {{"offer_status", offer->status}});
  if (now > offer->valid_until || r.send_at > offer->valid_until)
    return http::make_problem(
        ctx, http::problems::offer_not_deliverable,
        "The offer is valid until " + http::rfc3339(offer->valid_until) + "; the delivery would start after that.",
        {{"offer_status", offer->status}});
  if (r.send_at < offer->valid_from) r.send_at = offer->valid_from;
  return std::move(*offer);
}

// Who it goes to: a ready audience of the partner's, or the subscribers of its tokens.
std::optional<http::Response> DeliveryHandlers::add_targets(http::RequestContext& ctx, const DeliveryRequest& r,
                                                            deliveries::DeliveryRecord& d) {
  const auto& partner = ctx.principal->id;
  if (r.by_audience) {
    auto audience = store::is_resource_id(store::ResourceKind::audience, r.audience_id)
                        ? deps_.audiences.get_audience(partner, r.audience_id)
                        : std::nullopt;
    if (!audience) return http::not_owned(ctx, "audience");
    if (audience->status != "ready")
      return http::make_problem(ctx, http::problems::conflict,
                                "The audience is " + audience->status + "; only a ready audience can be delivered to.");
    d.audience_id = audience->id;
    d.target_count = audience->size;
    return std::nullopt;
  }
  const auto resolved = deps_.subscriber_tokens.resolve_subscriber_tokens(partner, r.tokens);
  json unknown = json::array();
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (!resolved[i])
      unknown.push_back(issue("/subscriber_tokens/" + std::to_string(i), "is not a token issued to you"));
    else if (std::find(d.subscribers.begin(), d.subscribers.end(), *resolved[i]) == d.subscribers.end())
      d.subscribers.push_back(*resolved[i]);  // a token given twice is one subscriber
  }
  if (!unknown.empty())
    return http::make_problem(ctx, http::problems::validation_error, "Some tokens are not yours; see errors.",
                              {{"errors", unknown}});
  d.target_count = d.subscribers.size();
  return std::nullopt;
}

// Messages are paid for up front: the plan's allowance is reserved for every target, and
// what is not sent is given back when the delivery ends.
http::Step<std::optional<quota::Reservation>> DeliveryHandlers::reserve_messages(http::RequestContext& ctx,
                                                                                 const deliveries::DeliveryRecord& d,
                                                                                 std::int64_t now) {
  if (!deps_.limiter || d.target_count == 0) return std::optional<quota::Reservation>();
  try {
    auto reservation =
        deps_.limiter->reserve(*ctx.policy, d.partner_id, policy::CapabilityClass::deliveries, d.target_count);
    if (reservation) return std::optional<quota::Reservation>(std::move(*reservation));
  } catch (const quota::CounterUnavailable&) {
    return http::make_unavailable(ctx, http::problems::service_unavailable,
                                  "Message allowances cannot be checked right now; retry shortly.",
                                  std::chrono::seconds(5));
  }
  // The day's allowance renews first; a month's may take longer (RateLimit says).
  const auto periods = policy::counting_periods(*ctx.policy, policy::Seconds(std::chrono::seconds(now)));
  ctx.response_headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(
                                                       1, periods.next_day_start.time_since_epoch().count() - now)));
  return http::make_problem(ctx, http::problems::quota_exhausted,
                            "This delivery needs " + std::to_string(d.target_count) +
                                " messages, more than your plan has left in this period.",
                            {{"violated-policies", {quota::policy_name(policy::CapabilityClass::deliveries)}},
                             {"plan", ctx.policy->plan_for(d.partner_id).name}});
}

http::Response DeliveryHandlers::create(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  const auto now = deps_.clock.unix_seconds();
  auto request = parse_delivery_request(ctx, *body, now);
  if (!request) return request.answer();
  auto offer = deliverable_offer(ctx, *request, now);
  if (!offer) return offer.answer();
  if (auto refused = consent_gate(ctx, policy::Capability::deliveries, offer->channel, request->purpose, now,
                                  "The consent policy does not let a partner of your category deliver this offer "
                                  "for this purpose on this channel."))
    return std::move(*refused);

  deliveries::DeliveryRecord d;
  d.id = store::new_resource_id(store::ResourceKind::delivery);
  d.partner_id = ctx.principal->id;
  d.offer_id = offer->id;
  d.purpose = request->purpose;
  d.status = "scheduled";
  d.send_at = request->send_at;
  d.policy_version = ctx.policy->version;
  d.created_at = d.updated_at = now;
  if (auto refused = add_targets(ctx, *request, d)) return std::move(*refused);
  auto reservation = reserve_messages(ctx, d, now);
  if (!reservation) return reservation.answer();

  if (deps_.deliveries.create_delivery(d) != store::WriteResult::ok) {
    if (*reservation) deps_.limiter->release(**reservation, (*reservation)->amount);
    throw std::runtime_error("delivery id collision");
  }
  if (*reservation) deps_.runner.hold(d.id, std::move(**reservation));
  deps_.runner.wake();
  observability::log_info(
      "delivery_accepted",
      {{"delivery", d.id}, {"partner", d.partner_id}, {"offer", d.offer_id}, {"targets", d.target_count}});
  return http::accepted(202, render(d, ctx), "/v1/deliveries/" + d.id);
}

http::Response DeliveryHandlers::get(http::RequestContext& ctx) {
  auto d = http::owned(ctx, "delivery", is_delivery_id,
                       [&](const std::string& id) { return deps_.deliveries.get_delivery(ctx.principal->id, id); });
  if (!d) return d.answer();
  return http::make_json(200, render(*d, ctx));
}

http::Response DeliveryHandlers::list(http::RequestContext& ctx) {
  auto request = http::page_request(ctx, is_delivery_id);
  if (!request) return request.answer();
  const auto page = deps_.deliveries.list_deliveries(ctx.principal->id, request->after, request->limit);
  return http::make_json(200,
                         http::page_json(page, [&](const deliveries::DeliveryRecord& d) { return render(d, ctx); }));
}

http::Response DeliveryHandlers::cancel(http::RequestContext& ctx) {
  const auto& id = ctx.path_params.at("id");
  const auto result = is_delivery_id(id)
                          ? deps_.deliveries.cancel_delivery(ctx.principal->id, id, deps_.clock.unix_seconds())
                          : store::WriteResult::not_found;
  if (result == store::WriteResult::not_found) return http::not_owned(ctx, "delivery");
  auto d = deps_.deliveries.get_delivery(ctx.principal->id, id);
  if (result == store::WriteResult::conflict)
    return http::make_problem(ctx, http::problems::conflict,
                              "The delivery is already " + d->status + "; only a pending one can be cancelled.");
  deps_.runner.wake();
  observability::log_info("delivery_cancelled", {{"delivery", id}, {"partner", ctx.principal->id}});
  return http::make_json(200, render(*d, ctx));
}

}  // namespace

void register_delivery_routes(http::Pipeline& partner_plane, DeliveriesApiDeps deps) {
  using H = DeliveryHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(deps),
      {{"POST", "/v1/deliveries", &H::create, Scope::deliveries_write, CapabilityClass::deliveries, true},
       {"GET", "/v1/deliveries/{id}", &H::get, Scope::deliveries_read, CapabilityClass::reads},
       {"GET", "/v1/deliveries", &H::list, Scope::deliveries_read, CapabilityClass::reads},
       {"POST", "/v1/deliveries/{id}/cancel", &H::cancel, Scope::deliveries_write, CapabilityClass::deliveries, true}});
}

}  // namespace octopus::deliveries
