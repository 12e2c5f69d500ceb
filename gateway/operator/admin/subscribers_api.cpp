#include "admin/subscribers_api.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "admin/admin_audit.hpp"
#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/resource_steps.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

std::optional<std::uint64_t> parse_subscriber(const std::string& text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v == 0) return std::nullopt;
  return v;
}

// The engine's record with the gateway's changes over it, scope by scope.
json consents_json(std::uint64_t subscriber, const std::vector<engine::ConsentRecord>& recorded,
                   const std::vector<deliveries::ConsentChange>& changes) {
  json scopes = json::array();
  for (const auto& r : recorded) {
    const bool overridden = std::any_of(changes.begin(), changes.end(), [&](const auto& c) {
      return c.purpose == r.purpose && c.channel == r.channel && c.partner_category == r.partner_category;
    });
    if (!overridden)
      scopes.push_back({{"purpose", r.purpose},
                        {"channel", r.channel},
                        {"partner_category", r.partner_category},
                        {"state", std::string(engine::to_string(r.state))},
                        {"source", "engine"},
                        {"changed_at", nullptr},
                        {"actor", nullptr},
                        {"reason", nullptr}});
  }
  for (const auto& c : changes)
    scopes.push_back({{"purpose", c.purpose},
                      {"channel", c.channel},
                      {"partner_category", c.partner_category},
                      {"state", c.state},
                      {"source", "gateway"},
                      {"changed_at", http::rfc3339(c.at)},
                      {"actor", c.actor},
                      {"reason", c.reason}});
  std::sort(scopes.begin(), scopes.end(), [](const json& a, const json& b) {
    return std::tie(a["purpose"], a["channel"], a["partner_category"]) <
           std::tie(b["purpose"], b["channel"], b["partner_category"]);
  });
  return {{"subscriber", std::to_string(subscriber)}, {"scopes", std::move(scopes)}};
}

// Runs an engine call, or answers the problem a failed one deserves.
template <typename T>
http::Step<T> ask_engine(http::RequestContext& ctx, std::future<T> f, std::chrono::milliseconds timeout) {
  try {
    return engine::await(std::move(f), timeout, std::chrono::seconds(1));
  } catch (const engine::EngineUnavailable& e) {
    return http::make_unavailable(ctx, http::problems::engine_unavailable, "The engine is not answering.",
                                  e.retry_after());
  } catch (const engine::SubscriberNotFound&) {
    return http::make_problem(ctx, http::problems::not_found, "The engine has no such subscriber.");
  }
}

bool known(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// One change of the list, with what is wrong with it added to `issues`.
deliveries::ConsentChange read_change(const json& c, const std::string& at, const policy::PolicySnapshot& policy,
                                      json& issues) {
  auto field = [&](const char* name) {
    return c.is_object() && c.contains(name) && c[name].is_string() ? c[name].get<std::string>() : std::string();
  };
  deliveries::ConsentChange change;
  change.purpose = field("purpose");
  change.channel = field("channel");
  change.partner_category = field("partner_category");
  change.state = field("state");
  if (!known(policy.consent.purposes, change.purpose))
    issues.push_back({{"pointer", at + "/purpose"}, {"detail", "is not a purpose of the consent policy"}});
  if (!policy::parse_channel(change.channel))
    issues.push_back({{"pointer", at + "/channel"}, {"detail", "must be sms, push or outbound_call"}});
  if (!known(policy.consent.categories, change.partner_category))
    issues.push_back(
        {{"pointer", at + "/partner_category"}, {"detail", "is not a partner category of the consent policy"}});
  if (change.state != "granted" && change.state != "withdrawn")
    issues.push_back({{"pointer", at + "/state"}, {"detail", "must be granted or withdrawn"}});
  return change;
}

// What an agent asked to change, and why.
struct ConsentRequest {
  std::vector<deliveries::ConsentChange> changes;
  std::string note;
};

http::Step<ConsentRequest> parse_consent_request(http::RequestContext& ctx, const json& body,
                                                 const policy::PolicySnapshot& policy) {
  json issues = json::array();
  for (const auto& [key, value] : body.items())
    if (key != "changes" && key != "note") issues.push_back({{"pointer", "/" + key}, {"detail", "is not a member"}});
  ConsentRequest r;
  r.note = body.value("note", json()).is_string() ? body["note"].get<std::string>() : "";
  if (r.note.empty() || r.note.size() > 2000)
    issues.push_back({{"pointer", "/note"}, {"detail", "say why, in at most 2000 bytes (e.g. the call's reference)"}});
  const auto& list = body.value("changes", json());
  if (!list.is_array() || list.empty() || list.size() > 100)
    issues.push_back({{"pointer", "/changes"}, {"detail", "must list 1 to 100 changes"}});
  else
    for (std::size_t i = 0; i < list.size(); ++i)
      r.changes.push_back(read_change(list[i], "/changes/" + std::to_string(i), policy, issues));
  if (!issues.empty())
    return http::make_problem(ctx, http::problems::validation_error, "The change breaks its schema; see errors.",
                              {{"errors", issues}});
  return r;
}

// One subscriber's consent and partner tokens, as support and compliance see them.
class SubscriberHandlers {
 public:
  explicit SubscriberHandlers(SubscribersApiDeps deps) : deps_(deps) {}

  http::Response consents(http::RequestContext& ctx) {
    const auto subscriber = parse_subscriber(ctx.path_params.at("id"));
    if (!subscriber) return http::make_problem(ctx, http::problems::not_found, "No such subscriber.");
    auto recorded = ask_engine(ctx, deps_.engine.consents(*subscriber), deps_.engine_timeout);
    if (!recorded) return recorded.answer();
    return http::make_json(200,
                           consents_json(*subscriber, *recorded, deps_.consents.overlay().changes_of(*subscriber)));
  }
  http::Response change_consents(http::RequestContext& ctx);
  http::Response issue_token(http::RequestContext& ctx);

 private:
  SubscribersApiDeps deps_;
};

http::Response SubscriberHandlers::change_consents(http::RequestContext& ctx) {
  const auto subscriber = parse_subscriber(ctx.path_params.at("id"));
  if (!subscriber) return http::make_problem(ctx, http::problems::not_found, "No such subscriber.");
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  const auto policy = deps_.policies.current();
  auto request = parse_consent_request(ctx, *body, *policy);
  if (!request) return request.answer();
  auto recorded = ask_engine(ctx, deps_.engine.consents(*subscriber), deps_.engine_timeout);
  if (!recorded) return recorded.answer();
  json summary = json::array();
  for (auto& c : request->changes) {
    c.subscriber = *subscriber;
    c.actor = ctx.principal ? ctx.principal->id : "admin";
    c.reason = request->note;
    c.at = deps_.clock.unix_seconds();
    summary.push_back(
        {{"purpose", c.purpose}, {"channel", c.channel}, {"partner_category", c.partner_category}, {"state", c.state}});
    deps_.consents.record(c);
  }
  record_admin_action(deps_.audit, ctx, "consent.change", std::to_string(*subscriber), policy->version,
                      {{"changes", summary}, {"note", request->note}});
  return http::make_json(200, consents_json(*subscriber, *recorded, deps_.consents.overlay().changes_of(*subscriber)));
}

http::Response SubscriberHandlers::issue_token(http::RequestContext& ctx) {
  const auto& partner_id = ctx.path_params.at("id");
  if (!deps_.partners.get_partner(partner_id))
    return http::make_problem(ctx, http::problems::not_found, "No partner with this id.");
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  const auto& s = body->value("subscriber", json());
  const auto subscriber = s.is_string() ? parse_subscriber(s.get<std::string>()) : std::nullopt;
  if (!subscriber || body->size() != 1)
    return http::make_problem(
        ctx, http::problems::validation_error, "Give {\"subscriber\": \"<id>\"} only.",
        {{"errors", json::array({{{"pointer", "/subscriber"},
                                  {"detail", "must be the subscriber's id, as a string of digits"}}})}});
  auto recorded = ask_engine(ctx, deps_.engine.consents(*subscriber), deps_.engine_timeout);
  if (!recorded) return recorded.answer();
  const auto token = deps_.tokenizer.token(partner_id, *subscriber);
  deps_.subscriber_tokens.remember_subscriber_token(partner_id, token, *subscriber, deps_.clock.unix_seconds());
  record_admin_action(deps_.audit, ctx, "subscriber_token.issue", partner_id, deps_.policies.current()->version,
                      {{"subscriber", std::to_string(*subscriber)}});
  return http::make_json(201, {{"partner_id", partner_id}, {"token", token}});
}

}  // namespace

void register_subscriber_routes(http::Pipeline& admin_plane, SubscribersApiDeps deps) {
  using H = SubscriberHandlers;
  http::add_admin_routes<H>(admin_plane, std::make_shared<H>(deps),
                            {{"GET", "/admin/v1/subscribers/{id}/consents", &H::consents},
                             {"POST", "/admin/v1/subscribers/{id}/consents", &H::change_consents},
                             {"POST", "/admin/v1/partners/{id}/subscriber-tokens", &H::issue_token}});
}

}  // namespace octopus::admin
