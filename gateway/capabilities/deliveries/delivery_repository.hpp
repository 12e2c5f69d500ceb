// Partners' requests to deliver an approved offer to an audience or to a list of their
// subscriber tokens. The runner decides subscribers batch by batch; `cursor` and the
// counts move together in one write, so a restart resumes exactly after the last batch
// recorded. `sink_position` is where the channel's sink stood when that write was made:
// on resume, whatever the sink holds for this delivery past it was sent by a batch the
// crash did not let the runner record.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.hpp"

namespace octopus::deliveries {

struct DeliveryCounts {
  std::uint64_t delivered = 0, no_consent = 0, capped = 0, ineligible = 0, cancelled = 0, failed = 0;
};

struct DeliveryRecord {
  std::string id;          // "dlv_..."; ids sort by creation
  std::string partner_id;  // the owner: every partner read is scoped to it
  std::string offer_id;
  std::string audience_id;                 // empty for a token delivery
  std::vector<std::uint64_t> subscribers;  // a token delivery's targets (never shown to the partner)
  std::uint64_t target_count = 0;          // members of the audience, or tokens
  std::string purpose;
  // scheduled | running | deferred | completed | cancelled | failed
  std::string status;
  std::int64_t send_at = 0;    // Unix seconds: not before
  std::int64_t resume_at = 0;  // when deferred: the next allowed window
  std::uint64_t cursor = 0;    // the engine's member cursor, or the index into `subscribers`
  std::uint64_t decided = 0;   // subscribers decided so far
  DeliveryCounts counts;
  std::string sink_position;
  std::string policy_version;  // at acceptance
  std::string error;
  std::int64_t created_at = 0, updated_at = 0, finished_at = 0;
};

using DeliveryPage = store::Page<DeliveryRecord>;

class DeliveryRepository {
 public:
  virtual ~DeliveryRepository() = default;
  virtual store::WriteResult create_delivery(const DeliveryRecord& delivery) = 0;
  // `partner_id` empty: any partner's (the runner).
  virtual std::optional<DeliveryRecord> get_delivery(const std::string& partner_id, const std::string& id) = 0;
  virtual DeliveryPage list_deliveries(const std::string& partner_id, const std::optional<std::string>& after,
                                       std::size_t limit) = 0;
  // Every delivery in one of `statuses` (the runner's work), oldest first.
  virtual std::vector<DeliveryRecord> deliveries_in_status(const std::vector<std::string>& statuses) = 0;
  // Records a batch: cursor, decided, counts, sink_position, resume_at, error, updated_at,
  // finished_at, and status, except that a cancelled delivery stays cancelled. conflict,
  // and nothing written, when `fence` is no longer the lease's current grant.
  virtual store::WriteResult record_delivery_progress(const DeliveryRecord& delivery, const store::Fence& fence) = 0;
  // scheduled | running | deferred → cancelled; conflict when already finished.
  virtual store::WriteResult cancel_delivery(const std::string& partner_id, const std::string& id,
                                             std::int64_t now) = 0;
};

}  // namespace octopus::deliveries
