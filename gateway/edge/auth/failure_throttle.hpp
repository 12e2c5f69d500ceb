// Slows down guessing: each client address may fail authentication `burst` times, then once
// per `interval`; beyond that its requests are refused before any token is compared, until
// the allowance refills. Successful requests cost nothing. Addresses are forgotten once their
// allowance is full again, and at most `max_addresses` are tracked (the fullest forgotten
// first), so a flood from many addresses cannot grow it without bound.
#pragma once
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace octopus::auth {

class FailureThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  FailureThrottle(unsigned burst, Clock::duration interval, std::size_t max_addresses = 10'000);

  // Zero when `address` may try now; otherwise how long until it may.
  Clock::duration wait(std::string_view address, Clock::time_point now);
  // Counts one failure; true when the address is throttled after it (its allowance spent).
  bool failed(std::string_view address, Clock::time_point now);

  // The address part of "host:port" or "[v6]:port" as the server records peers.
  static std::string_view address_of(std::string_view remote);

 private:
  // GCRA: the time at which the address's allowance is full again.
  std::unordered_map<std::string, Clock::time_point> full_at_;
  std::mutex mutex_;
  unsigned burst_;
  Clock::duration interval_;
  std::size_t max_addresses_;
  void forget_some(Clock::time_point now, std::size_t keep);
};

}  // namespace octopus::auth
