#include "retry_rules.hpp"

#include <algorithm>
#include <charconv>
#include <random>

namespace octopus::detail {

bool is_retryable(int status, const std::string& problem_slug) {
  switch (status) {
    case 408:
    case 502:
    case 503:
    case 504: return true;
    case 409: return problem_slug == "idempotency-key-in-flight";
    case 429: return problem_slug == "rate-limited";
    default: return false;
  }
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt, std::optional<long> retry_after) {
  // Clamped to a day: a larger value cannot be waited for within any deadline anyway, and
  // converting it to milliseconds must not overflow.
  if (retry_after) return std::chrono::seconds(std::clamp<long>(*retry_after, 0, 86400));
  const int doublings = std::clamp(next_attempt - 2, 0, 30);
  const auto ceiling = std::min<std::int64_t>(
      policy.max_backoff.count(), policy.initial_backoff.count() * (std::int64_t{1} << std::min(doublings, 20)));
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(random));
}

std::optional<long> parse_retry_after(const std::string& value) {
  long seconds = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
  if (ec != std::errc() || ptr != end || seconds < 0) return std::nullopt;
  return seconds;
}

}  // namespace octopus::detail
