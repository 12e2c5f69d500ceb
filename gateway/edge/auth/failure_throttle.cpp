#include "auth/failure_throttle.hpp"

#include <algorithm>

namespace octopus::auth {

FailureThrottle::FailureThrottle(unsigned burst, Clock::duration interval, std::size_t max_addresses)
    : burst_(std::max(1u, burst)), interval_(interval), max_addresses_(std::max<std::size_t>(1, max_addresses)) {}

std::string_view FailureThrottle::address_of(std::string_view remote) {
  const auto colon = remote.rfind(':');
  if (colon == std::string_view::npos) return remote;
  const auto host = remote.substr(0, colon);
  // A bare IPv6 address ("::1:5000" as Asio prints it) keeps everything before the port.
  return host.empty() ? remote : host;
}

// GCRA over failures: each adds one interval to the time the allowance is full again; the
// address waits while that lies more than burst - 1 intervals ahead.
FailureThrottle::Clock::duration FailureThrottle::wait(std::string_view address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = full_at_.find(std::string(address));
  if (it == full_at_.end()) return Clock::duration::zero();
  const auto free_at = it->second - interval_ * static_cast<int>(burst_ - 1);
  return free_at > now ? free_at - now : Clock::duration::zero();
}

bool FailureThrottle::failed(std::string_view address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::string key(address);
  if (full_at_.find(key) == full_at_.end() && full_at_.size() >= max_addresses_) forget_some(now, max_addresses_ - 1);
  auto& full_at = full_at_[key];
  full_at = std::max(full_at, now) + interval_;
  return full_at - now > interval_ * static_cast<int>(burst_ - 1);
}

void FailureThrottle::forget_some(Clock::time_point now, std::size_t keep) {
  // First whatever has refilled; if that is not enough, the addresses closest to refilled.
  std::erase_if(full_at_, [now](const auto& e) { return e.second <= now; });
  while (full_at_.size() > keep) {
    auto fullest = std::min_element(full_at_.begin(), full_at_.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
    full_at_.erase(fullest);
  }
}

}  // namespace octopus::auth
