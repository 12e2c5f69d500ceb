#include "policy/policy_compiler.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <openssl/evp.h>

#include "policy/consistency_checker.hpp"
#include "policy/text_normaliser.hpp"

namespace octopus::policy {

namespace {

using json = nlohmann::json;

std::vector<std::string> sorted_strings(const json& array) {
  std::vector<std::string> out;
  for (const auto& v : array) out.push_back(v.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

std::uint32_t channel_mask(const json& names) {
  std::uint32_t mask = 0;
  for (const auto& n : names) mask |= 1u << static_cast<unsigned>(*parse_channel(n.get<std::string>()));
  return mask;
}

template <typename T>
std::size_t index_of(const std::vector<T>& v, const T& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

Allowance allowance(const json& body, const std::vector<std::string>& purposes, const std::string& rule_prefix) {
  Allowance a;
  for (const auto& p : body["purposes"]) a.purposes |= 1u << index_of(purposes, p.get<std::string>());
  a.channels = channel_mask(body["channels"]);
  a.purposes_rule = rule_prefix + ".purposes";
  a.channels_rule = rule_prefix + ".channels";
  return a;
}

void compile_consent(const json& c, ConsentPolicy& out) {
  for (const auto& [name, _] : c["purposes"].items()) out.purposes.push_back(name);
  for (const auto& [name, _] : c["partner_categories"].items()) out.categories.push_back(name);
  out.offered_channels = channel_mask(c["channels"]);
  for (std::size_t i = 0; i < kCapabilityCount; ++i) {
    const std::string name(to_string(static_cast<Capability>(i)));
    out.capabilities[i] = allowance(c["capabilities"][name], out.purposes, "consent.capabilities." + name);
    out.granted_rules[i] = "consent.capabilities." + name + ".granted";
  }
  for (const auto& name : out.categories)
    out.category_allowances.push_back(
        allowance(c["partner_categories"][name], out.purposes, "consent.partner_categories." + name));
}

void compile_privacy(const json& v, PrivacyPolicy& out) {
  for (const auto& [name, _] : v["attributes"].items()) out.attributes.push_back(name);
  out.never_targetable = sorted_strings(v["never_targetable"]);
  for (const auto& [name, tier] : v["tiers"].items())
    out.tiers.push_back({name, sorted_strings(tier["targetable"]), "privacy.tiers." + name + ".targetable"});
  out.minimum_audience_size = v["minimum_audience_size"].get<std::uint64_t>();
  out.rounding_multiple = v["count_rounding"]["multiple"].get<std::uint64_t>();
  out.significant_figures = v["count_rounding"]["significant_figures"].get<unsigned>();
  out.max_nodes = v["segment_limits"]["max_nodes"].get<unsigned>();
  out.max_depth = v["segment_limits"]["max_depth"].get<unsigned>();
  if (v.contains("differencing")) {
    out.differencing_window_seconds = v["differencing"]["window_hours"].get<std::int64_t>() * 3600;
    out.differencing_remembered = v["differencing"]["remembered_queries"].get<unsigned>();
  }
  if (v.contains("release")) {
    const auto& r = v["release"];
    // The schema allows at most three decimals; llround keeps 0.1 from becoming 99.
    out.epsilon_milli = static_cast<std::uint64_t>(std::llround(r["epsilon_per_release"].get<double>() * 1000));
    out.budget_milli = static_cast<std::uint64_t>(std::llround(r["budget"]["epsilon"].get<double>() * 1000));
    out.budget_period =
        r["budget"]["period"] == "month" ? PrivacyPolicy::BudgetPeriod::month : PrivacyPolicy::BudgetPeriod::day;
  }
}

FrequencyCap cap(const json& body, const std::string& name) {
  return {body["per_day"].get<std::uint32_t>(), body["per_week"].get<std::uint32_t>(),
          "fatigue.caps." + name + ".per_day", "fatigue.caps." + name + ".per_week"};
}

void compile_fatigue(const json& f, FatiguePolicy& out) {
  out.zone = ZoneOffsets(f["time_zone"].get<std::string>());
  out.overall = cap(f["caps"]["overall"], "overall");
  for (Channel ch : kChannels) {
    const std::string name(to_string(ch));
    const auto i = static_cast<std::size_t>(ch);
    out.channel_caps[i] = cap(f["caps"][name], name);
    const json& quiet = f["quiet_hours"][name];
    QuietHours& q = out.quiet_hours[i];
    for (const auto& w : quiet["windows"])
      q.windows.push_back({static_cast<std::uint16_t>(minutes_of(w["from"].get<std::string>())),
                           static_cast<std::uint16_t>(minutes_of(w["to"].get<std::string>()))});
    q.never_sendable = quiet.value("never_sendable", false);
    q.rule = "fatigue.quiet_hours." + name;
    q.never_sendable_rule = q.rule + ".never_sendable";
  }
  for (const auto& b : f["blackout_dates"])
    out.blackouts.push_back({*parse_calendar_date(b["from"].get<std::string>()),
                             *parse_calendar_date(b["to"].get<std::string>()), channel_mask(b["channels"]),
                             "fatigue.blackout_dates." + b["name"].get<std::string>()});
  std::sort(out.blackouts.begin(), out.blackouts.end(),
            [](const Blackout& a, const Blackout& b) { return a.first_day < b.first_day; });
}

void compile_content(const json& c, const std::vector<std::string>& categories, ContentPolicy& out) {
  for (Channel ch : kChannels) {
    const std::string name(to_string(ch));
    const json& body = c["channels"][name];
    ChannelContent& cc = out.channels[static_cast<std::size_t>(ch)];
    if (body.contains("required_footer")) cc.required_footer = body["required_footer"].get<std::string>();
    cc.footer_rule = "content.channels." + name + ".required_footer";
    if (ch == Channel::sms) {
      cc.max_segments = body["max_segments"].get<unsigned>();
      cc.length_rule = "content.channels.sms.max_segments";
    } else {
      cc.max_characters = body["max_characters"].get<unsigned>();
      cc.length_rule = "content.channels." + name + ".max_characters";
    }
  }
  out.banned_phrases = sorted_strings(c["banned_phrases"]);
  for (const auto& phrase : out.banned_phrases) out.banned_comparable.push_back(comparable_form(phrase));
  out.allowed_link_domains = sorted_strings(c["allowed_link_domains"]);
  out.include_subdomains = c["include_subdomains"].get<bool>();
  for (const auto& category : categories) {
    out.human_review.push_back(c["human_review"][category].get<bool>());
    out.human_review_rules.push_back("content.human_review." + category);
  }
}

void compile_quotas(const json& q, QuotaPolicy& out) {
  for (const auto& [name, plan] : q["plans"].items()) {
    QuotaPlan p{name, "quotas.plans." + name, {}};
    for (std::size_t i = 0; i < kCapabilityClassCount; ++i) {
      const json& l = plan[std::string(to_string(static_cast<CapabilityClass>(i)))];
      p.limits[i] = {l["per_second"].get<double>(), l["burst"].get<std::uint64_t>(), l["per_day"].get<std::uint64_t>(),
                     l["per_month"].get<std::uint64_t>(), OutageBehaviour::class_default};
      if (l.contains("on_counter_outage"))
        p.limits[i].on_counter_outage =
            l["on_counter_outage"] == "admit" ? OutageBehaviour::admit : OutageBehaviour::refuse;
    }
    out.plans.push_back(std::move(p));
  }
  auto plan_index = [&](const std::string& name) {
    return static_cast<std::size_t>(
        std::find_if(out.plans.begin(), out.plans.end(), [&](const QuotaPlan& p) { return p.name == name; }) -
        out.plans.begin());
  };
  out.default_plan = plan_index(q["default_plan"].get<std::string>());
  for (const auto& [partner, plan] : q["partner_plans"].items()) {
    out.partner_plans.emplace(partner, plan_index(plan.get<std::string>()));
    out.partner_plan_rules.emplace(partner, "quotas.partner_plans." + partner);
  }
}

}  // namespace

std::string policy_version(const PolicyDocuments& documents) {
  json canonical = json::object();
  for (std::size_t i = 0; i < kPolicyFileNames.size(); ++i)
    canonical[std::string(kPolicyFileNames[i])] = documents.files[i].value;
  const std::string text = canonical.dump();  // nlohmann::json objects keep keys sorted
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string version;
  for (std::size_t i = 0; i < 8; ++i) {
    version += kHex[digest[i] >> 4];
    version += kHex[digest[i] & 0x0F];
  }
  return version;
}

SettlementWindows settlement_windows(const json& w, std::string rule) {
  return {std::chrono::hours(24 * w["attribution_window_days"].get<std::int64_t>()),
          std::chrono::hours(24 * w["reversal_window_days"].get<std::int64_t>()), std::move(rule)};
}

void compile_settlement(const json& s, SettlementPolicy& out) {
  out.defaults = settlement_windows(s["default"], "settlement.default");
  for (const auto& [name, c] : s["product_classes"].items()) {
    const auto windows = settlement_windows(c, "settlement.product_classes." + name);
    for (const auto& code : c["products"]) out.by_product.emplace(code.get<std::string>(), windows);
  }
}

std::shared_ptr<const PolicySnapshot> compile_policies(const PolicyDocuments& d) {
  auto snapshot = std::make_shared<PolicySnapshot>();
  snapshot->version = policy_version(d);
  compile_consent(d[PolicyFile::consent].value, snapshot->consent);
  compile_privacy(d[PolicyFile::privacy].value, snapshot->privacy);
  compile_fatigue(d[PolicyFile::fatigue].value, snapshot->fatigue);
  compile_content(d[PolicyFile::content].value, snapshot->consent.categories, snapshot->content);
  compile_quotas(d[PolicyFile::quotas].value, snapshot->quotas);
  compile_settlement(d[PolicyFile::settlement].value, snapshot->settlement);
  return snapshot;
}

}  // namespace octopus::policy
