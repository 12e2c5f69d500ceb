// The partner registry in the embedded database.
#pragma once
#include "partners/partner_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::partners {

class SqlPartnerRepository final : public PartnerRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;

  store::WriteResult create_partner(const Partner& partner) override;
  std::optional<Partner> get_partner(const std::string& id) override;
  PartnerPage list_partners(const std::optional<std::string>& after, std::size_t limit) override;
  store::WriteResult update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) override;
  std::vector<Partner> load_all_partners() override;
  store::WriteResult add_key(const PartnerKey& key) override;
  std::optional<PartnerKey> revoke_key(const std::string& partner_id, const std::string& key_id,
                                       std::int64_t now) override;

 private:
  std::vector<PartnerKey> keys_of(store::sql::Session& session, const std::string& partner_id);
  std::optional<Partner> find(store::sql::Session& session, const std::string& id);
  void attach_keys(store::sql::Session& session, std::vector<Partner>& partners);
};

}  // namespace octopus::partners
