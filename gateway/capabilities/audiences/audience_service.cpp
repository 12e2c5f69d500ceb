#include "audiences/audience_service.hpp"

#include <algorithm>
#include <cmath>

#include "http/problem.hpp"
#include "policy/privacy_evaluator.hpp"
#include "privacy/canonical_segment.hpp"

namespace octopus::audiences {

using nlohmann::json;

namespace {

constexpr std::string_view kDefaultPurpose = "dpv:DirectMarketing";

engine::SegmentNode both(const engine::SegmentNode& keep, const engine::SegmentNode& without) {
  engine::SegmentNode negated;
  negated.kind = engine::SegmentNode::Kind::negate;
  negated.children.push_back(without);
  engine::SegmentNode n;
  n.kind = engine::SegmentNode::Kind::all;
  n.children = {keep, std::move(negated)};
  return n;
}

}  // namespace

AudienceService::AudienceService(engine::Engine& engine, std::chrono::milliseconds engine_timeout,
                                 privacy::ReleaseModel& release, const Clock& clock,
                                 std::unique_ptr<QueryHistory> history)
    : engine_(engine),
      timeout_(engine_timeout),
      release_(release),
      clock_(clock),
      history_(history ? std::move(history) : std::make_unique<MemoryQueryHistory>()) {}

template <typename T>
T AudienceService::wait(std::future<T> f) {
  return engine::await(std::move(f), timeout_);
}

const engine::Vocabulary& AudienceService::vocabulary() {
  std::lock_guard lock(vocabulary_mutex_);
  if (!vocabulary_) vocabulary_ = wait(engine_.vocabulary());
  return *vocabulary_;
}

json AudienceService::targeting_attributes(const policy::PolicySnapshot& policy, const Caller& caller) {
  const auto& vocab = vocabulary();
  const auto tier = policy.tier_id(caller.tier);
  json attributes = json::array();
  json tags = json::array();
  if (tier) {
    for (const auto& a : vocab.attributes) {
      if (!policy::check_attribute(policy, *tier, a.name).allowed) continue;
      json entry = {{"name", a.name}, {"values", a.values}, {"ordered", a.ordered}};
      if (!a.description.empty()) entry["description"] = a.description;
      if (a.ordered) {
        json bands = json::array();
        for (std::size_t i = 0; i < a.values.size() && i < a.lower_bounds.size(); ++i) {
          json band = {{"value", a.values[i]}, {"min", a.lower_bounds[i]}};
          if (std::isfinite(a.upper_bounds[i])) band["max"] = a.upper_bounds[i] - 1;
          bands.push_back(band);
        }
        entry["bands"] = bands;
      }
      attributes.push_back(entry);
    }
    if (policy::check_attribute(policy, *tier, kTagAttribute).allowed) tags = vocab.tags;
  }
  return {{"attributes", attributes},
          {"tags", tags},
          {"minimum_audience_size", policy.privacy.minimum_audience_size},
          {"policy_version", policy.version}};
}

// False (with the issues in `e`) when the segment is malformed or not allowed.
bool segment_usable(ParsedSegment& parsed, Estimate& e) {
  if (!parsed.malformed.empty()) {
    e.outcome = Estimate::Outcome::malformed;
    e.issues = std::move(parsed.malformed);
    return false;
  }
  if (!parsed.refused.empty()) {
    e.outcome = Estimate::Outcome::refused;
    e.issues = std::move(parsed.refused);
    return false;
  }
  return true;
}

std::optional<AudienceService::Prepared> AudienceService::prepare(const policy::PolicySnapshot& policy,
                                                                  const Caller& caller, const json& body, Estimate& e) {
  auto malformed = [&](std::string pointer, std::string detail) {
    e.outcome = Estimate::Outcome::malformed;
    e.issues.push_back({std::move(pointer), std::move(detail), ""});
    return std::nullopt;
  };
  auto refused = [&](std::string pointer, std::string detail, std::string_view rule) {
    e.outcome = Estimate::Outcome::refused;
    e.issues.push_back({std::move(pointer), std::move(detail), std::string(rule)});
    return std::nullopt;
  };
  for (const auto& [name, _] : body.items())
    if (name != "segment" && name != "purpose") return malformed("/" + name, "is not a member of this request");
  if (!body.contains("segment")) return malformed("/segment", "is required");

  // The purpose the partner states decides whose consent counts.
  std::string purpose(kDefaultPurpose);
  if (body.contains("purpose")) {
    if (!body["purpose"].is_string()) return malformed("/purpose", "must be a string, e.g. \"dpv:DirectMarketing\"");
    purpose = body["purpose"].get<std::string>();
  }
  const auto purpose_id = policy.purpose_id(purpose);
  if (!purpose_id) return malformed("/purpose", http::quote_input(purpose) + " is not a purpose of the consent policy");
  const auto& audiences = policy.consent.capabilities[static_cast<std::size_t>(policy::Capability::audiences)];
  if (!audiences.allows(*purpose_id))
    return refused("/purpose", "audiences may not be built for " + http::quote_input(purpose), audiences.purposes_rule);
  const auto category_id = policy.category_id(caller.category);
  if (!category_id)
    return refused("",
                   "your partner category '" + caller.category + "' is not in the consent policy; contact the operator",
                   policy.consent.default_rule);
  const auto& category = policy.consent.category_allowances[*category_id];
  if (!category.allows(*purpose_id))
    return refused("/purpose", caller.category + " partners may not use " + http::quote_input(purpose),
                   category.purposes_rule);
  const auto tier = policy.tier_id(caller.tier);
  if (!tier)
    return refused("/segment", "your tier '" + caller.tier + "' is not in the privacy policy; contact the operator",
                   policy.privacy.segment_ok_rule);

  auto parsed = parse_segment(body["segment"], "/segment", vocabulary(), policy, *tier);
  if (!segment_usable(parsed, e)) return std::nullopt;
  Prepared p;
  p.query.segment = std::move(*parsed.segment);
  p.query.consent.purpose = purpose;
  p.query.consent.partner_category = caller.category;
  for (auto ch : policy::kChannels)
    if (((policy.consent.offered_channels >> static_cast<unsigned>(ch)) & 1u) && audiences.allows(ch) &&
        category.allows(ch))
      p.query.consent.channels.emplace_back(policy::to_string(ch));
  return p;
}

AudienceService::Difference AudienceService::compare_with_history(const policy::PrivacyPolicy& rules,
                                                                  const Caller& caller, const Prepared& p,
                                                                  const std::string& canonical, std::int64_t now) {
  Difference verdict = Difference::safe;
  for (const auto& earlier :
       history_->recent(caller.account(), now, rules.differencing_window_seconds, rules.differencing_remembered)) {
    if (earlier.purpose != p.query.consent.purpose) continue;
    // The same question asked again (in any order of its terms) is answered from the
    // release model's books: nothing new to subtract, and nothing new to remember.
    if (privacy::canonical_text(earlier.segment) == canonical) {
      verdict = Difference::already_remembered;
      continue;
    }
    engine::CountQuery diff = p.query;
    diff.segment = both(p.query.segment, earlier.segment);
    std::uint64_t d = count(diff);
    if (d >= rules.minimum_audience_size) continue;
    diff.segment = both(earlier.segment, p.query.segment);
    d += count(diff);
    // Zero counts as small: were "no difference" answered and "a few" withheld, the answer
    // itself would say whether a small group is empty.
    if (d < rules.minimum_audience_size) return Difference::reveals;
  }
  return verdict;
}

Estimate AudienceService::publish(const policy::PolicySnapshot& policy, const Caller& caller, const Prepared& p,
                                  std::uint64_t raw) {
  Estimate e;
  const auto& rules = policy.privacy;
  auto withhold = [&](std::string reason) {
    e.suppressed = true;
    e.count.reset();
    e.reason = std::move(reason);
    return e;
  };
  if (raw < rules.minimum_audience_size || p.query.consent.channels.empty()) return withhold("below_threshold");

  // Differencing: compare with the counts this account was recently shown under the same
  // purpose. Only shown counts matter: one that was withheld cannot be subtracted from. The
  // account's lock keeps the check and the remembering together: two queries of one account in
  // flight at once would otherwise each pass the check before the other was remembered.
  std::lock_guard account_lock(account_locks_[std::hash<std::string>{}(caller.account()) % account_locks_.size()]);
  const std::int64_t now = clock_.unix_seconds();
  const std::string canonical = privacy::canonical_text(p.query.segment);
  const auto difference = compare_with_history(rules, caller, p, canonical, now);
  if (difference == Difference::reveals) return withhold("differencing");

  std::string question = p.query.consent.purpose + "|" + p.query.consent.partner_category + "|";
  for (const auto& channel : p.query.consent.channels) question += channel + ",";
  question += "|" + canonical;
  const auto released = release_.count(rules, caller.account(), question, raw);
  if (released.withheld) return withhold(released.reason);
  e.count = released.value("count");
  // A count the history could not record is not shown: a later query could be subtracted
  // from it unchecked. remember() throws HistoryUnavailable for that. A question remembered
  // already is not pushed again: free repeats must not push older questions out of the
  // history (which keeps only the newest `remembered_queries`).
  if (difference != Difference::already_remembered)
    history_->remember(caller.account(), {p.query.segment, p.query.consent.purpose, now},
                       rules.differencing_window_seconds, rules.differencing_remembered);
  return e;
}

Estimate AudienceService::estimate(const policy::PolicySnapshot& policy, const Caller& caller, const json& body) {
  Estimate e;
  try {
    auto prepared = prepare(policy, caller, body, e);
    if (!prepared) return e;
    const std::uint64_t raw = prepared->query.consent.channels.empty() ? 0 : count(prepared->query);
    return publish(policy, caller, *prepared, raw);
  } catch (const engine::EngineUnavailable& unavailable) {
    e = {};
    e.outcome = Estimate::Outcome::engine_unavailable;
    e.retry_after = unavailable.retry_after();
    return e;
  } catch (const HistoryUnavailable&) {
    e = {};
    e.outcome = Estimate::Outcome::history_unavailable;
    e.retry_after = std::chrono::seconds(1);
    return e;
  }
}

}  // namespace octopus::audiences
