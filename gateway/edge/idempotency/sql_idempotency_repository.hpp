// Idempotency keys in the database.
#pragma once
#include <atomic>

#include "idempotency/idempotency_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::idempotency {

class SqlIdempotencyRepository final : public IdempotencyRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  IdempotencyClaim claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                         const std::string& fingerprint, std::int64_t now, std::int64_t abandoned_after,
                                         std::int64_t keep) override;
  void complete_idempotency_key(const std::string& partner_id, const std::string& key, const StoredResponse& response,
                                std::int64_t now) override;
  void release_idempotency_key(const std::string& partner_id, const std::string& key) override;

 private:
  std::optional<IdempotencyClaim> earlier_claim(store::sql::Session& session, const std::string& partner_id,
                                                const std::string& key, const std::string& fingerprint,
                                                std::int64_t now, std::int64_t abandoned_after, std::int64_t keep);
  std::atomic<std::int64_t> purged_at_{0};  // when expired keys were last forgotten
};

}  // namespace octopus::idempotency
