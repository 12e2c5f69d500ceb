#include "policy/policy_explain.hpp"

#include <algorithm>
#include <set>

#include "policy/content_checker.hpp"
#include "policy/policy_wording.hpp"
#include "policy/privacy_evaluator.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::policy {

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Builds the steps; each rule either passes (the walk goes on) or decides (it stops).
class Walk {
 public:
  explicit Walk(Explanation& e) : e_(e) {}

  ExplainStep& passes(std::string rule) { return add(std::move(rule), "passes", false); }
  ExplainStep& decides(std::string rule, const std::string& decision) {
    return add(std::move(rule), "DECIDES: " + decision, true);
  }
  ExplainStep& add(std::string rule, std::string result, bool decides) {
    e_.steps.push_back({std::move(rule), std::move(result), decides, {}});
    return e_.steps.back();
  }
  void outcome(const std::string& decision, const std::string& rule) {
    e_.outcome.values["decision"] = decision;
    e_.outcome.values["rule"] = rule;
  }

 private:
  Explanation& e_;
};

ExplainStep& fact(ExplainStep& step, std::string label, std::string text) {
  step.facts.emplace_back(std::move(label), std::move(text));
  return step;
}

std::string scope_text(const ConsentScopeName& s) {
  return s.purpose + " by " + std::string(to_string(s.channel)) + " for " + s.partner_category + " partners";
}

std::string scopes_text(const std::vector<ConsentScopeName>& scopes) {
  std::vector<std::string> parts;
  for (const auto& s : scopes) parts.push_back(scope_text(s));
  return join_words(parts, "nothing");
}

void consent(const PolicySnapshot& s, const ConsentQuestion& q, Explanation& e) {
  const ConsentPolicy& c = s.consent;
  const std::string channel(to_string(q.channel)), capability(to_string(q.capability));
  e.question = "may a " + q.partner_category + " partner reach this subscriber by " + channel + " for " + q.purpose +
               ", through " + capability + "?";
  SubscriberConsent subscriber;
  const auto r = resolve_consent(s, q, subscriber, e.outcome.error);
  if (!r) return;
  Walk w(e);
  auto check = [&](bool ok, const std::string& rule, std::string policy, std::string asked) {
    auto& step = ok ? w.passes(rule) : w.decides(rule, "deny");
    fact(fact(step, "policy", std::move(policy)), "asked", std::move(asked));
    if (!ok) w.outcome("deny", rule);
    return ok;
  };
  if (!check((c.offered_channels >> static_cast<unsigned>(q.channel)) & 1u, c.channels_rule,
             "channels offered: " + channel_names(c.offered_channels), "channel " + channel))
    return;
  const Allowance& cap = c.capabilities[static_cast<std::size_t>(q.capability)];
  if (!check(cap.allows(r->purpose), cap.purposes_rule,
             capability + " may be used for: " + purpose_names(c, cap.purposes), "purpose " + q.purpose))
    return;
  if (!check(cap.allows(r->channel), cap.channels_rule,
             capability + " may reach subscribers by: " + channel_names(cap.channels), "channel " + channel))
    return;
  const Allowance& cat = c.category_allowances[r->category];
  if (!check(cat.allows(r->purpose), cat.purposes_rule,
             q.partner_category + " partners may state: " + purpose_names(c, cat.purposes), "purpose " + q.purpose))
    return;
  if (!check(cat.allows(r->channel), cat.channels_rule,
             q.partner_category + " partners may use: " + channel_names(cat.channels), "channel " + channel))
    return;

  const std::size_t scope = consent_scope(r->purpose, r->channel, r->category);
  const ConsentScopeName asked{q.purpose, q.channel, q.partner_category};
  const bool withdrawn = subscriber.withdrawn.test(scope), granted = subscriber.granted.test(scope);
  auto& withdrawal = withdrawn ? w.decides(c.withdrawal_rule, "deny") : w.passes(c.withdrawal_rule);
  fact(withdrawal, "policy", "a withdrawal for " + scope_text(asked) + " beats any grant");
  fact(withdrawal, "subscriber", "withdrew " + scopes_text(q.withdrawn));
  if (withdrawn) return w.outcome("deny", c.withdrawal_rule);

  const std::string& granted_rule = c.granted_rules[static_cast<std::size_t>(q.capability)];
  auto& grant = granted ? w.decides(granted_rule, "allow") : w.passes(granted_rule);
  fact(grant, "policy", "a grant for exactly " + scope_text(asked) + " allows the contact");
  fact(grant, "subscriber", "granted " + scopes_text(q.granted));
  if (granted) return w.outcome("allow", granted_rule);

  fact(w.decides(c.default_rule, "deny"), "policy",
       "default: deny (no consent on record for " + scope_text(asked) + ")");
  w.outcome("deny", c.default_rule);
}

// The passes of check_send_time, told: each moves the time past one blackout or quiet
// window. The first pass shows every rule looked at; later ones only those that push the
// time further.
class SendTimeWalk {
 public:
  SendTimeWalk(const FatiguePolicy& f, const QuietHours& quiet, Channel channel, Walk& w, std::int64_t start)
      : f_(f),
        quiet_(quiet),
        channel_(to_string(channel)),
        bit_(1u << static_cast<unsigned>(channel)),
        w_(w),
        local_(start) {}

  static std::string when(std::int64_t local) { return format_local_time(local) + " (" + weekday_of(local) + ")"; }

  // The first time every rule allows (the start when none applies).
  std::int64_t run() {
    const std::size_t max_passes = (f_.blackouts.size() + 1) * (quiet_.windows.size() + 2) + 2;
    for (std::size_t pass = 0; pass < max_passes; ++pass) {
      const bool first_pass = pass == 0;
      if (!past_blackouts(first_pass) && !past_quiet_windows(first_pass)) break;
    }
    return local_;
  }
  const std::string& first_rule() const { return first_rule_; }

 private:
  ExplainStep& applied(const std::string& rule, const std::string& policy, std::int64_t until, bool first_pass) {
    auto& step = first_rule_.empty() ? w_.decides(rule, "defer") : w_.add(rule, "also applies", false);
    if (first_rule_.empty()) first_rule_ = rule;
    fact(step, "asked", (first_pass ? "" : "then ") + when(local_) + ": waits until " + when(until));
    step.facts.insert(step.facts.begin(), {"policy", policy});
    local_ = until;
    return step;
  }

  bool past_blackouts(bool first_pass) {
    const std::int64_t day = floor_div(local_, kDay);
    for (const Blackout& b : f_.blackouts) {
      if (!(b.channels & bit_)) continue;
      const std::string policy = "blackout " + blackout_name(b) + ": nothing by " + channel_names(b.channels) +
                                 " from " + date_text(b.first_day) + " to " + date_text(b.last_day) + " (whole days)";
      if (b.first_day <= day && day <= b.last_day) {
        applied(b.rule, policy, (b.last_day + 1) * kDay, first_pass);
        return true;
      }
      if (first_pass) fact(fact(w_.passes(b.rule), "policy", policy), "asked", date_text(day) + " is not within it");
    }
    return false;
  }

  bool past_quiet_windows(bool first_pass) {
    const std::int64_t day = floor_div(local_, kDay);
    for (const QuietWindow& window : quiet_.windows) {
      const std::string policy = "quiet hours for " + channel_ + ": " + window_text(window);
      if (auto end = quiet_window_end(window, local_)) {
        applied(quiet_.rule, policy, *end, first_pass);
        return true;
      }
      if (first_pass)
        fact(fact(w_.passes(quiet_.rule), "policy", policy), "asked",
             clock_time(static_cast<unsigned>((local_ - day * kDay) / 60)) + " is outside it");
    }
    return false;
  }

  const FatiguePolicy& f_;
  const QuietHours& quiet_;
  std::string channel_;
  std::uint32_t bit_;
  Walk& w_;
  std::int64_t local_;
  std::string first_rule_;
};

void send_time(const PolicySnapshot& s, const SendTimeQuestion& q, Explanation& e) {
  const FatiguePolicy& f = s.fatigue;
  const QuietHours& quiet = f.quiet_hours[static_cast<std::size_t>(q.channel)];
  const std::string channel(to_string(q.channel));
  e.question =
      "may a message go out by " + channel + " at " + SendTimeWalk::when(q.local) + ", " + f.zone.name() + " time?";
  Walk w(e);

  // The evaluator starts from the instant; a local time the clocks skip becomes the jump.
  const std::int64_t start = f.zone.to_local(f.zone.to_utc(q.local));
  auto& never =
      quiet.never_sendable ? w.decides(quiet.never_sendable_rule, "never") : w.passes(quiet.never_sendable_rule);
  fact(never, "policy", "never_sendable for " + channel + ": " + yes_no(quiet.never_sendable));
  if (quiet.never_sendable) {
    w.outcome("never", quiet.never_sendable_rule);
    e.outcome.values["next_allowed"] = "never";
    return;
  }
  SendTimeWalk walk(f, quiet, q.channel, w, start);
  const std::int64_t local = walk.run();
  if (local == start) {
    fact(w.decides(quiet.rule, "allow"), "why", "no quiet hours and no blackout apply at " + SendTimeWalk::when(start));
    w.outcome("allow", quiet.rule);
    e.outcome.values["next_allowed"] = format_local_time(f.zone.to_local(f.zone.to_utc(start)));
    return;
  }
  w.outcome("defer", walk.first_rule());
  e.outcome.values["next_allowed"] = format_local_time(f.zone.to_local(f.zone.to_utc(local)));
}

void frequency(const PolicySnapshot& s, const FrequencyQuestion& q, Explanation& e) {
  const FatiguePolicy& f = s.fatigue;
  const std::string channel(to_string(q.channel));
  const FrequencyCap& c = f.channel_caps[static_cast<std::size_t>(q.channel)];
  const ContactCounts& n = q.already_sent;
  e.question = "may this subscriber receive one more message by " + channel + "?";
  Walk w(e);
  // One more message is allowed while the count so far is below the cap.
  auto check = [&](std::uint32_t sent, std::uint32_t cap, const std::string& rule, const std::string& what,
                   const std::string& period) {
    const bool ok = sent < cap;
    auto& step = ok ? w.passes(rule) : w.decides(rule, "deny");
    fact(step, "policy", "at most " + std::to_string(cap) + " " + what + " per " + period);
    fact(step, "subscriber",
         "already sent " + std::to_string(sent) + (period == "day" ? " today" : " this week") + "; one more makes " +
             std::to_string(static_cast<std::uint64_t>(sent) + 1));
    if (!ok) w.outcome("deny", rule);
    return ok;
  };
  if (!check(n.channel_today, c.per_day, c.day_rule, channel + " messages", "day")) return;
  if (!check(n.channel_this_week, c.per_week, c.week_rule, channel + " messages", "week")) return;
  if (!check(n.overall_today, f.overall.per_day, f.overall.day_rule, "messages on all channels", "day")) return;
  if (!check(n.overall_this_week, f.overall.per_week, f.overall.week_rule, "messages on all channels", "week")) return;
  fact(w.decides(f.caps_ok_rule, "allow"), "why", "every cap leaves room for one more");
  w.outcome("allow", f.caps_ok_rule);
}

void attribute(const PolicySnapshot& s, const AttributeQuestion& q, Explanation& e) {
  const PrivacyPolicy& p = s.privacy;
  e.question = "may a " + q.tier + " partner target the attribute " + q.attribute + "?";
  const auto tier = resolve_tier(s, q.tier, e.outcome.error);
  if (!tier) return;
  Walk w(e);
  const bool never = std::binary_search(p.never_targetable.begin(), p.never_targetable.end(), q.attribute);
  auto& n = never ? w.decides(p.never_targetable_rule, "deny") : w.passes(p.never_targetable_rule);
  fact(fact(n, "policy", "never targetable: " + join_words(p.never_targetable)), "asked", q.attribute);
  if (never) return w.outcome("deny", p.never_targetable_rule);
  const Tier& t = p.tiers[*tier];
  const bool listed = std::binary_search(t.targetable.begin(), t.targetable.end(), q.attribute);
  auto& step = w.decides(t.rule, listed ? "allow" : "deny");
  fact(step, "policy", q.tier + " partners may target: " + join_words(t.targetable));
  fact(step, "asked", q.attribute + (listed ? " (listed)" : " (not listed)"));
  w.outcome(listed ? "allow" : "deny", t.rule);
}

void segment_shape(const PolicySnapshot& s, const SegmentShapeQuestion& q, Explanation& e) {
  const PrivacyPolicy& p = s.privacy;
  e.question = "may an audience definition have " + std::to_string(q.nodes) + " conditions and operators, nested " +
               std::to_string(q.depth) + " deep?";
  Walk w(e);
  auto check = [&](unsigned asked, unsigned limit, const std::string& rule, const std::string& what) {
    const bool ok = asked <= limit;
    auto& step = ok ? w.passes(rule) : w.decides(rule, "deny");
    fact(fact(step, "policy", what + ": at most " + std::to_string(limit)), "asked", std::to_string(asked));
    if (!ok) w.outcome("deny", rule);
    return ok;
  };
  if (!check(q.nodes, p.max_nodes, p.max_nodes_rule, "conditions and operators")) return;
  if (!check(q.depth, p.max_depth, p.max_depth_rule, "nesting depth")) return;
  fact(w.decides(p.segment_ok_rule, "allow"), "why", "within both limits");
  w.outcome("allow", p.segment_ok_rule);
}

void count(const PolicySnapshot& s, const CountQuestion& q, Explanation& e) {
  const PrivacyPolicy& p = s.privacy;
  e.question = "what may a partner learn of an audience of " + std::to_string(q.raw) + " subscribers?";
  Walk w(e);
  const bool small = q.raw < p.minimum_audience_size;
  auto& k = small ? w.decides(p.k_rule, "suppress") : w.passes(p.k_rule);
  fact(k, "policy", "minimum audience size k: " + std::to_string(p.minimum_audience_size));
  fact(k, "asked",
       "raw count " + std::to_string(q.raw) +
           (small ? ": shown only as \"fewer than " + std::to_string(p.minimum_audience_size) + "\"" : ""));
  if (small) return w.outcome("suppress", p.k_rule);

  PrivacyPolicy multiple_only = p;  // the first rounding alone, to show the intermediate value
  multiple_only.significant_figures = 0;
  const std::uint64_t to_multiple = round_count(multiple_only, q.raw), published = round_count(p, q.raw);
  std::string how = std::to_string(q.raw) + " → " + std::to_string(to_multiple);
  if (p.significant_figures > 0) how += " → " + std::to_string(published);
  auto& step = w.decides(p.rounding_rule, "publish " + std::to_string(published));
  fact(step, "policy",
       "round to the nearest multiple of " + std::to_string(p.rounding_multiple) +
           (p.significant_figures > 0 ? ", then keep " + std::to_string(p.significant_figures) + " significant figures"
                                      : ""));
  fact(step, "asked", how);
  w.outcome("publish", p.rounding_rule);
  e.outcome.values["published"] = std::to_string(published);
}

// The content checker already reports every broken rule with its reason (it is not on the
// per-subscriber path), so its report is the walk; this lays it out rule by rule.
// Whether a person must approve, once every rule of the text has been looked at.
void content_outcome(const ContentReport& report, const std::string& partner_category,
                     const std::set<std::string>& broken, Walk& w, Explanation& e) {
  const std::string review_rule(report.human_review_rule);
  const bool review = report.human_review_required;
  if (broken.empty()) {
    auto& st = w.decides(review_rule, review ? "pending_review" : "approved");
    fact(st, "policy", "offers from " + partner_category + " partners need a person's approval: " + yes_no(review));
    e.outcome.values["decision"] = review ? "pending_review" : "approved";
    e.outcome.values["rules"] = review_rule;
    return;
  }
  fact(w.add(review_rule, "not reached", false), "policy",
       "offers from " + partner_category + " partners need a person's approval: " + yes_no(review));
  e.outcome.values["decision"] = "rejected";
  e.outcome.values["rules"] = join_words({broken.begin(), broken.end()});
}

void content(const PolicySnapshot& s, const ContentQuestion& q, Explanation& e) {
  const ContentPolicy& c = s.content;
  const std::string channel(to_string(q.channel));
  e.question = "may a " + q.partner_category + " partner send this text by " + channel + "?";
  const auto category = resolve_category(s, q.partner_category, e.outcome.error);
  if (!category) return;
  const ContentReport report = check_content(s, q.channel, q.text, *category);
  const ChannelContent& rules = c.channels[static_cast<std::size_t>(q.channel)];
  Walk w(e);
  std::set<std::string> broken;
  auto step = [&](const std::string& rule, std::string policy, std::string when_ok) {
    std::vector<std::string> details;
    for (const auto& v : report.violations)
      if (v.rule == rule) details.push_back(v.detail);
    auto& st = details.empty() ? w.passes(rule) : w.add(rule, "BROKEN: stops the message", true);
    fact(st, "policy", std::move(policy));
    if (details.empty()) fact(st, "text", std::move(when_ok));
    for (auto& d : details) fact(st, "text", std::move(d));
    if (!details.empty()) broken.insert(rule);
  };
  step(c.encoding_rule, "the text must be valid UTF-8", "valid UTF-8");
  if (!broken.empty()) {
    e.outcome.values = {{"decision", "rejected"}, {"rules", c.encoding_rule}, {"characters", "0"}};
    return;
  }
  step(c.characters_rule, "no control, invisible or text-direction characters", "none");
  if (rules.required_footer)
    step(rules.footer_rule, "must end with " + in_quotes(*rules.required_footer), "ends with it");
  step(c.banned_rule,
       "no banned phrase (" + std::to_string(c.banned_phrases.size()) + "): " + join_words(c.banned_phrases),
       "contains none");
  const auto hosts = find_link_hosts(q.text);
  step(c.links_rule,
       "links only to " + join_words(c.allowed_link_domains) + (c.include_subdomains ? " and their subdomains" : ""),
       hosts.empty() ? "has no links" : "links to " + join_words(hosts));
  if (report.sms) {
    step(rules.length_rule, "at most " + std::to_string(rules.max_segments) + " SMS segments",
         std::to_string(report.characters) + " characters, " +
             (report.sms->encoding == SmsEncoding::gsm7 ? "GSM-7, " : "UCS-2, ") + std::to_string(report.sms->units) +
             " units: " + std::to_string(report.sms->segments) + " segment(s)");
    e.outcome.values["sms_segments"] = std::to_string(report.sms->segments);
    e.outcome.values["sms_encoding"] = report.sms->encoding == SmsEncoding::gsm7 ? "gsm7" : "ucs2";
  } else {
    step(rules.length_rule, "at most " + std::to_string(rules.max_characters) + " characters",
         std::to_string(report.characters) + " characters");
  }
  e.outcome.values["characters"] = std::to_string(report.characters);

  content_outcome(report, q.partner_category, broken, w, e);
}

void quota(const PolicySnapshot& s, const QuotaQuestion& q, Explanation& e) {
  const QuotaPolicy& quotas = s.quotas;
  Walk w(e);
  const QuotaPlan* plan = nullptr;
  std::string rule;
  if (!q.partner.empty()) {
    e.question = "which plan is partner " + q.partner + " on, with which limits?";
    std::vector<std::string> listed;
    for (const auto& [partner, index] : quotas.partner_plans)
      listed.push_back(partner + " → " + quotas.plans[index].name);
    const auto it = quotas.partner_plans.find(q.partner);
    const std::string partner_rule = "quotas.partner_plans." + q.partner;
    if (it != quotas.partner_plans.end()) {
      plan = &quotas.plans[it->second];
      rule = quotas.partner_plan_rules.find(q.partner)->second;
      fact(fact(w.decides(rule, "plan " + plan->name), "policy", "partner_plans: " + join_words(listed)), "asked",
           q.partner + " is listed");
    } else {
      fact(fact(w.passes("quotas.partner_plans"), "policy", "partner_plans: " + join_words(listed)), "asked",
           q.partner + " is not listed");
      plan = &quotas.plans[quotas.default_plan];
      rule = quotas.default_plan_rule;
      fact(w.decides(rule, "plan " + plan->name), "policy", "default_plan: " + plan->name);
    }
  } else {
    e.question = "what are the limits of plan " + q.plan + "?";
    plan = resolve_plan(s, q.plan, e.outcome.error);
    if (!plan) return;
    rule = plan->rule;
    w.decides(rule, "plan " + plan->name);
  }
  auto& limits = e.steps.back();
  for (std::size_t i = 0; i < kCapabilityClassCount; ++i)
    fact(limits, std::string(to_string(static_cast<CapabilityClass>(i))), limit_text(plan->limits[i]));
  e.outcome.values["plan"] = plan->name;
  e.outcome.values["rule"] = rule;
  add_plan_limits(*plan, e.outcome.values);
}

std::string decision_text(const CaseValues& v) {
  auto get = [&](const std::string& key) {
    auto it = v.find(key);
    return it == v.end() ? std::string() : it->second;
  };
  std::string text = v.count("plan") ? "plan " + get("plan") : get("decision");
  if (get("decision") == "defer") text += " until " + get("next_allowed");
  if (v.count("published")) text += " " + get("published");
  if (v.count("rules")) return text + ", by rule(s) " + get("rules");
  return text + ", by rule " + get("rule");
}

}  // namespace

Explanation explain_case(const PolicySnapshot& s, const PolicyCase& c) {
  Explanation e;
  std::visit(
      [&](const auto& q) {
        using Q = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<Q, ConsentQuestion>)
          consent(s, q, e);
        else if constexpr (std::is_same_v<Q, SendTimeQuestion>)
          send_time(s, q, e);
        else if constexpr (std::is_same_v<Q, FrequencyQuestion>)
          frequency(s, q, e);
        else if constexpr (std::is_same_v<Q, AttributeQuestion>)
          attribute(s, q, e);
        else if constexpr (std::is_same_v<Q, SegmentShapeQuestion>)
          segment_shape(s, q, e);
        else if constexpr (std::is_same_v<Q, CountQuestion>)
          count(s, q, e);
        else if constexpr (std::is_same_v<Q, ContentQuestion>)
          content(s, q, e);
        else
          quota(s, q, e);
      },
      c.question);
  if (!e.outcome.error.empty()) e.outcome.values.clear();
  return e;
}

void print_explanation(const PolicySnapshot& s, const PolicyCase& c, const Explanation& e, std::ostream& out) {
  out << "Case: " << c.name << " (" << c.file << ":" << c.line << ")\n";
  out << "Question: " << e.question << "\n";
  if (!e.outcome.error.empty()) {
    out << "Cannot answer: " << e.outcome.error << " (policy version " << s.version << ")\n";
    return;
  }
  out << "Rules, in the order the gateway applies them:\n";
  std::size_t number = 0;
  for (const auto& step : e.steps) {
    out << "  " << ++number << ". " << step.rule << " — " << step.result << "\n";
    std::size_t width = 0;
    for (const auto& [label, _] : step.facts) width = std::max(width, label.size());
    for (const auto& [label, text] : step.facts)
      out << "       " << label << ":" << std::string(width - label.size() + 1, ' ') << text << "\n";
  }
  out << "Decision: " << decision_text(e.outcome.values) << " (policy version " << s.version << ")\n";
  if (!c.expect.empty()) {
    const auto mismatches = compare_outcome(c.expect, e.outcome);
    if (mismatches.empty()) {
      out << "The case expects this: it passes.\n";
    } else {
      out << "The case expects otherwise: it fails.\n";
      for (const auto& m : mismatches)
        out << "  " << m.key << ": expected " << m.expected << ", actual " << m.actual << "\n";
    }
  }
}

}  // namespace octopus::policy
