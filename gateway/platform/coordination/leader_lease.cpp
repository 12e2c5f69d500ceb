#include "coordination/leader_lease.hpp"

#include <unistd.h>

#include <random>

#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::coordination {

namespace {
const observability::MetricFamily kHeld{
    "octopus_lease_held", observability::MetricType::gauge,
    "1 while this instance holds the lease (the instance that runs the background work), 0 otherwise, by lease."};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::string LeaderLease::this_instance() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(random());
}

LeaderLease::LeaderLease(LeaseRepository& leases, LeaderLeaseOptions options)
    : leases_(leases), options_(std::move(options)) {
  if (options_.holder.empty()) options_.holder = this_instance();
  renew();
  renewer_.emplace(std::max(options_.ttl / 3, std::chrono::milliseconds(1)), [this] { renew(); });
}

LeaderLease::~LeaderLease() {
  renewer_.reset();
  if (!held()) return;
  valid_until_ns_ = 0;
  try {
    leases_.release(options_.name, options_.holder);
  } catch (const std::exception& e) {  // it expires by itself
    observability::log_warn("lease_not_released", {{"lease", options_.name}, {"what", e.what()}});
  }
}

bool LeaderLease::held() const { return steady_ns() < valid_until_ns_.load(); }

void LeaderLease::renew() {
  const auto asked_at = steady_ns();
  const bool was_held = held();
  std::optional<LeaseGrant> grant;
  try {
    grant = leases_.acquire(options_.name, options_.holder, options_.clock->unix_millis(), options_.ttl.count());
  } catch (const std::exception& e) {
    observability::log_warn("lease_renewal_failed", {{"lease", options_.name}, {"what", e.what()}});
  }
  if (grant) {
    // Counted from when it was asked for, not answered: a slow answer shortens the hold.
    valid_until_ns_ = asked_at + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.ttl * 2 / 3).count();
    token_ = grant->token;
    if (!was_held) observability::log_info("lease_acquired", {{"lease", options_.name}, {"token", grant->token}});
  } else if (was_held && !held()) {
    observability::log_warn("lease_lost", {{"lease", options_.name}});
  }
  observability::metrics().set("octopus_lease_held{lease=\"" + observability::label_value(options_.name) + "\"}",
                               held() ? 1 : 0);
}

}  // namespace octopus::coordination
