// Issued subscriber tokens in the embedded database.
#pragma once
#include "store/sql/sql_repository.hpp"
#include "tokens/subscriber_token_repository.hpp"

namespace octopus::tokens {

class SqlSubscriberTokenRepository final : public SubscriberTokenRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  void remember_subscriber_token(const std::string& partner_id, const std::string& token, std::uint64_t subscriber,
                                 std::int64_t now) override;
  std::vector<std::optional<std::uint64_t>> resolve_subscriber_tokens(const std::string& partner_id,
                                                                      const std::vector<std::string>& tokens) override;
};

}  // namespace octopus::tokens
