// Changes to one subscriber's consent made at the gateway (an SMS reply TD, a customer
// service agent): each overrides the engine's record for its scope from `at` on. Changes
// are appended, never edited; the latest change of a scope wins.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace octopus::deliveries {

// What the store announces to every instance after a consent change is appended (a store
// shared by several instances: store::sql::Connection::announce).
inline constexpr const char* kConsentChangesTopic = "consent_changes";

struct ConsentChange {
  std::int64_t id = 0;  // assigned by the store
  std::uint64_t subscriber = 0;
  std::string purpose, channel, partner_category;
  std::string state;   // granted | withdrawn
  std::string actor;   // "sms-reply", "admin", ...
  std::string reason;  // e.g. "TD reply", or the agent's note
  std::int64_t at = 0;
};

class ConsentChangeRepository {
 public:
  virtual ~ConsentChangeRepository() = default;
  // Ids grow in the order changes are committed (appends are serialised), so a reader that
  // has seen id N has seen every change before it.
  virtual std::int64_t append_consent_change(const ConsentChange& change) = 0;
  // Oldest first, after `after_id` (exclusive); `subscriber` 0 for every subscriber.
  virtual std::vector<ConsentChange> consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                                     std::size_t limit) = 0;
};

}  // namespace octopus::deliveries
