#include "policy/policy_wording.hpp"

#include <array>
#include <chrono>
#include <cstdio>

#include "policy/policy_cases.hpp"

namespace octopus::policy {

std::string join_words(const std::vector<std::string>& items, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string channel_names(std::uint32_t mask) {
  std::vector<std::string> names;
  for (Channel c : kChannels)
    if ((mask >> static_cast<unsigned>(c)) & 1u) names.emplace_back(to_string(c));
  return join_words(names);
}

std::string purpose_names(const ConsentPolicy& consent, std::uint32_t mask) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < consent.purposes.size(); ++i)
    if ((mask >> i) & 1u) names.push_back(consent.purposes[i]);
  return join_words(names);
}

std::string clock_time(unsigned minute_of_day) {
  char out[8];
  std::snprintf(out, sizeof out, "%02u:%02u", minute_of_day / 60 % 100, minute_of_day % 60);
  return out;
}

std::string window_text(const QuietWindow& w) {
  std::string text = clock_time(w.from_minute) + "–" + clock_time(w.to_minute);
  return w.from_minute == w.to_minute ? text + " (the whole day)" : text;
}

std::string windows_text(const std::vector<QuietWindow>& windows) {
  std::vector<std::string> parts;
  for (const auto& w : windows) parts.push_back(window_text(w));
  return join_words(parts);
}

std::string date_text(std::int64_t day) { return format_local_time(day * 86400).substr(0, 10); }

std::string weekday_of(std::int64_t local) {
  static constexpr std::array<const char*, 7> kNames{"Thursday", "Friday",  "Saturday", "Sunday",
                                                     "Monday",   "Tuesday", "Wednesday"};  // 1970-01-01 was a Thursday
  const std::int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  return kNames[static_cast<std::size_t>(((day % 7) + 7) % 7)];
}

std::string blackout_name(const Blackout& b) {
  constexpr std::string_view prefix = "fatigue.blackout_dates.";
  return b.rule.substr(b.rule.rfind(prefix, 0) == 0 ? prefix.size() : 0);
}

std::string limit_text(const RateLimit& l) {
  return format_number(l.per_second) + " per second, burst " + std::to_string(l.burst) + ", " +
         std::to_string(l.per_day) + " per day, " + std::to_string(l.per_month) + " per month" +
         (l.on_counter_outage == OutageBehaviour::class_default
              ? ""
              : ", " + outage_text(l.on_counter_outage) + " when the counters cannot be reached");
}

std::string outage_text(OutageBehaviour behaviour) {
  switch (behaviour) {
    case OutageBehaviour::admit: return "admit";
    case OutageBehaviour::refuse: return "refuse";
    case OutageBehaviour::class_default: break;
  }
  return "class default";
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace octopus::policy
