// Partners' real-time triggers: when `event_type` happens to a subscriber of the segment
// (materialised in the engine as `engine_audience_id`), the offer is sent to them, at most
// once per `cooldown_seconds`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/repository.hpp"

namespace octopus::triggers {

// What the store announces to every instance after a trigger is created or deleted (a store
// shared by several instances: the instance running the triggers reloads them).
inline constexpr const char* kTriggersTopic = "triggers";

// What a trigger did, in aggregate: the only thing its partner ever learns of the events.
struct TriggerCounts {
  std::uint64_t matched = 0;  // events of the type for subscribers of the segment
  std::uint64_t sent = 0, no_consent = 0, capped = 0, ineligible = 0, cooling_down = 0, quiet_hours = 0;
  bool empty() const { return matched == 0; }
};

struct TriggerRecord {
  std::string id;  // "trg_..."
  std::string partner_id;
  std::string offer_id;
  std::string event_type;
  std::string segment_json;
  std::string purpose;
  std::int64_t cooldown_seconds = 0;
  std::string engine_audience_id;
  std::uint64_t segment_size = 0;  // exact, never shown
  std::string status;              // active | deleted
  std::string policy_version;
  TriggerCounts counts;
  std::int64_t created_at = 0, updated_at = 0;
};

using TriggerPage = store::Page<TriggerRecord>;

class TriggerRepository {
 public:
  virtual ~TriggerRepository() = default;
  virtual store::WriteResult create_trigger(const TriggerRecord& trigger) = 0;
  virtual std::optional<TriggerRecord> get_trigger(const std::string& partner_id, const std::string& id) = 0;
  // The partner's active triggers by id.
  virtual TriggerPage list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                                    std::size_t limit) = 0;
  virtual std::vector<TriggerRecord> active_triggers() = 0;
  // Adds each delta to its trigger's counts, all in one write.
  virtual void add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) = 0;
  // active → deleted; not_found when not the partner's or already deleted.
  virtual store::WriteResult delete_trigger(const std::string& partner_id, const std::string& id, std::int64_t now) = 0;
};

}  // namespace octopus::triggers
