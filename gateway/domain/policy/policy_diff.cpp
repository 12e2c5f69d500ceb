#include "policy/policy_diff.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "policy/policy_cases.hpp"
#include "policy/policy_wording.hpp"

namespace octopus::policy {

namespace {

using json = nlohmann::json;

class Lines {
 public:
  explicit Lines(std::vector<std::string>& out) : out_(out) {}

  // "area: what: before → after", only when they differ.
  void changed(const std::string& area, const std::string& what, const std::string& before, const std::string& after) {
    if (before != after) out_.push_back(area + ": " + what + ": " + before + " → " + after);
  }
  template <typename Number>
  void changed_number(const std::string& area, const std::string& what, Number before, Number after) {
    if (before != after)
      changed(area, what, format_number(static_cast<double>(before)), format_number(static_cast<double>(after)));
  }
  // "area: noun added: 'x'" / "area: noun removed: 'y'" for two sorted-or-not lists taken as sets.
  void members(const std::string& area, const std::string& noun, const std::vector<std::string>& before,
               const std::vector<std::string>& after, bool quote = true) {
    const std::set<std::string> a(before.begin(), before.end()), b(after.begin(), after.end());
    auto show = [&](const std::string& x) { return quote ? in_quotes(x) : x; };
    for (const auto& x : a)
      if (!b.count(x)) out_.push_back(area + ": " + noun + " removed: " + show(x));
    for (const auto& x : b)
      if (!a.count(x)) out_.push_back(area + ": " + noun + " added: " + show(x));
  }
  void line(std::string text) { out_.push_back(std::move(text)); }

 private:
  std::vector<std::string>& out_;
};

// Names present in both lists, for per-item comparisons.
std::vector<std::string> common(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) != b.end()) out.push_back(x);
  return out;
}

std::string text_at(const json& document, const json::json_pointer& at) {
  return document.contains(at) && document[at].is_string() ? document[at].get<std::string>() : "";
}

std::string description(const SourceDocument& d, const std::string& object, const std::string& name) {
  return text_at(d.value, json::json_pointer("/" + object + "/" + escape_pointer_token(name) + "/description"));
}

void consent(Lines& l, const PolicySide& a, const PolicySide& b) {
  const ConsentPolicy &x = a.snapshot.consent, &y = b.snapshot.consent;
  const std::string area = "consent";
  l.members(area, "purpose", x.purposes, y.purposes, false);
  for (const auto& p : common(x.purposes, y.purposes))
    l.changed(area, "description of purpose " + p,
              in_quotes(description(a.documents[PolicyFile::consent], "purposes", p)),
              in_quotes(description(b.documents[PolicyFile::consent], "purposes", p)));
  l.changed(area, "channels offered", channel_names(x.offered_channels), channel_names(y.offered_channels));
  for (std::size_t i = 0; i < kCapabilityCount; ++i) {
    const std::string what = "capability " + std::string(to_string(static_cast<Capability>(i)));
    l.changed(area, what + ": purposes", purpose_names(x, x.capabilities[i].purposes),
              purpose_names(y, y.capabilities[i].purposes));
    l.changed(area, what + ": channels", channel_names(x.capabilities[i].channels),
              channel_names(y.capabilities[i].channels));
  }
  l.members(area, "partner category", x.categories, y.categories, false);
  for (const auto& c : common(x.categories, y.categories)) {
    const Allowance& ca = x.category_allowances[*a.snapshot.category_id(c)];
    const Allowance& cb = y.category_allowances[*b.snapshot.category_id(c)];
    l.changed(area, "partner category " + c + ": purposes", purpose_names(x, ca.purposes),
              purpose_names(y, cb.purposes));
    l.changed(area, "partner category " + c + ": channels", channel_names(ca.channels), channel_names(cb.channels));
    l.changed(area, "description of partner category " + c,
              in_quotes(description(a.documents[PolicyFile::consent], "partner_categories", c)),
              in_quotes(description(b.documents[PolicyFile::consent], "partner_categories", c)));
  }
}

void privacy(Lines& l, const PolicySide& a, const PolicySide& b) {
  const PrivacyPolicy &x = a.snapshot.privacy, &y = b.snapshot.privacy;
  const std::string area = "privacy";
  l.members(area, "attribute in the dictionary", x.attributes, y.attributes, false);
  for (const auto& name : common(x.attributes, y.attributes)) {
    const json::json_pointer at("/attributes/" + escape_pointer_token(name));
    l.changed(area, "description of attribute " + name, in_quotes(text_at(a.documents[PolicyFile::privacy].value, at)),
              in_quotes(text_at(b.documents[PolicyFile::privacy].value, at)));
  }
  l.members(area, "never-targetable attribute", x.never_targetable, y.never_targetable, false);
  std::vector<std::string> tiers_a, tiers_b;
  for (const auto& t : x.tiers) tiers_a.push_back(t.name);
  for (const auto& t : y.tiers) tiers_b.push_back(t.name);
  l.members(area, "tier", tiers_a, tiers_b, false);
  for (const auto& name : common(tiers_a, tiers_b))
    l.members(area, "tier " + name + ": targetable attribute", x.tiers[*a.snapshot.tier_id(name)].targetable,
              y.tiers[*b.snapshot.tier_id(name)].targetable, false);
  l.changed_number(area, "minimum audience size k", x.minimum_audience_size, y.minimum_audience_size);
  l.changed_number(area, "counts rounded to multiples of", x.rounding_multiple, y.rounding_multiple);
  auto figures = [](unsigned n) { return n == 0 ? std::string("no limit") : std::to_string(n); };
  l.changed(area, "significant figures kept", figures(x.significant_figures), figures(y.significant_figures));
  l.changed_number(area, "most conditions and operators in an audience (max_nodes)", x.max_nodes, y.max_nodes);
  l.changed_number(area, "deepest nesting of an audience (max_depth)", x.max_depth, y.max_depth);
  l.changed_number(area, "differencing: hours a partner's counts are remembered", x.differencing_window_seconds / 3600,
                   y.differencing_window_seconds / 3600);
  l.changed_number(area, "differencing: recent counts compared", x.differencing_remembered, y.differencing_remembered);
}

void fatigue(Lines& l, const PolicySide& a, const PolicySide& b) {
  const FatiguePolicy &x = a.snapshot.fatigue, &y = b.snapshot.fatigue;
  const std::string area = "fatigue";
  l.changed(area, "time zone", x.zone.name(), y.zone.name());
  auto caps = [&](const std::string& who, const FrequencyCap& ca, const FrequencyCap& cb) {
    l.changed_number(area, "cap for " + who + ": per day", ca.per_day, cb.per_day);
    l.changed_number(area, "cap for " + who + ": per week", ca.per_week, cb.per_week);
  };
  caps("all channels together", x.overall, y.overall);
  for (Channel ch : kChannels)
    caps(std::string(to_string(ch)), x.channel_caps[static_cast<std::size_t>(ch)],
         y.channel_caps[static_cast<std::size_t>(ch)]);
  for (Channel ch : kChannels) {
    const QuietHours &qa = x.quiet_hours[static_cast<std::size_t>(ch)],
                     &qb = y.quiet_hours[static_cast<std::size_t>(ch)];
    const std::string name(to_string(ch));
    // Windows are a set: listing the same windows in another order changes nothing.
    auto sorted_text = [](std::vector<QuietWindow> w) {
      std::sort(w.begin(), w.end(), [](const QuietWindow& p, const QuietWindow& q) {
        return std::pair(p.from_minute, p.to_minute) < std::pair(q.from_minute, q.to_minute);
      });
      return windows_text(w);
    };
    if (sorted_text(qa.windows) != sorted_text(qb.windows))
      l.changed(area, "quiet hours for " + name, windows_text(qa.windows), windows_text(qb.windows));
    l.changed(area, name + " never sendable", yes_no(qa.never_sendable), yes_no(qb.never_sendable));
  }
  std::map<std::string, const Blackout*> ba, bb;
  for (const auto& bo : x.blackouts) ba[blackout_name(bo)] = &bo;
  for (const auto& bo : y.blackouts) bb[blackout_name(bo)] = &bo;
  auto days = [](const Blackout& bo) { return date_text(bo.first_day) + " to " + date_text(bo.last_day); };
  auto reason = [](const PolicySide& side, const std::string& name) {
    for (const auto& entry : side.documents[PolicyFile::fatigue].value["blackout_dates"])
      if (entry.value("name", "") == name) return entry.value("reason", "");
    return std::string();
  };
  for (const auto& [name, bo] : ba)
    if (!bb.count(name))
      l.line(area + ": blackout removed: " + name + " (" + days(*bo) + ", " + channel_names(bo->channels) + ")");
  for (const auto& [name, bo] : bb)
    if (!ba.count(name))
      l.line(area + ": blackout added: " + name + " (" + days(*bo) + ", " + channel_names(bo->channels) + ")");
  for (const auto& [name, bo] : ba) {
    if (!bb.count(name)) continue;
    l.changed(area, "blackout " + name + ": days", days(*bo), days(*bb[name]));
    l.changed(area, "blackout " + name + ": channels", channel_names(bo->channels), channel_names(bb[name]->channels));
    l.changed(area, "blackout " + name + ": reason", in_quotes(reason(a, name)), in_quotes(reason(b, name)));
  }
}

void content(Lines& l, const PolicySide& a, const PolicySide& b) {
  const ContentPolicy &x = a.snapshot.content, &y = b.snapshot.content;
  const std::string area = "content";
  for (Channel ch : kChannels) {
    const ChannelContent &ca = x.channels[static_cast<std::size_t>(ch)], &cb = y.channels[static_cast<std::size_t>(ch)];
    const std::string name(to_string(ch));
    auto footer = [](const ChannelContent& c) { return c.required_footer ? in_quotes(*c.required_footer) : "none"; };
    l.changed(area, "required footer for " + name, footer(ca), footer(cb));
    if (ch == Channel::sms)
      l.changed_number(area, "most SMS segments", ca.max_segments, cb.max_segments);
    else
      l.changed_number(area, "most characters for " + name, ca.max_characters, cb.max_characters);
  }
  l.members(area, "banned phrase", x.banned_phrases, y.banned_phrases);
  l.members(area, "allowed link domain", x.allowed_link_domains, y.allowed_link_domains, false);
  l.changed(area, "subdomains of allowed link domains allowed too", yes_no(x.include_subdomains),
            yes_no(y.include_subdomains));
  std::set<std::string> categories(a.snapshot.consent.categories.begin(), a.snapshot.consent.categories.end());
  categories.insert(b.snapshot.consent.categories.begin(), b.snapshot.consent.categories.end());
  auto review = [](const PolicySide& side, const std::string& c) {
    const auto id = side.snapshot.category_id(c);
    return id ? yes_no(side.snapshot.content.human_review[*id]) : std::string("none");
  };
  for (const auto& c : categories) l.changed(area, "human review for " + c + " partners", review(a, c), review(b, c));
}

void quotas(Lines& l, const PolicySide& a, const PolicySide& b) {
  const QuotaPolicy &x = a.snapshot.quotas, &y = b.snapshot.quotas;
  const std::string area = "quotas";
  std::vector<std::string> pa, pb;
  for (const auto& p : x.plans) pa.push_back(p.name);
  for (const auto& p : y.plans) pb.push_back(p.name);
  l.members(area, "plan", pa, pb, false);
  for (const auto& name : common(pa, pb)) {
    const auto& plan_a =
        *std::find_if(x.plans.begin(), x.plans.end(), [&](const QuotaPlan& p) { return p.name == name; });
    const auto& plan_b =
        *std::find_if(y.plans.begin(), y.plans.end(), [&](const QuotaPlan& p) { return p.name == name; });
    for (std::size_t i = 0; i < kCapabilityClassCount; ++i) {
      const std::string what = "plan " + name + ": " + std::string(to_string(static_cast<CapabilityClass>(i)));
      const RateLimit &la = plan_a.limits[i], &lb = plan_b.limits[i];
      l.changed_number(area, what + " per second", la.per_second, lb.per_second);
      l.changed_number(area, what + " burst", la.burst, lb.burst);
      l.changed_number(area, what + " per day", la.per_day, lb.per_day);
      l.changed_number(area, what + " per month", la.per_month, lb.per_month);
      l.changed(area, what + " when the counters cannot be reached", outage_text(la.on_counter_outage),
                outage_text(lb.on_counter_outage));
    }
  }
  l.changed(area, "default plan", x.plans[x.default_plan].name, y.plans[y.default_plan].name);
  std::set<std::string> partners;
  for (const auto& [id, _] : x.partner_plans) partners.insert(id);
  for (const auto& [id, _] : y.partner_plans) partners.insert(id);
  auto plan_of = [](const QuotaPolicy& q, const std::string& id) {
    const auto it = q.partner_plans.find(id);
    return it == q.partner_plans.end() ? "the default plan (" + q.plans[q.default_plan].name + ")"
                                       : q.plans[it->second].name;
  };
  for (const auto& id : partners)
    if (x.partner_plans.count(id) != y.partner_plans.count(id) || plan_of(x, id) != plan_of(y, id))
      l.changed(area, "plan of partner " + id, plan_of(x, id), plan_of(y, id));
}

std::string days(std::chrono::milliseconds window) {
  return std::to_string(std::chrono::duration_cast<std::chrono::hours>(window).count() / 24) + " days";
}

// Each product's windows (the defaults for products in no class).
void settlement(Lines& l, const PolicySide& a, const PolicySide& b) {
  const SettlementPolicy &x = a.snapshot.settlement, &y = b.snapshot.settlement;
  const std::string area = "settlement";
  l.changed(area, "attribution window (default)", days(x.defaults.attribution), days(y.defaults.attribution));
  l.changed(area, "reversal window (default)", days(x.defaults.reversal), days(y.defaults.reversal));
  std::set<std::string> products;
  for (const auto& [code, _] : x.by_product) products.insert(code);
  for (const auto& [code, _] : y.by_product) products.insert(code);
  for (const auto& code : products) {
    const auto &wa = x.windows_for(code), &wb = y.windows_for(code);
    l.changed(area, "attribution window of " + code, days(wa.attribution), days(wb.attribution));
    l.changed(area, "reversal window of " + code, days(wa.reversal), days(wb.reversal));
  }
}

}  // namespace

std::vector<std::string> diff_policies(const PolicySide& before, const PolicySide& after) {
  std::vector<std::string> out;
  Lines lines(out);
  consent(lines, before, after);
  privacy(lines, before, after);
  fatigue(lines, before, after);
  content(lines, before, after);
  quotas(lines, before, after);
  settlement(lines, before, after);
  return out;
}

}  // namespace octopus::policy
