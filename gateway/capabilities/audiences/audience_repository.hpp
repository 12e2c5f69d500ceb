// Partners' audiences: the engine holds the members; the gateway keeps who owns each, what
// it was defined as, and what the partner may learn of its size.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.hpp"

namespace octopus::audiences {

struct AudienceRecord {
  std::string id;          // "aud_..."; ids sort by creation
  std::string partner_id;  // the owner: every read is scoped to it
  std::string status;      // building | ready | failed | deleted
  std::string segment_json;
  std::string purpose;
  std::string engine_id;               // the engine's handle once ready
  std::optional<std::uint64_t> count;  // published (thresholded, rounded); null when suppressed
  std::uint64_t size = 0;              // exact member count: deliveries' progress, never shown to the partner
  bool suppressed = false;
  std::string reason;  // below_threshold | differencing, when suppressed
  std::string policy_version;
  std::string error;  // when failed, in words
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

using AudiencePage = store::Page<AudienceRecord>;

class AudienceRepository {
 public:
  virtual ~AudienceRepository() = default;
  // conflict: the id is taken.
  virtual store::WriteResult create_audience(const AudienceRecord& audience) = 0;
  // Only the owner's: another partner's id is as absent as an unknown one. Deleted ones too.
  virtual std::optional<AudienceRecord> get_audience(const std::string& partner_id, const std::string& id) = 0;
  // The owner's audiences that are not deleted, by id (= creation order); `after` exclusive.
  virtual AudiencePage list_audiences(const std::string& partner_id, const std::optional<std::string>& after,
                                      std::size_t limit) = 0;
  // Replaces status, engine_id, count, size, suppressed, reason, error and updated_at.
  virtual store::WriteResult update_audience(const AudienceRecord& audience) = 0;
  // Every partner's audiences in `status` (at start: those a stop left `building`).
  virtual std::vector<AudienceRecord> audiences_in_status(const std::string& status) = 0;
};

}  // namespace octopus::audiences
