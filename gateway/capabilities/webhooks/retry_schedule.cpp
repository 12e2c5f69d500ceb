#include "webhooks/retry_schedule.hpp"

#include <stdexcept>

namespace octopus::webhooks {

using namespace std::chrono_literals;

RetrySchedule::Waits RetrySchedule::default_waits() { return {5s, 5min, 30min, 2h, 5h, 10h, 10h}; }

RetrySchedule::RetrySchedule(Waits waits, double jitter)
    : waits_(std::move(waits)), jitter_(jitter), random_(std::random_device{}()) {
  if (jitter_ < 0 || jitter_ >= 1) throw std::invalid_argument("retry jitter must be in [0, 1)");
}

std::optional<std::chrono::milliseconds> RetrySchedule::wait_after(std::int64_t attempts) {
  if (attempts < 1 || static_cast<std::size_t>(attempts) > waits_.size()) return std::nullopt;
  const auto base = waits_[static_cast<std::size_t>(attempts - 1)];
  std::uniform_real_distribution<double> factor(1.0 - jitter_, 1.0 + jitter_);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(random_)));
}

}  // namespace octopus::webhooks
