// Idempotency keys of partner POSTs: a partner's key, the fingerprint of the request that
// first used it, and the response once there is one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace octopus::idempotency {

struct StoredResponse {
  int status = 0;
  std::string content_type;
  std::string location;  // the Location header of a 201/202, if any
  std::string body;
};

struct IdempotencyClaim {
  enum class Outcome {
    claimed,    // first use (or the earlier attempt was abandoned): go on and answer it
    in_flight,  // an earlier request with this key is still being answered
    mismatch,   // the key was used for a different request
    replay,     // answered before: `response` is that answer
  };
  Outcome outcome = Outcome::claimed;
  std::optional<StoredResponse> response;
};

class IdempotencyRepository {
 public:
  virtual ~IdempotencyRepository() = default;
  // Scoped to the partner: another partner's identical key is a different key. A claim
  // older than `abandoned_after` seconds without a response (its gateway crashed) may be
  // claimed again; any entry older than `keep` seconds is forgotten.
  virtual IdempotencyClaim claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                                 const std::string& fingerprint, std::int64_t now,
                                                 std::int64_t abandoned_after, std::int64_t keep) = 0;
  virtual void complete_idempotency_key(const std::string& partner_id, const std::string& key,
                                        const StoredResponse& response, std::int64_t now) = 0;
  // Forgets a claim whose answer must not be replayed (a 429 or 5xx: the partner may retry).
  virtual void release_idempotency_key(const std::string& partner_id, const std::string& key) = 0;
};

}  // namespace octopus::idempotency
