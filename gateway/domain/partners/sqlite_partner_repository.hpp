// The partner registry in the embedded database.
#pragma once
#include "partners/partner_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace octopus::partners {

class SqlitePartnerRepository final : public PartnerRepository, store::sqlite::SqliteRepository {
 public:
  using SqliteRepository::SqliteRepository;

  store::WriteResult create_partner(const Partner& partner) override;
  std::optional<Partner> get_partner(const std::string& id) override;
  PartnerPage list_partners(const std::optional<std::string>& after, std::size_t limit) override;
  store::WriteResult update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) override;
  std::vector<Partner> load_all_partners() override;
  store::WriteResult add_key(const PartnerKey& key) override;
  std::optional<PartnerKey> revoke_key(const std::string& partner_id, const std::string& key_id,
                                       std::int64_t now) override;

 private:
  std::vector<PartnerKey> keys_of(const std::string& partner_id);  // under the lock
  std::optional<Partner> find(const std::string& id);              // under the lock
  void attach_keys(std::vector<Partner>& partners);                // under the lock
};

}  // namespace octopus::partners
