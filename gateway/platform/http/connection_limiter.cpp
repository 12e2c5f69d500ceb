#include "http/connection_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace octopus::http {

std::string client_network(std::string_view address) {
  const std::string text(address);
  std::array<unsigned char, 16> v6{};
  if (::inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return text;
  std::fill(v6.begin() + 8, v6.end(), 0);
  char out[INET6_ADDRSTRLEN];
  if (!::inet_ntop(AF_INET6, v6.data(), out, sizeof out)) return text;
  return std::string(out) + "/64";
}

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
