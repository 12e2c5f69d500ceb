#include "deliveries/deliveries_api.hpp"

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
#include "policy/frequency_caps.hpp"
#include "quota/counter_store.hpp"
#include "store/resource_id.hpp"

namespace octopus::deliveries {

using nlohmann::json;

namespace {

const std::regex kDeliveryId("^dlv_[0-9a-f]{28}$");
const std::regex kOfferId("^ofr_[0-9a-f]{28}$");
const std::regex kAudienceId("^aud_[0-9a-f]{28}$");
const std::regex kToken("^sub_[A-Za-z0-9_-]{43}$");
constexpr std::size_t kMaxTokens = 1000;
constexpr std::int64_t kPastTolerance = 30;  // seconds of clock skew forgiven on send_at

bool finished(const store::DeliveryRecord& d) {
  return d.status == "completed" || d.status == "cancelled" || d.status == "failed";
}

// The outcome counts a partner may see, or why they are withheld. A token delivery shows
// only how many tokens were accepted (one token's outcome would tell that person's
// consent). An audience delivery shows nothing while it runs (counts that grow batch by
// batch could be subtracted from each other) and, once finished, its counts through the
// release model: noisy, rounded, paid for once, the same figures on every later look.
json outcome_json(const store::DeliveryRecord& d, const http::RequestContext& ctx, privacy::ReleaseModel& release,
                  std::string& withheld) {
  if (d.audience_id.empty()) {
    withheld = "token_delivery";
    return {{"accepted", d.target_count}};
  }
  const auto& rules = ctx.policy->privacy;
  if (d.target_count < rules.minimum_audience_size) withheld = "below_threshold";
  else if (!finished(d)) withheld = "in_progress";
  if (!withheld.empty()) return nullptr;
  const auto shown = release.parts(rules, ctx.principal->privacy_account(), "delivery|" + d.id, d.target_count,
                                   {{"delivered", d.counts.delivered},
                                    {"no_consent", d.counts.no_consent},
                                    {"capped", d.counts.capped},
                                    {"deferred", 0},
                                    {"ineligible", d.counts.ineligible},
                                    {"cancelled", d.counts.cancelled},
                                    {"failed", d.counts.failed}},
                                   1);
  return privacy::figures_or_null(shown, withheld);
}

// Whole percents: a finer fraction of an audience of known rough size would count people.
double progress_of(const store::DeliveryRecord& d) {
  if (d.target_count == 0) return 1.0;
  const auto done = std::min(d.target_count, d.decided + d.counts.cancelled);
  return static_cast<double>(done * 100 / d.target_count) / 100.0;
}

json delivery_json(const store::DeliveryRecord& d, const http::RequestContext& ctx, privacy::ReleaseModel& release) {
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

json issue(std::string pointer, std::string detail) { return {{"pointer", std::move(pointer)}, {"detail", std::move(detail)}}; }

}  // namespace

void register_delivery_routes(http::Pipeline& partner_plane, DeliveriesApiDeps deps) {
  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/deliveries",
       .handler =
           [deps](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             const auto& partner = *ctx.principal;
             const auto now = http::unix_seconds_now();
             // The request's shape first: every problem at once.
             json issues = json::array();
             for (const auto& [key, value] : body->items())
               if (key != "offer_id" && key != "audience_id" && key != "subscriber_tokens" && key != "send_at" &&
                   key != "purpose")
                 issues.push_back(issue("/" + key, "is not a member of a delivery"));
             const auto offer_id = body->value("offer_id", json()).is_string() ? (*body)["offer_id"].get<std::string>() : "";
             if (offer_id.empty()) issues.push_back(issue("/offer_id", "is required: the id of an approved offer"));
             const bool by_audience = body->contains("audience_id"), by_tokens = body->contains("subscriber_tokens");
             if (by_audience == by_tokens)
               issues.push_back(issue("", "give exactly one of audience_id and subscriber_tokens"));
             std::string audience_id;
             if (by_audience) {
               if (!(*body)["audience_id"].is_string()) issues.push_back(issue("/audience_id", "must be a string"));
               else audience_id = (*body)["audience_id"].get<std::string>();
             }
             std::vector<std::string> tokens;
             if (by_tokens) {
               const auto& list = (*body)["subscriber_tokens"];
               if (!list.is_array() || list.empty())
                 issues.push_back(issue("/subscriber_tokens", "must be a non-empty array of subscriber tokens"));
               else if (list.size() > kMaxTokens)
                 issues.push_back(issue("/subscriber_tokens", "at most 1000 tokens per delivery; use an audience for more"));
               else
                 for (std::size_t i = 0; i < list.size(); ++i) {
                   if (!list[i].is_string() || !std::regex_match(list[i].get<std::string>(), kToken))
                     issues.push_back(issue("/subscriber_tokens/" + std::to_string(i), "is not a subscriber token"));
                   else tokens.push_back(list[i].get<std::string>());
                 }
             }
             std::int64_t send_at = now;
             if (body->contains("send_at")) {
               const auto& v = (*body)["send_at"];
               auto parsed = v.is_string() ? http::parse_rfc3339(v.get<std::string>()) : std::nullopt;
               if (!parsed) issues.push_back(issue("/send_at", "must be an RFC 3339 date-time"));
               else if (*parsed < now - kPastTolerance) issues.push_back(issue("/send_at", "is in the past"));
               else send_at = std::max(*parsed, now);
             }
             std::string purpose = "dpv:DirectMarketing";
             if (body->contains("purpose")) {
               if (!(*body)["purpose"].is_string()) issues.push_back(issue("/purpose", "must be a string"));
               else purpose = (*body)["purpose"].get<std::string>();
             }
             if (!issues.empty())
               return http::make_problem(ctx, http::problems::validation_error, "The request breaks the delivery schema; see errors.",
                                         {{"errors", issues}});

             // What it refers to: the partner's own, or nothing.
             auto offer = std::regex_match(offer_id, kOfferId) ? deps.store.get_offer(partner.id, offer_id) : std::nullopt;
             if (!offer) return http::make_problem(ctx, http::problems::not_found, "You have no offer with this id.");
             if (offer->status != "approved")
               return http::make_problem(ctx, http::problems::offer_not_deliverable,
                                         offer->status == "pending_review"
                                             ? "The offer is waiting for a compliance review; it can be delivered once approved."
                                             : "The offer was rejected; see its reasons.",
                                         {{"offer_status", offer->status}});
             if (now > offer->valid_until || send_at > offer->valid_until)
               return http::make_problem(ctx, http::problems::offer_not_deliverable,
                                         "The offer is valid until " + http::rfc3339(offer->valid_until) +
                                             "; the delivery would start after that.",
                                         {{"offer_status", offer->status}});
             if (send_at < offer->valid_from) send_at = offer->valid_from;

             // The policy must let this partner reach anybody this way at all.
             const auto channel = policy::parse_channel(offer->channel);
             const auto context = channel ? decision_context(*ctx.policy, policy::Capability::deliveries, *channel, purpose,
                                                             partner.category, now)
                                          : std::nullopt;
             if (!context)
               return http::make_problem(ctx, http::problems::validation_error, "The purpose is not one the consent policy knows.",
                                         {{"errors", json::array({issue("/purpose", "is not a purpose of the consent policy")})}});
             {
               policy::SubscriberConsent granted;
               granted.granted.set(policy::consent_scope(context->consent.purpose, *channel, context->consent.category));
               const auto d = policy::evaluate_consent(*ctx.policy, context->consent, granted);
               if (!d.allowed)
                 return http::make_problem(ctx, http::problems::policy_denied,
                                           "The consent policy does not let a partner of your category deliver this offer "
                                           "for this purpose on this channel.",
                                           {{"rule", std::string(d.rule)}, {"policy_version", std::string(d.version)}});
             }

             store::DeliveryRecord d;
             d.id = store::new_resource_id("dlv_");
             d.partner_id = partner.id;
             d.offer_id = offer->id;
             d.purpose = purpose;
             d.status = "scheduled";
             d.send_at = send_at;
             d.policy_version = ctx.policy->version;
             d.created_at = d.updated_at = now;
             if (by_audience) {
               auto audience = std::regex_match(audience_id, kAudienceId) ? deps.store.get_audience(partner.id, audience_id)
                                                                          : std::nullopt;
               if (!audience) return http::make_problem(ctx, http::problems::not_found, "You have no audience with this id.");
               if (audience->status != "ready")
                 return http::make_problem(ctx, http::problems::conflict,
                                           "The audience is " + audience->status + "; only a ready audience can be delivered to.");
               d.audience_id = audience->id;
               d.target_count = audience->size;
             } else {
               const auto resolved = deps.store.resolve_subscriber_tokens(partner.id, tokens);
               json unknown = json::array();
               for (std::size_t i = 0; i < resolved.size(); ++i) {
                 if (!resolved[i]) unknown.push_back(issue("/subscriber_tokens/" + std::to_string(i), "is not a token issued to you"));
                 else if (std::find(d.subscribers.begin(), d.subscribers.end(), *resolved[i]) == d.subscribers.end())
                   d.subscribers.push_back(*resolved[i]);  // a token given twice is one subscriber
               }
               if (!unknown.empty())
                 return http::make_problem(ctx, http::problems::validation_error, "Some tokens are not yours; see errors.",
                                           {{"errors", unknown}});
               d.target_count = d.subscribers.size();
             }

             // Messages are paid for up front: the plan's allowance is reserved for every
             // target, and what is not sent is given back when the delivery ends.
             std::optional<quota::Reservation> reservation;
             if (deps.limiter && d.target_count > 0) {
               try {
                 reservation = deps.limiter->reserve(*ctx.policy, partner.id, policy::CapabilityClass::deliveries,
                                                          d.target_count);
                 if (!reservation) {
                   // The day's allowance renews first; a month's may take longer (RateLimit says).
                   const auto periods = policy::counting_periods(*ctx.policy, policy::Seconds(std::chrono::seconds(now)));
                   ctx.response_headers.emplace_back(
                       "Retry-After", std::to_string(std::max<std::int64_t>(
                                          1, periods.next_day_start.time_since_epoch().count() - now)));
                   return http::make_problem(ctx, http::problems::quota_exhausted,
                                             "This delivery needs " + std::to_string(d.target_count) +
                                                 " messages, more than your plan has left in this period.",
                                             {{"violated-policies", {quota::policy_name(policy::CapabilityClass::deliveries)}},
                                              {"plan", ctx.policy->plan_for(partner.id).name}});
                 }
               } catch (const quota::CounterUnavailable&) {
                 return http::make_unavailable(ctx, http::problems::service_unavailable,
                                               "Message allowances cannot be checked right now; retry shortly.",
                                               std::chrono::seconds(5));
               }
             }
             if (deps.store.create_delivery(d) != store::WriteResult::ok) {
               if (reservation) deps.limiter->release(*reservation, reservation->amount);
               throw std::runtime_error("delivery id collision");
             }
             if (reservation) deps.runner.hold(d.id, std::move(*reservation));
             deps.runner.wake();
             observability::log_info("delivery_accepted", {{"delivery", d.id},
                                                           {"partner", d.partner_id},
                                                           {"offer", d.offer_id},
                                                           {"targets", std::to_string(d.target_count)}});
             auto r = http::make_json(202, delivery_json(d, ctx, deps.release));
             r.set_header("Location", "/v1/deliveries/" + d.id);
             return r;
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::deliveries_write,
       .capability_class = vocabulary::CapabilityClass::deliveries});

  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/deliveries/{id}",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto& id = ctx.path_params.at("id");
             auto d = std::regex_match(id, kDeliveryId) ? deps.store.get_delivery(ctx.principal->id, id) : std::nullopt;
             if (!d) return http::make_problem(ctx, http::problems::not_found, "You have no delivery with this id.");
             return http::make_json(200, delivery_json(*d, ctx, deps.release));
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::deliveries_read,
       .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "GET",
       .pattern = "/v1/deliveries",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto request = http::read_page_request(ctx.request.query(), kDeliveryId);
             if (!request)
               return http::make_problem(ctx, http::problems::malformed_request,
                                         "limit must be 1 to 200 and cursor one this API returned.");
             return http::make_json(
                 200, http::page_json(deps.store.list_deliveries(ctx.principal->id, request->after, request->limit),
                                      [&](const store::DeliveryRecord& d) { return delivery_json(d, ctx, deps.release); }));
           },
       .blocking = true,
       .required_scope = vocabulary::Scope::deliveries_read,
       .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/deliveries/{id}/cancel",
       .handler =
           [deps](http::RequestContext& ctx) {
             const auto& id = ctx.path_params.at("id");
             const auto result = std::regex_match(id, kDeliveryId)
                                     ? deps.store.cancel_delivery(ctx.principal->id, id, http::unix_seconds_now())
                                     : store::WriteResult::not_found;
             if (result == store::WriteResult::not_found)
               return http::make_problem(ctx, http::problems::not_found, "You have no delivery with this id.");
             auto d = deps.store.get_delivery(ctx.principal->id, id);
             if (result == store::WriteResult::conflict)
               return http::make_problem(ctx, http::problems::conflict,
                                         "The delivery is already " + d->status + "; only a pending one can be cancelled.");
             deps.runner.wake();
             observability::log_info("delivery_cancelled", {{"delivery", id}, {"partner", ctx.principal->id}});
             return http::make_json(200, delivery_json(*d, ctx, deps.release));
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::deliveries_write,
       .capability_class = vocabulary::CapabilityClass::deliveries});
}

}  // namespace octopus::deliveries
