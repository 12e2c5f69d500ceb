// Idempotency keys in the embedded database.
#pragma once
#include "idempotency/idempotency_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace octopus::idempotency {

class SqliteIdempotencyRepository final : public IdempotencyRepository, store::sqlite::SqliteRepository {
 public:
  using SqliteRepository::SqliteRepository;
  IdempotencyClaim claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                         const std::string& fingerprint, std::int64_t now, std::int64_t abandoned_after,
                                         std::int64_t keep) override;
  void complete_idempotency_key(const std::string& partner_id, const std::string& key, const StoredResponse& response,
                                std::int64_t now) override;
  void release_idempotency_key(const std::string& partner_id, const std::string& key) override;

 private:
  std::optional<IdempotencyClaim> earlier_claim(const std::string& partner_id, const std::string& key,
                                                const std::string& fingerprint, std::int64_t now,
                                                std::int64_t abandoned_after, std::int64_t keep);
  std::int64_t purged_at_ = 0;  // when expired keys were last forgotten (under the lock)
};

}  // namespace octopus::idempotency
