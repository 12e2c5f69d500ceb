// A circuit breaker for a dependency the gateway calls synchronously (Redis, a remote
// engine). After a failure, calls fail fast for a back-off period instead of each waiting
// out a timeout on the caller's thread; when the period passes, calls probe again, and the
// first success closes the breaker. Back-off doubles per failed probe up to a maximum.
// Transitions are logged once each and exposed as `octopus_<name>_up` (1/0) and
// `octopus_<name>_failures_total`; the callers time their calls into
// `octopus_<name>_call_duration_seconds`.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace octopus::resilience {

struct BreakerOptions {
  std::chrono::milliseconds min_backoff{250};   // first back-off after a failure
  std::chrono::milliseconds max_backoff{5000};  // longest back-off
};

class CircuitBreaker {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `name` names the dependency in metrics and logs ("redis", "engine").
  CircuitBreaker(std::string name, BreakerOptions options, Clock clock = {});

  // false while open and the back-off has not passed: fail fast without calling.
  bool allow() const;
  void record_success();
  // `what` goes to the log line written when the breaker opens (never a secret).
  void record_failure(const std::string& what);
  // One call's duration, answered or failed (a long poll's deliberate wait is not a call's
  // latency: its caller does not report it).
  void record_duration(std::chrono::steady_clock::duration elapsed);

  bool closed() const { return !open_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  // How long until calls probe again (zero when closed or already due); what a caller
  // puts in Retry-After.
  std::chrono::milliseconds retry_after() const;

 private:
  std::int64_t now_ms() const;

  std::string name_;
  std::string up_metric_, failures_metric_, duration_metric_;
  BreakerOptions options_;
  Clock clock_;
  std::atomic<bool> open_{false};
  std::atomic<std::int64_t> retry_at_ms_{0};
  std::atomic<std::int64_t> backoff_ms_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace octopus::resilience
