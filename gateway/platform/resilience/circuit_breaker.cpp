#include "resilience/circuit_breaker.hpp"

#include <algorithm>

#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::resilience {

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options, Clock clock)
    : name_(std::move(name)),
      up_metric_("octopus_" + name_ + "_up"),
      failures_metric_("octopus_" + name_ + "_failures_total"),
      duration_metric_("octopus_" + name_ + "_call_duration_seconds"),
      options_(options),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {
  // Each breaker describes its own families (octopus_engine_*, octopus_redis_*), which so
  // appear exactly when the dependency is in use.
  auto& m = observability::metrics();
  m.describe(up_metric_, observability::MetricType::gauge,
             "1 while calls to " + name_ + " go through (circuit closed), 0 while its circuit is open.", false);
  m.describe(failures_metric_, observability::MetricType::counter, "Failed calls to " + name_ + ".", false);
  m.describe(duration_metric_, observability::MetricType::histogram,
             "Time taken by calls to " + name_ + ", answered or failed, in seconds.", false,
             observability::latency_buckets());
  m.set(up_metric_, 1);
  m.increment(failures_metric_, 0);
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
  observability::metrics().increment(failures_metric_);
  const std::int64_t previous = backoff_ms_.load();
  const std::int64_t next =
      previous == 0 ? options_.min_backoff.count() : std::min<std::int64_t>(previous * 2, options_.max_backoff.count());
  backoff_ms_.store(next);
  retry_at_ms_.store(now_ms() + next);
  if (!open_.exchange(true)) {
    observability::metrics().set(up_metric_, 0);
    observability::log_warn(name_ + "_unavailable", {{"what", what}, {"retry_in_ms", next}});
  }
}

void CircuitBreaker::record_duration(std::chrono::steady_clock::duration elapsed) {
  observability::metrics().observe(duration_metric_, std::chrono::duration<double>(elapsed).count());
}

void CircuitBreaker::record_success() {
  if (open_.exchange(false)) {
    observability::metrics().set(up_metric_, 1);
    observability::log_info(name_ + "_recovered", {{"after_failures", failures_.load()}});
  }
  backoff_ms_.store(0);
}

}  // namespace octopus::resilience
