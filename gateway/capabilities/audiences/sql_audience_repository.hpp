// Audiences in the embedded database.
#pragma once
#include "audiences/audience_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::audiences {

class SqlAudienceRepository final : public AudienceRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_audience(const AudienceRecord& audience) override;
  std::optional<AudienceRecord> get_audience(const std::string& partner_id, const std::string& id) override;
  AudiencePage list_audiences(const std::string& partner_id, const std::optional<std::string>& after,
                              std::size_t limit) override;
  store::WriteResult update_audience(const AudienceRecord& audience) override;
  std::vector<AudienceRecord> audiences_in_status(const std::string& status) override;
};

}  // namespace octopus::audiences
