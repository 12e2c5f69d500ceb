// One lease held by this instance while it can: it is asked for every third of its ttl, and
// held() says yes only until two thirds of the ttl after the last grant (by this machine's
// steady clock). An instance that cannot renew — the store is gone, the process was paused —
// so stops its leased work a third of a ttl before another instance may take the lease over.
// Instances' wall clocks (which the lease's expiry is written in) must agree to well within
// that third (NTP).
#pragma once
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "background/periodic_task.hpp"
#include "coordination/lease_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::coordination {

struct LeaderLeaseOptions {
  std::string name = "background";
  std::string holder;  // empty: this_instance()
  std::chrono::milliseconds ttl{10000};
  const Clock* clock = &system_clock();
};

class LeaderLease {
 public:
  // Asks for the lease at once, then keeps asking on a thread of its own.
  LeaderLease(LeaseRepository& leases, LeaderLeaseOptions options);
  ~LeaderLease();  // stops asking; a lease held is released, so another instance takes over at once
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  bool held() const;
  // The fencing token of the current grant (0 before any).
  std::int64_t token() const { return token_.load(); }
  const std::string& holder() const { return options_.holder; }
  const std::string& name() const { return options_.name; }

  // "host:pid:random": unique to this process.
  static std::string this_instance();

 private:
  void renew();

  LeaseRepository& leases_;
  LeaderLeaseOptions options_;
  std::atomic<std::int64_t> valid_until_ns_{0};  // steady clock
  std::atomic<std::int64_t> token_{0};
  std::optional<background::PeriodicTask> renewer_;
};

}  // namespace octopus::coordination
