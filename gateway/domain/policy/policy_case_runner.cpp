#include "policy/policy_case_runner.hpp"

#include <set>

#include "policy/content_checker.hpp"
#include "policy/frequency_caps.hpp"
#include "policy/policy_wording.hpp"
#include "policy/privacy_evaluator.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::policy {

namespace {

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string allow_deny(bool allowed) { return allowed ? "allow" : "deny"; }

CaseOutcome decided(bool allowed, std::string_view rule) {
  return {{{"decision", allow_deny(allowed)}, {"rule", std::string(rule)}}, ""};
}

CaseOutcome failed(std::string error) { return {{}, std::move(error)}; }

CaseOutcome consent(const PolicySnapshot& s, const ConsentQuestion& q) {
  SubscriberConsent subscriber;
  std::string error;
  const auto request = resolve_consent(s, q, subscriber, error);
  if (!request) return failed(error);
  const Decision d = evaluate_consent(s, *request, subscriber);
  return decided(d.allowed, d.rule);
}

CaseOutcome send_time(const PolicySnapshot& s, const SendTimeQuestion& q) {
  const ZoneOffsets& zone = s.fatigue.zone;
  const SendTimeDecision d = check_send_time(s, q.channel, zone.to_utc(q.local));
  CaseOutcome out;
  out.values["rule"] = std::string(d.rule);
  if (d.next_allowed == Seconds::max()) {
    out.values["decision"] = "never";
    out.values["next_allowed"] = "never";
  } else {
    out.values["decision"] = d.allowed ? "allow" : "defer";
    out.values["next_allowed"] = format_local_time(zone.to_local(d.next_allowed));
  }
  return out;
}

CaseOutcome content(const PolicySnapshot& s, const ContentQuestion& q) {
  std::string error;
  const auto category = resolve_category(s, q.partner_category, error);
  if (!category) return failed(error);
  const ContentReport report = check_content(s, q.channel, q.text, *category);
  CaseOutcome out;
  std::set<std::string> rules;
  for (const auto& v : report.violations) rules.insert(std::string(v.rule));
  // A broken rule stops the message whatever review would say; only a clean text goes on to
  // (or past) a person.
  if (!rules.empty()) {
    out.values["decision"] = "rejected";
  } else {
    out.values["decision"] = report.human_review_required ? "pending_review" : "approved";
    rules.insert(std::string(report.human_review_rule));
  }
  out.values["rules"] = join(rules);
  out.values["characters"] = std::to_string(report.characters);
  if (report.sms) {
    out.values["sms_segments"] = std::to_string(report.sms->segments);
    out.values["sms_encoding"] = report.sms->encoding == SmsEncoding::gsm7 ? "gsm7" : "ucs2";
  }
  return out;
}

CaseOutcome quota(const PolicySnapshot& s, const QuotaQuestion& q) {
  CaseOutcome out;
  const QuotaPlan* plan = nullptr;
  if (!q.partner.empty()) {
    const PlanChoice choice = s.plan_choice(q.partner);
    plan = &choice.plan;
    out.values["rule"] = std::string(choice.rule);
  } else {
    std::string error;
    plan = resolve_plan(s, q.plan, error);
    if (!plan) return failed(error);
    out.values["rule"] = plan->rule;
  }
  out.values["plan"] = plan->name;
  add_plan_limits(*plan, out.values);
  return out;
}

}  // namespace

std::optional<ConsentRequest> resolve_consent(const PolicySnapshot& s, const ConsentQuestion& q,
                                              SubscriberConsent& subscriber, std::string& error) {
  auto purpose = [&](const std::string& name) {
    auto id = s.purpose_id(name);
    if (!id) error = "the policy set has no purpose '" + name + "'";
    return id;
  };
  const auto p = purpose(q.purpose);
  const auto c = resolve_category(s, q.partner_category, error);
  if (!p || !c) return std::nullopt;
  for (auto [list, bits] : {std::pair{&q.granted, &subscriber.granted}, std::pair{&q.withdrawn, &subscriber.withdrawn}})
    for (const auto& scope : *list) {
      const auto sp = purpose(scope.purpose);
      const auto sc = resolve_category(s, scope.partner_category, error);
      if (!sp || !sc) return std::nullopt;
      bits->set(consent_scope(*sp, scope.channel, *sc));
    }
  return ConsentRequest{q.capability, q.channel, *p, *c};
}

std::optional<CategoryId> resolve_category(const PolicySnapshot& s, const std::string& name, std::string& error) {
  auto id = s.category_id(name);
  if (!id) error = "the policy set has no partner category '" + name + "'";
  return id;
}

std::optional<TierId> resolve_tier(const PolicySnapshot& s, const std::string& name, std::string& error) {
  auto id = s.tier_id(name);
  if (!id) error = "the policy set has no tier '" + name + "'";
  return id;
}

const QuotaPlan* resolve_plan(const PolicySnapshot& s, const std::string& name, std::string& error) {
  for (const auto& plan : s.quotas.plans)
    if (plan.name == name) return &plan;
  error = "the policy set has no plan '" + name + "'";
  return nullptr;
}

void add_plan_limits(const QuotaPlan& plan, CaseValues& values) {
  for (std::size_t i = 0; i < kCapabilityClassCount; ++i) {
    const std::string prefix = "limits." + std::string(to_string(static_cast<CapabilityClass>(i))) + ".";
    const RateLimit& l = plan.limits[i];
    values[prefix + "per_second"] = format_number(l.per_second);
    values[prefix + "burst"] = std::to_string(l.burst);
    values[prefix + "per_day"] = std::to_string(l.per_day);
    values[prefix + "per_month"] = std::to_string(l.per_month);
    values[prefix + "on_counter_outage"] = outage_text(l.on_counter_outage);
  }
}

CaseOutcome evaluate_case(const PolicySnapshot& s, const PolicyCase& c) {
  return std::visit(
      [&](const auto& q) -> CaseOutcome {
        using Q = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<Q, ConsentQuestion>) {
          return consent(s, q);
        } else if constexpr (std::is_same_v<Q, SendTimeQuestion>) {
          return send_time(s, q);
        } else if constexpr (std::is_same_v<Q, FrequencyQuestion>) {
          const Decision d = check_frequency_caps(s, q.channel, q.already_sent);
          return decided(d.allowed, d.rule);
        } else if constexpr (std::is_same_v<Q, AttributeQuestion>) {
          std::string error;
          const auto tier = resolve_tier(s, q.tier, error);
          if (!tier) return failed(error);
          const Decision d = check_attribute(s, *tier, q.attribute);
          return decided(d.allowed, d.rule);
        } else if constexpr (std::is_same_v<Q, SegmentShapeQuestion>) {
          const Decision d = check_segment_shape(s, q.nodes, q.depth);
          return decided(d.allowed, d.rule);
        } else if constexpr (std::is_same_v<Q, CountQuestion>) {
          const PublishedCount p = publish_count(s, q.raw);
          CaseOutcome out{{{"decision", p.suppressed ? "suppress" : "publish"}, {"rule", std::string(p.rule)}}, ""};
          if (!p.suppressed) out.values["published"] = std::to_string(p.value);
          return out;
        } else if constexpr (std::is_same_v<Q, ContentQuestion>) {
          return content(s, q);
        } else {
          return quota(s, q);
        }
      },
      c.question);
}

std::vector<CaseMismatch> compare_outcome(const CaseValues& expected, const CaseOutcome& actual) {
  std::vector<CaseMismatch> out;
  if (!actual.error.empty()) {
    out.push_back({"error", "", actual.error});
    return out;
  }
  for (const auto& [key, value] : expected) {
    const auto it = actual.values.find(key);
    const std::string got = it == actual.values.end() ? "(none)" : it->second;
    if (got != value) out.push_back({key, value, got});
  }
  return out;
}

CaseRunSummary run_cases(const PolicySnapshot& snapshot, const std::vector<PolicyCase>& cases, std::ostream& out) {
  CaseRunSummary summary;
  for (const auto& c : cases) {
    const auto mismatches = compare_outcome(c.expect, evaluate_case(snapshot, c));
    out << (mismatches.empty() ? "PASS" : "FAIL") << "  " << c.file << ":" << c.line << "  " << c.name << "\n";
    for (const auto& m : mismatches) {
      if (m.key == "error")
        out << "        cannot run: " << m.actual << "\n";
      else
        out << "        " << m.key << ": expected " << m.expected << ", actual " << m.actual << "\n";
    }
    ++(mismatches.empty() ? summary.passed : summary.failed);
  }
  return summary;
}

}  // namespace octopus::policy
