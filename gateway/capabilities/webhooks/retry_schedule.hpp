// When a failed callback is tried again. The default waits 5 s, 5 min, 30 min, 2 h, 5 h,
// 10 h and 10 h after the first, second, ... failed attempt: eight attempts over about 27.6
// hours, so a receiver down for a whole day still gets every event. Each wait is scaled by a
// random factor in [1 - jitter, 1 + jitter] so that many callbacks failed together by one
// outage do not all come back in the same second. After the last attempt fails, the
// delivery is dead: listed to the partner and replayable.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace octopus::webhooks {

class RetrySchedule {
 public:
  using Waits = std::vector<std::chrono::milliseconds>;
  static Waits default_waits();

  explicit RetrySchedule(Waits waits = default_waits(), double jitter = 0.2);

  // After `attempts` failed attempts (1 for the first), how long to wait before the next;
  // nullopt when none is left (the delivery is dead).
  std::optional<std::chrono::milliseconds> wait_after(std::int64_t attempts);

  std::size_t attempts() const { return waits_.size() + 1; }  // the most a delivery gets

 private:
  Waits waits_;
  double jitter_;
  std::mt19937_64 random_;
};

}  // namespace octopus::webhooks
