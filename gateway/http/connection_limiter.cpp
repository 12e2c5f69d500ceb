#include "http/connection_limiter.hpp"

#include <algorithm>

namespace octopus::http {

ConnectionLimiter::ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
    : max_total_(std::max<std::size_t>(1, max_total)), max_per_address_(std::max<std::size_t>(1, max_per_address)) {}

ConnectionLimiter::Verdict ConnectionLimiter::admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (open_ >= max_total_) return Verdict::listener_full;
  auto& mine = by_address_[address];
  if (mine >= max_per_address_) return Verdict::address_full;
  ++mine;
  ++open_;
  return Verdict::admitted;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  if (--it->second == 0) by_address_.erase(it);
  --open_;
}

std::size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace octopus::http
