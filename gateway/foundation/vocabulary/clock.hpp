// The one clock for wall time: what records are stamped with, what tokens, signatures and
// idempotency keys expire by, what calendar periods (days, months, quiet hours) are
// counted in. Components take a `const Clock&` (the system clock unless a test gives its
// own), so a test moves time instead of sleeping through it. Intervals and deadlines that
// must not jump with the wall clock (back-offs, timeouts, throttles) use
// std::chrono::steady_clock directly.
#pragma once
#include <chrono>
#include <cstdint>

namespace octopus {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;

  std::int64_t unix_seconds() const { return since_epoch<std::chrono::seconds>(); }
  std::int64_t unix_millis() const { return since_epoch<std::chrono::milliseconds>(); }
  std::int64_t unix_nanos() const { return since_epoch<std::chrono::nanoseconds>(); }

 private:
  template <typename Unit>
  std::int64_t since_epoch() const {
    return std::chrono::duration_cast<Unit>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// The real clock, shared by everything not given another.
inline const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace octopus
