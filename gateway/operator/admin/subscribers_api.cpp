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

// What the schema cannot say of a consent change: its purpose and partner category must be
// ones the consent policy defines. Reads defensively: the body may break its schema.
std::vector<openapi::FieldError> consent_change_rules(const json& body, const policy::PolicySnapshot& policy) {
  std::vector<openapi::FieldError> out;
  const auto list = body.find("changes");
  if (list == body.end() || !list->is_array()) return out;
  auto check = [&](const json& change, const std::string& at, const char* member, const std::vector<std::string>& names,
                   const char* what) {
    const auto it = change.find(member);
    if (it != change.end() && it->is_string() && !known(names, it->get<std::string>()))
      out.push_back({at + "/" + member, what});
  };
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& change = (*list)[i];
    if (!change.is_object()) continue;
    const std::string at = "/changes/" + std::to_string(i);
    check(change, at, "purpose", policy.consent.purposes, "is not a purpose of the consent policy");
    check(change, at, "partner_category", policy.consent.categories, "is not a partner category of the consent policy");
  }
  return out;
}

// What an agent asked to change, and why (the body has passed its schema and rules).
struct ConsentRequest {
  std::vector<deliveries::ConsentChange> changes;
  std::string note;
};

ConsentRequest read_consent_request(const json& body) {
  ConsentRequest r;
  r.note = body["note"];
  for (const auto& c : body["changes"]) {
    deliveries::ConsentChange change;
    change.purpose = c["purpose"];
    change.channel = c["channel"];
    change.partner_category = c["partner_category"];
    change.state = c["state"];
    r.changes.push_back(std::move(change));
  }
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
  std::vector<openapi::FieldError> consent_rules(http::RequestContext&, const json& body) const {
    return consent_change_rules(body, *deps_.policies.current());
  }
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
  auto request = read_consent_request(*body);
  auto recorded = ask_engine(ctx, deps_.engine.consents(*subscriber), deps_.engine_timeout);
  if (!recorded) return recorded.answer();
  json summary = json::array();
  for (auto& c : request.changes) {
    c.subscriber = *subscriber;
    c.actor = ctx.principal ? ctx.principal->id : "admin";
    c.reason = request.note;
    c.at = deps_.clock.unix_seconds();
    summary.push_back(
        {{"purpose", c.purpose}, {"channel", c.channel}, {"partner_category", c.partner_category}, {"state", c.state}});
    deps_.consents.record(c);
  }
  record_admin_action(deps_.audit, deps_.clock, ctx, "consent.change", std::to_string(*subscriber), policy->version,
                      {{"changes", summary}, {"note", request.note}});
  return http::make_json(200, consents_json(*subscriber, *recorded, deps_.consents.overlay().changes_of(*subscriber)));
}

http::Response SubscriberHandlers::issue_token(http::RequestContext& ctx) {
  const auto& partner_id = ctx.path_params.at("id");
  if (!deps_.partners.get_partner(partner_id))
    return http::make_problem(ctx, http::problems::not_found, "No partner with this id.");
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  // The schema has checked it is a string of digits; it must also fit a subscriber id.
  const auto subscriber = parse_subscriber((*body)["subscriber"].get<std::string>());
  if (!subscriber)
    return http::make_problem(
        ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
        {{"errors",
          json::array({{{"pointer", "/subscriber"}, {"detail", "is not a subscriber id the engine can hold"}}})}});
  auto recorded = ask_engine(ctx, deps_.engine.consents(*subscriber), deps_.engine_timeout);
  if (!recorded) return recorded.answer();
  const auto token = deps_.tokenizer.token(partner_id, *subscriber);
  deps_.subscriber_tokens.remember_subscriber_token(partner_id, token, *subscriber, deps_.clock.unix_seconds());
  record_admin_action(deps_.audit, deps_.clock, ctx, "subscriber_token.issue", partner_id,
                      deps_.policies.current()->version, {{"subscriber", std::to_string(*subscriber)}});
  return http::make_json(201, {{"partner_id", partner_id}, {"token", token}});
}

}  // namespace

void register_subscriber_routes(http::Pipeline& admin_plane, SubscribersApiDeps deps) {
  using H = SubscriberHandlers;
  http::add_admin_routes<H>(admin_plane, std::make_shared<H>(deps),
                            {{"GET",
                              "/admin/v1/subscribers/{id}/consents",
                              &H::consents,
                              {vocabulary::Role::compliance, vocabulary::Role::support}},
                             {"POST",
                              "/admin/v1/subscribers/{id}/consents",
                              &H::change_consents,
                              {vocabulary::Role::compliance, vocabulary::Role::support},
                              &H::consent_rules},
                             {"POST",
                              "/admin/v1/partners/{id}/subscriber-tokens",
                              &H::issue_token,
                              {vocabulary::Role::compliance, vocabulary::Role::support}}});
}

}  // namespace octopus::admin
