#include "http/formats.hpp"

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

}  // namespace octopus::http
