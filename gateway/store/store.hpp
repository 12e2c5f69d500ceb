// The Store: the gateway's durable state behind one interface, so the embedded SQLite
// implementation and a scale-out one (PostgreSQL) are interchangeable and tested by the
// same suite. Calls may block on disk or network: callers run them on the worker pool,
// never on an I/O thread. Failures of the backing database throw StoreError.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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
  std::uint64_t size = 0;  // exact member count: deliveries' progress, never shown to the partner
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

// A partner's request to deliver an approved offer to an audience or to a list of its
// subscriber tokens. The runner decides subscribers batch by batch; `cursor` and the
// counts move together in one write, so a restart resumes exactly after the last batch
// recorded. `sink_position` is where the channel's sink stood when that write was made:
// on resume, whatever the sink holds for this delivery past it was sent by a batch the
// crash did not let the runner record.
struct DeliveryCounts {
  std::uint64_t delivered = 0, no_consent = 0, capped = 0, ineligible = 0, cancelled = 0, failed = 0;
};

struct DeliveryRecord {
  std::string id;          // "dlv_..."; ids sort by creation
  std::string partner_id;  // the owner: every partner read is scoped to it
  std::string offer_id;
  std::string audience_id;  // empty for a token delivery
  std::vector<std::uint64_t> subscribers;  // a token delivery's targets (never shown to the partner)
  std::uint64_t target_count = 0;  // members of the audience, or tokens
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

struct DeliveryPage {
  std::vector<DeliveryRecord> items;
  std::optional<std::string> next_after;
};

// A change to one subscriber's consent made at the gateway (an SMS reply TD, a customer
// service agent): it overrides the engine's record for that scope from `at` on. Changes
// are appended, never edited; the latest change of a scope wins.
struct ConsentChange {
  std::int64_t id = 0;  // assigned by the store
  std::uint64_t subscriber = 0;
  std::string purpose, channel, partner_category;
  std::string state;   // granted | withdrawn
  std::string actor;   // "sms-reply", "admin", ...
  std::string reason;  // e.g. "TD reply", or the agent's note
  std::int64_t at = 0;
};

// A partner's real-time trigger: when `event_type` happens to a subscriber of the segment
// (materialised in the engine as `engine_audience_id`), the offer is sent to them, at
// most once per `cooldown_seconds`.
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
  std::string status;  // active | deleted
  std::string policy_version;
  TriggerCounts counts;
  std::int64_t created_at = 0, updated_at = 0;
};

struct TriggerPage {
  std::vector<TriggerRecord> items;
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
  // Replaces status, engine_id, count, size, suppressed, reason, error and updated_at.
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

  // Deliveries ---------------------------------------------------------------------------
  virtual WriteResult create_delivery(const DeliveryRecord& delivery) = 0;
  // `partner_id` empty: any partner's (the runner).
  virtual std::optional<DeliveryRecord> get_delivery(const std::string& partner_id, const std::string& id) = 0;
  virtual DeliveryPage list_deliveries(const std::string& partner_id, const std::optional<std::string>& after,
                                       std::size_t limit) = 0;
  // Every delivery in one of `statuses` (the runner's work), oldest first.
  virtual std::vector<DeliveryRecord> deliveries_in_status(const std::vector<std::string>& statuses) = 0;
  // Records a batch: cursor, decided, counts, sink_position, resume_at, error, updated_at,
  // finished_at, and status, except that a cancelled delivery stays cancelled.
  virtual WriteResult record_delivery_progress(const DeliveryRecord& delivery) = 0;
  // scheduled | running | deferred → cancelled; conflict when already finished.
  virtual WriteResult cancel_delivery(const std::string& partner_id, const std::string& id, std::int64_t now) = 0;

  // Consent changes ----------------------------------------------------------------------
  virtual std::int64_t append_consent_change(const ConsentChange& change) = 0;
  // Oldest first, after `after_id` (exclusive); 0 for every subscriber.
  virtual std::vector<ConsentChange> consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                                     std::size_t limit) = 0;

  // Partner-scoped subscriber tokens -------------------------------------------------------
  // Remembers which subscriber a token issued to a partner stands for (tokens are one-way).
  virtual void remember_subscriber_token(const std::string& partner_id, const std::string& token,
                                         std::uint64_t subscriber, std::int64_t now) = 0;
  // The subscriber of each token this partner was issued; nullopt for any other token.
  virtual std::vector<std::optional<std::uint64_t>> resolve_subscriber_tokens(
      const std::string& partner_id, const std::vector<std::string>& tokens) = 0;

  // Triggers -------------------------------------------------------------------------------
  virtual WriteResult create_trigger(const TriggerRecord& trigger) = 0;
  virtual std::optional<TriggerRecord> get_trigger(const std::string& partner_id, const std::string& id) = 0;
  // The partner's active triggers by id.
  virtual TriggerPage list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                                    std::size_t limit) = 0;
  virtual std::vector<TriggerRecord> active_triggers() = 0;
  // Adds each delta to its trigger's counts, all in one write.
  virtual void add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) = 0;
  // active → deleted; not_found when not the partner's or already deleted.
  virtual WriteResult delete_trigger(const std::string& partner_id, const std::string& id, std::int64_t now) = 0;

  // Stream cursors: where a follower of an engine stream stopped ----------------------------
  virtual std::uint64_t stream_cursor(const std::string& name) = 0;
  virtual void set_stream_cursor(const std::string& name, std::uint64_t position) = 0;

  virtual bool healthy() = 0;
};

}  // namespace octopus::store
