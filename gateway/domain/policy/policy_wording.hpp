// Compiled policy values in the words officers read them in ("21:00–08:00", "sms, push"),
// shared by `policy explain` and `policy diff` so a value reads the same in both.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

std::string join_words(const std::vector<std::string>& items, std::string_view none = "none");
std::string channel_names(std::uint32_t mask);
std::string purpose_names(const ConsentPolicy& consent, std::uint32_t mask);
std::string clock_time(unsigned minute_of_day);                     // "08:00"
std::string window_text(const QuietWindow& window);                 // "21:00–08:00"
std::string windows_text(const std::vector<QuietWindow>& windows);  // "12:00–14:00, 20:00–09:00" or "none"
std::string date_text(std::int64_t day);                            // days since 1970-01-01 → "2026-06-07"
std::string weekday_of(std::int64_t local);                         // wall-clock seconds → "Saturday"
std::string blackout_name(const Blackout& blackout);                // "gaokao-2026"
std::string limit_text(const RateLimit& limit);      // "10 per second, burst 20, 50000 per day, 1000000 per month"
std::string outage_text(OutageBehaviour behaviour);  // "admit", "refuse", "class default"
std::string yes_no(bool value);
std::string in_quotes(std::string_view text);  // 'text'

}  // namespace octopus::policy
