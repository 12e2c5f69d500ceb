#include "resilience/circuit_breaker.hpp"

#include <algorithm>

#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::resilience {

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options, Clock clock)
    : name_(std::move(name)),
      options_(options),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {
  // Each breaker describes its own families (octopus_engine_*, octopus_redis_*), which so
  // appear exactly when the dependency is in use.
  auto& m = observability::metrics();
  m.describe("octopus_" + name_ + "_up", observability::MetricType::gauge,
             "1 while calls to " + name_ + " go through (circuit closed), 0 while its circuit is open.", false);
  m.describe("octopus_" + name_ + "_failures_total", observability::MetricType::counter,
             "Failed calls to " + name_ + ".", false);
  m.set("octopus_" + name_ + "_up", 1);
  m.increment("octopus_" + name_ + "_failures_total", 0);
}

std::int64_t CircuitBreaker::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

bool CircuitBreaker::allow() const {
  return !open_.load(std::memory_order_relaxed) || now_ms() >= retry_at_ms_.load(std::memory_order_relaxed);
}

std::chrono::milliseconds CircuitBreaker::retry_after() const {
  if (!open_.load(std::memory_order_relaxed)) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::max<std::int64_t>(0, retry_at_ms_.load() - now_ms()));
}

void CircuitBreaker::record_failure(const std::string& what) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  observability::metrics().increment("octopus_" + name_ + "_failures_total");
  const std::int64_t previous = backoff_ms_.load();
  const std::int64_t next =
      previous == 0 ? options_.min_backoff.count() : std::min<std::int64_t>(previous * 2, options_.max_backoff.count());
  backoff_ms_.store(next);
  retry_at_ms_.store(now_ms() + next);
  if (!open_.exchange(true)) {
    observability::metrics().set("octopus_" + name_ + "_up", 0);
    observability::log_warn(name_ + "_unavailable", {{"what", what}, {"retry_in_ms", next}});
  }
}

void CircuitBreaker::record_success() {
  if (open_.exchange(false)) {
    observability::metrics().set("octopus_" + name_ + "_up", 1);
    observability::log_info(name_ + "_recovered", {{"after_failures", failures_.load()}});
  }
  backoff_ms_.store(0);
}

}  // namespace octopus::resilience
