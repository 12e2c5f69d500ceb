#include "http/formats.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace octopus::http {

std::string rfc3339(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::size_t> page_limit(const std::map<std::string, std::string>& query, std::size_t fallback,
                                      std::size_t max) {
  auto it = query.find("limit");
  if (it == query.end()) return fallback;
  const auto& s = it->second;
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const std::size_t n = std::stoul(s);
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view t) {
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > t.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!digits(0, 4, y) || t.size() < 20 || t[4] != '-' || !digits(5, 2, mo) || t[7] != '-' || !digits(8, 2, d) ||
      (t[10] != 'T' && t[10] != 't') || !digits(11, 2, h) || t[13] != ':' || !digits(14, 2, mi) || t[16] != ':' ||
      !digits(17, 2, s))
    return std::nullopt;
  std::size_t at = 19;
  if (at < t.size() && t[at] == '.') {
    ++at;
    const std::size_t first = at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
    if (at == first) return std::nullopt;
  }
  int offset = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int oh, om;
    if (!digits(at + 1, 2, oh) || at + 3 >= t.size() || t[at + 3] != ':' || !digits(at + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset = (t[at] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != t.size() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  return days * 86400 + h * 3600 + mi * 60 + std::min(s, 59) - offset;
}

}  // namespace octopus::http
