// The embedded Store: one SQLite file in the data directory, WAL journal, full fsync on
// commit (an acknowledged write survives a crash), schema versioned by numbered
// migrations applied at open.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "privacy/release_ledger.hpp"
#include "store/store.hpp"

struct sqlite3;

namespace octopus::store {

// Also the privacy budget's books (privacy::ReleaseLedger), on the same connection.
class SqliteStore final : public Store, public privacy::ReleaseLedger {
 public:
  // Opens (creating if needed) `path` and migrates it. Throws StoreError.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  WriteResult create_partner(const Partner& partner) override;
  std::optional<Partner> get_partner(const std::string& id) override;
  PartnerPage list_partners(const std::optional<std::string>& after, std::size_t limit) override;
  WriteResult update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) override;
  std::vector<Partner> load_all_partners() override;
  WriteResult add_key(const PartnerKey& key) override;
  std::optional<PartnerKey> revoke_key(const std::string& partner_id, const std::string& key_id,
                                       std::int64_t now) override;
  WriteResult create_audience(const AudienceRecord& audience) override;
  std::optional<AudienceRecord> get_audience(const std::string& partner_id, const std::string& id) override;
  AudiencePage list_audiences(const std::string& partner_id, const std::optional<std::string>& after,
                              std::size_t limit) override;
  WriteResult update_audience(const AudienceRecord& audience) override;
  std::vector<AudienceRecord> audiences_in_status(const std::string& status) override;
  std::int64_t append_audit(const AuditRecord& record) override;
  AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const std::string& action) override;
  WriteResult create_offer(const OfferRecord& offer) override;
  std::optional<OfferRecord> get_offer(const std::string& partner_id, const std::string& id) override;
  OfferPage list_offers(const std::string& partner_id, const std::string& status,
                        const std::optional<std::string>& after, std::size_t limit) override;
  WriteResult review_offer(const OfferRecord& reviewed) override;
  IdempotencyClaim claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                         const std::string& fingerprint, std::int64_t now,
                                         std::int64_t abandoned_after, std::int64_t keep) override;
  void complete_idempotency_key(const std::string& partner_id, const std::string& key,
                                const StoredResponse& response, std::int64_t now) override;
  void release_idempotency_key(const std::string& partner_id, const std::string& key) override;
  WriteResult create_delivery(const DeliveryRecord& delivery) override;
  std::optional<DeliveryRecord> get_delivery(const std::string& partner_id, const std::string& id) override;
  DeliveryPage list_deliveries(const std::string& partner_id, const std::optional<std::string>& after,
                               std::size_t limit) override;
  std::vector<DeliveryRecord> deliveries_in_status(const std::vector<std::string>& statuses) override;
  WriteResult record_delivery_progress(const DeliveryRecord& delivery) override;
  WriteResult cancel_delivery(const std::string& partner_id, const std::string& id, std::int64_t now) override;
  std::int64_t append_consent_change(const ConsentChange& change) override;
  std::vector<ConsentChange> consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                             std::size_t limit) override;
  void remember_subscriber_token(const std::string& partner_id, const std::string& token, std::uint64_t subscriber,
                                 std::int64_t now) override;
  std::vector<std::optional<std::uint64_t>> resolve_subscriber_tokens(const std::string& partner_id,
                                                                      const std::vector<std::string>& tokens) override;
  WriteResult create_trigger(const TriggerRecord& trigger) override;
  std::optional<TriggerRecord> get_trigger(const std::string& partner_id, const std::string& id) override;
  TriggerPage list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                            std::size_t limit) override;
  std::vector<TriggerRecord> active_triggers() override;
  void add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) override;
  WriteResult delete_trigger(const std::string& partner_id, const std::string& id, std::int64_t now) override;
  std::uint64_t stream_cursor(const std::string& name) override;
  void set_stream_cursor(const std::string& name, std::uint64_t position) override;
  bool healthy() override;

  std::optional<std::string> find(const std::string& account, const std::string& key) override;
  std::optional<std::string> record(const privacy::ReleaseEntry& entry, std::uint64_t cap_milli) override;
  privacy::BudgetUse use(const std::string& account, const std::string& period) override;

  // The schema version after migration (tests, readiness).
  int schema_version();

 private:
  void migrate();
  std::optional<Partner> get_partner_locked(const std::string& id);
  std::vector<PartnerKey> keys_of_locked(const std::string& partner_id);

  std::mutex mutex_;  // one connection, serialized: SQLite allows one writer anyway
  sqlite3* db_ = nullptr;
  std::int64_t idempotency_purged_at_ = 0;  // under mutex_
};

}  // namespace octopus::store
