// The Store: the gateway's durable state behind one interface, so the embedded SQLite
// implementation and a scale-out one (PostgreSQL) are interchangeable and tested by the
// same suite. Calls may block on disk or network: callers run them on the worker pool,
// never on an I/O thread. Failures of the backing database throw StoreError.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/partner.hpp"

namespace octopus::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class WriteResult { ok, not_found, conflict };

// One entry of the append-only audit log: who did what, with which outcome, under which
// policy version. `detail` is a JSON object with what the action needs to be understood
// later (for a policy reload: the versions and the errors of a refused set).
struct AuditRecord {
  std::int64_t id = 0;  // assigned by the store, strictly increasing
  std::int64_t at = 0;  // Unix seconds
  std::string actor;    // "admin", "startup", "signal:SIGHUP", "file-watch", ...
  std::string action;   // "policy.reload", ...
  std::string subject;  // what was acted on (a policy directory, a partner id)
  std::string outcome;  // "accepted", "refused", ...
  std::string policy_version;  // the version in force once the action was done
  std::string detail = "{}";
};

struct AuditPage {
  std::vector<AuditRecord> items;
  std::optional<std::int64_t> next_after;  // id to continue after, when more remain
};

// A partner's materialised audience. The engine holds the members; the gateway keeps who
// owns it, what it was defined as, and what the partner may learn of its size.
struct AudienceRecord {
  std::string id;          // "aud_..."; ids sort by creation
  std::string partner_id;  // the owner: every read is scoped to it
  std::string status;      // building | ready | failed | deleted
  std::string segment_json;
  std::string purpose;
  std::string engine_id;   // the engine's handle once ready
  std::optional<std::uint64_t> count;  // published (thresholded, rounded); null when suppressed
  bool suppressed = false;
  std::string reason;      // below_threshold | differencing, when suppressed
  std::string policy_version;
  std::string error;       // when failed, in words
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct AudiencePage {
  std::vector<AudienceRecord> items;
  std::optional<std::string> next_after;
};

// An offer a partner asked the operator to deliver: its text, channel and product, and the
// content policy's decision (approved, rejected with reasons, or pending a human review).
struct OfferRecord {
  std::string id;          // "ofr_..."; ids sort by creation
  std::string partner_id;  // the owner: every partner read is scoped to it
  std::string name;
  std::string status;      // approved | rejected | pending_review
  std::string channel;     // sms | push | outbound_call
  std::string template_text;
  std::string product_code;
  std::string landing_url;
  std::int64_t valid_from = 0, valid_until = 0;  // Unix seconds
  std::string reasons_json = "[]";  // [{rule, detail}] when rejected
  std::string policy_version;       // the version that decided at creation
  std::string review_note, reviewer, review_policy_version;
  std::int64_t reviewed_at = 0;
  std::int64_t created_at = 0, updated_at = 0;
};

struct OfferPage {
  std::vector<OfferRecord> items;
  std::optional<std::string> next_after;
};

struct PartnerPage {
  std::vector<Partner> items;
  std::optional<std::string> next_after;  // id to continue after, when more remain
};

// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): a partner's key, the
// fingerprint of the request that first used it, and the response once there is one.
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

class Store {
 public:
  virtual ~Store() = default;

  // Partners -------------------------------------------------------------------------
  // conflict: the id is taken.
  virtual WriteResult create_partner(const Partner& partner) = 0;
  virtual std::optional<Partner> get_partner(const std::string& id) = 0;
  // Ordered by id; `after` is exclusive.
  virtual PartnerPage list_partners(const std::optional<std::string>& after, std::size_t limit) = 0;
  virtual WriteResult update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) = 0;
  // Every partner with its keys (the authentication directory is built from this).
  virtual std::vector<Partner> load_all_partners() = 0;

  // Keys -----------------------------------------------------------------------------
  // not_found: no such partner; conflict: the key id is already used (key ids are global).
  virtual WriteResult add_key(const PartnerKey& key) = 0;
  // Sets revoked_at once; revoking again keeps the first time. nullopt: no such key.
  virtual std::optional<PartnerKey> revoke_key(const std::string& partner_id, const std::string& key_id,
                                               std::int64_t now) = 0;

  // Audiences --------------------------------------------------------------------------
  // conflict: the id is taken.
  virtual WriteResult create_audience(const AudienceRecord& audience) = 0;
  // Only the owner's: another partner's id is as absent as an unknown one. Deleted ones too.
  virtual std::optional<AudienceRecord> get_audience(const std::string& partner_id, const std::string& id) = 0;
  // The owner's audiences that are not deleted, by id (= creation order); `after` exclusive.
  virtual AudiencePage list_audiences(const std::string& partner_id, const std::optional<std::string>& after,
                                      std::size_t limit) = 0;
  // Replaces status, engine_id, count, suppressed, reason, error and updated_at.
  virtual WriteResult update_audience(const AudienceRecord& audience) = 0;
  // Every partner's audiences in `status` (at start: those a stop left `building`).
  virtual std::vector<AudienceRecord> audiences_in_status(const std::string& status) = 0;

  // Audit ----------------------------------------------------------------------------
  // Appends and returns the record's id. Records are never changed or removed.
  virtual std::int64_t append_audit(const AuditRecord& record) = 0;
  // Oldest first after `after` (exclusive); `action` filters exactly when not empty.
  virtual AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const std::string& action) = 0;

  // Health ---------------------------------------------------------------------------
  // Offers -----------------------------------------------------------------------------
  virtual WriteResult create_offer(const OfferRecord& offer) = 0;
  // `partner_id` empty: any partner's (the admin plane).
  virtual std::optional<OfferRecord> get_offer(const std::string& partner_id, const std::string& id) = 0;
  // `partner_id` empty: every partner's; `status` empty: any status.
  virtual OfferPage list_offers(const std::string& partner_id, const std::string& status,
                                const std::optional<std::string>& after, std::size_t limit) = 0;
  // Records a review of a pending offer; not_found when it is not (or no longer) pending.
  virtual WriteResult review_offer(const OfferRecord& reviewed) = 0;

  // Idempotency keys -------------------------------------------------------------------
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

  virtual bool healthy() = 0;
};

}  // namespace octopus::store
