#include "policy/consistency_checker.hpp"

#include <algorithm>
#include <bitset>
#include <charconv>
#include <map>
#include <set>

#include <date/date.h>

#include "policy/sms_segments.hpp"
#include "policy/zone_offsets.hpp"

namespace octopus::policy {

namespace {

using json = nlohmann::json;

constexpr unsigned kMinutesPerDay = 24 * 60;

std::string p(const std::string& base, std::string_view token) { return base + "/" + escape_pointer_token(token); }
std::string p(const std::string& base, std::size_t index) { return base + "/" + std::to_string(index); }

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& [k, _] : object.items()) keys.insert(k);
  return keys;
}

std::set<std::string> strings_of(const json& array) {
  std::set<std::string> out;
  for (const auto& v : array) out.insert(v.get<std::string>());
  return out;
}

class Checker {
 public:
  explicit Checker(const PolicyDocuments& d) : d_(d) {}

  PolicyErrors run() {
    if (ok(PolicyFile::consent)) consent();
    if (ok(PolicyFile::privacy)) privacy();
    if (ok(PolicyFile::fatigue)) fatigue();
    if (ok(PolicyFile::content)) content(ok(PolicyFile::consent));
    if (ok(PolicyFile::quotas)) quotas();
    if (ok(PolicyFile::settlement)) settlement();
    return std::move(errors_);
  }

 private:
  bool ok(PolicyFile f) const { return d_.is_sound(f); }

  void fail(PolicyFile f, const std::string& pointer, std::string message) {
    errors_.push_back(d_[f].error(pointer, std::move(message)));
  }

  void consent() {
    const json& c = d_[PolicyFile::consent].value;
    const auto purposes = keys_of(c["purposes"]);
    const auto channels = strings_of(c["channels"]);
    auto check_allowance = [&](const std::string& at, const json& allowance) {
      for (std::size_t i = 0; i < allowance["purposes"].size(); ++i) {
        const auto name = allowance["purposes"][i].get<std::string>();
        if (!purposes.count(name))
          fail(PolicyFile::consent, p(p(at, "purposes"), i),
               "the purpose '" + name + "' is not declared under purposes");
      }
      for (std::size_t i = 0; i < allowance["channels"].size(); ++i) {
        const auto name = allowance["channels"][i].get<std::string>();
        if (!channels.count(name))
          fail(PolicyFile::consent, p(p(at, "channels"), i),
               "the channel '" + name + "' is not offered (it is not listed under channels)");
      }
    };
    for (const auto& [name, allowance] : c["capabilities"].items())
      check_allowance(p("/capabilities", name), allowance);
    for (const auto& [name, category] : c["partner_categories"].items())
      check_allowance(p("/partner_categories", name), category);
  }

  void privacy() {
    const json& v = d_[PolicyFile::privacy].value;
    const auto dictionary = keys_of(v["attributes"]);
    const auto never = strings_of(v["never_targetable"]);
    for (const auto& [tier, body] : v["tiers"].items()) {
      const auto& list = body["targetable"];
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto name = list[i].get<std::string>();
        const auto at = p(p(p("/tiers", tier), "targetable"), i);
        if (never.count(name)) {
          fail(PolicyFile::privacy, at,
               "'" + name + "' is never targetable (listed under never_targetable), so tier " + tier +
                   " may not target it");
        } else if (!dictionary.count(name)) {
          fail(PolicyFile::privacy, at, "'" + name + "' is not in the attribute dictionary (attributes)");
        }
      }
    }
    const auto k = v["minimum_audience_size"].get<std::uint64_t>();
    const auto multiple = v["count_rounding"]["multiple"].get<std::uint64_t>();
    if (multiple > k)
      fail(PolicyFile::privacy, "/count_rounding/multiple",
           "rounding to multiples of " + std::to_string(multiple) + " is coarser than minimum_audience_size (" +
               std::to_string(k) + "): counts that may be shown would be rounded down to 0");
    const auto nodes = v["segment_limits"]["max_nodes"].get<unsigned>();
    const auto depth = v["segment_limits"]["max_depth"].get<unsigned>();
    if (depth > nodes)
      fail(PolicyFile::privacy, "/segment_limits/max_depth",
           "max_depth (" + std::to_string(depth) + ") cannot be reached with max_nodes " + std::to_string(nodes) +
               "; it must not be larger than max_nodes");
  }

  void fatigue() {
    const json& f = d_[PolicyFile::fatigue].value;
    const auto zone = f["time_zone"].get<std::string>();
    if (!is_known_time_zone(zone))
      fail(PolicyFile::fatigue, "/time_zone",
           "unknown time zone '" + zone + "' (use an IANA name such as Asia/Shanghai)");

    for (const auto& [name, cap] : f["caps"].items()) {
      const auto day = cap["per_day"].get<std::uint64_t>();
      const auto week = cap["per_week"].get<std::uint64_t>();
      if (day > week)
        fail(PolicyFile::fatigue, p(p("/caps", name), "per_day"),
             "per_day (" + std::to_string(day) + ") is larger than per_week (" + std::to_string(week) + ")");
    }

    for (const auto& [channel, quiet] : f["quiet_hours"].items()) {
      std::bitset<kMinutesPerDay> covered;
      for (const auto& w : quiet["windows"]) {
        const unsigned from = minutes_of(w["from"].get<std::string>());
        const unsigned to = minutes_of(w["to"].get<std::string>());
        for (unsigned m = from;; m = (m + 1) % kMinutesPerDay) {
          covered.set(m);
          if ((m + 1) % kMinutesPerDay == to) break;
        }
      }
      const bool never = quiet.value("never_sendable", false);
      const auto at = p("/quiet_hours", channel);
      if (covered.all() && !never)
        fail(PolicyFile::fatigue, at,
             "the quiet hours of " + channel +
                 " cover the whole day, so nothing could ever be sent; if that is intended, add never_sendable: true");
      if (never && !covered.all())
        fail(PolicyFile::fatigue, p(at, "never_sendable"),
             "never_sendable is true but the windows of " + channel +
                 " leave times to send; make one window cover the whole day (from equal to to)");
    }

    std::map<std::string, std::size_t> names;
    const auto& blackouts = f["blackout_dates"];
    for (std::size_t i = 0; i < blackouts.size(); ++i) {
      const auto& b = blackouts[i];
      const auto at = p("/blackout_dates", i);
      const auto name = b["name"].get<std::string>();
      if (auto [it, fresh] = names.emplace(name, i); !fresh)
        fail(PolicyFile::fatigue, p(at, "name"),
             "the blackout name '" + name + "' is already used by blackout_dates item " + std::to_string(it->second));
      const auto from = parse_calendar_date(b["from"].get<std::string>());
      const auto to = parse_calendar_date(b["to"].get<std::string>());
      if (!from) fail(PolicyFile::fatigue, p(at, "from"), "'" + b["from"].get<std::string>() + "' is not a real date");
      if (!to) fail(PolicyFile::fatigue, p(at, "to"), "'" + b["to"].get<std::string>() + "' is not a real date");
      if (from && to && *from > *to)
        fail(PolicyFile::fatigue, p(at, "to"),
             "the blackout ends (" + b["to"].get<std::string>() + ") before it starts (" +
                 b["from"].get<std::string>() + ")");
    }
  }

  void content(bool consent_usable) {
    const json& c = d_[PolicyFile::content].value;
    if (consent_usable) human_review_covers_categories(c["human_review"]);

    std::vector<std::string> banned;
    for (const auto& b : c["banned_phrases"]) banned.push_back(b.get<std::string>());
    for (const auto& [channel, rules] : c["channels"].items()) {
      if (!rules.contains("required_footer")) continue;
      const auto footer = rules["required_footer"].get<std::string>();
      const auto at = p(p("/channels", channel), "required_footer");
      for (const auto& phrase : banned)
        if (footer.find(phrase) != std::string::npos)
          fail(PolicyFile::content, at, "the footer contains the banned phrase '" + phrase + "'");
      if (channel == "sms") {
        const auto length = count_sms_segments(footer);
        const auto max = rules["max_segments"].get<unsigned>();
        if (!length) {
          fail(PolicyFile::content, at, "the footer is not valid UTF-8 text");
        } else if (length->segments > max) {
          fail(PolicyFile::content, at,
               "the footer alone takes " + std::to_string(length->segments) +
                   " SMS segments, more than max_segments (" + std::to_string(max) + ")");
        }
      } else {
        const auto max = rules["max_characters"].get<std::size_t>();
        const auto length = count_characters(footer);
        if (length && *length > max)
          fail(PolicyFile::content, at,
               "the footer alone has " + std::to_string(*length) + " characters, more than max_characters (" +
                   std::to_string(max) + ")");
      }
    }
  }

  void human_review_covers_categories(const json& review) {
    const auto categories = keys_of(d_[PolicyFile::consent].value["partner_categories"]);
    for (const auto& [name, _] : review.items())
      if (!categories.count(name))
        fail(PolicyFile::content, p("/human_review", name),
             "'" + name + "' is not a partner category (see partner_categories in consent.yaml)");
    for (const auto& name : categories)
      if (!review.contains(name))
        fail(PolicyFile::content, "/human_review",
             "says nothing about partner category '" + name + "' (consent.yaml); add " + name + ": true or false");
  }

  void quotas() {
    const json& q = d_[PolicyFile::quotas].value;
    const auto plans = keys_of(q["plans"]);
    auto plan_list = [&] {
      std::string out;
      for (const auto& name : plans) out += (out.empty() ? "" : ", ") + name;
      return out;
    };
    const auto default_plan = q["default_plan"].get<std::string>();
    if (!plans.count(default_plan))
      fail(PolicyFile::quotas, "/default_plan",
           "the plan '" + default_plan + "' is not defined under plans (defined: " + plan_list() + ")");
    for (const auto& [partner, plan] : q["partner_plans"].items()) {
      const auto name = plan.get<std::string>();
      if (!plans.count(name))
        fail(PolicyFile::quotas, p("/partner_plans", partner),
             "partner " + partner + " refers to the plan '" + name +
                 "', which is not defined under plans (defined: " + plan_list() + ")");
    }
    for (const auto& [plan, classes] : q["plans"].items()) {
      for (const auto& [name, limit] : classes.items()) {
        const auto day = limit["per_day"].get<std::uint64_t>();
        const auto month = limit["per_month"].get<std::uint64_t>();
        if (day > month)
          fail(PolicyFile::quotas, p(p(p("/plans", plan), name), "per_day"),
               "per_day (" + std::to_string(day) + ") is larger than per_month (" + std::to_string(month) + ")");
      }
    }
  }

  // A product in two classes would have two sets of windows: which one settles its orders?
  void settlement() {
    std::map<std::string, std::string> class_of;
    for (const auto& [name, c] : d_[PolicyFile::settlement].value["product_classes"].items()) {
      std::size_t i = 0;
      for (const auto& code : c["products"]) {
        const auto product = code.get<std::string>();
        const auto [it, added] = class_of.emplace(product, name);
        if (!added)
          fail(PolicyFile::settlement, p(p(p("/product_classes", name), "products"), std::to_string(i)),
               "the product " + product + " is already in the class '" + it->second +
                   "'; a product may be in one class at most");
        ++i;
      }
    }
  }

  const PolicyDocuments& d_;
  PolicyErrors errors_;
};

}  // namespace

unsigned minutes_of(std::string_view hh_mm) {
  // The schema guarantees "HH:MM" with HH ≤ 23 and MM ≤ 59.
  return static_cast<unsigned>((hh_mm[0] - '0') * 10 + (hh_mm[1] - '0')) * 60 +
         static_cast<unsigned>((hh_mm[3] - '0') * 10 + (hh_mm[4] - '0'));
}

std::optional<std::int64_t> parse_calendar_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len, auto& into) {
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, into);
    return ec == std::errc() && ptr == text.data() + pos + len;
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

PolicyErrors check_consistency(const PolicyDocuments& documents) { return Checker(documents).run(); }

}  // namespace octopus::policy
