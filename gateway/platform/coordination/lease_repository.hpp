// Leases: which one of the instances sharing a store holds a piece of work (the background
// work: deliveries, webhook dispatch, following the engine's streams) and until when. A new
// holder gets a larger token than every earlier one (a fencing token).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace octopus::coordination {

struct LeaseGrant {
  std::int64_t token = 0;  // grows with each new holder; kept while the same holder renews
  std::int64_t expires_at_ms = 0;
};

class LeaseRepository {
 public:
  virtual ~LeaseRepository() = default;
  // Takes the lease `name` for `holder` until now_ms + ttl_ms when it is free, expired or
  // already `holder`'s (a renewal); nothing when another holder's has not expired.
  virtual std::optional<LeaseGrant> acquire(const std::string& name, const std::string& holder, std::int64_t now_ms,
                                            std::int64_t ttl_ms) = 0;
  // Ends `holder`'s lease now (a graceful stop: another instance takes over at once).
  virtual void release(const std::string& name, const std::string& holder) = 0;
};

}  // namespace octopus::coordination
