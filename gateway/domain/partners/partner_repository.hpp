// The partner registry's tables: partners and their signing keys.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "partners/partner.hpp"
#include "store/repository.hpp"

namespace octopus::partners {

using PartnerPage = store::Page<Partner>;

// What the store announces to every instance after a partner or key changes (a store shared
// by several instances: store::sql::Connection::announce).
inline constexpr const char* kPartnersTopic = "partners";

class PartnerRepository {
 public:
  virtual ~PartnerRepository() = default;

  // conflict: the id is taken.
  virtual store::WriteResult create_partner(const Partner& partner) = 0;
  virtual std::optional<Partner> get_partner(const std::string& id) = 0;
  // Ordered by id; `after` is exclusive.
  virtual PartnerPage list_partners(const std::optional<std::string>& after, std::size_t limit) = 0;
  virtual store::WriteResult update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) = 0;
  // Every partner with its keys (the authentication directory is built from this).
  virtual std::vector<Partner> load_all_partners() = 0;

  // not_found: no such partner; conflict: the key id is already used (key ids are global).
  virtual store::WriteResult add_key(const PartnerKey& key) = 0;
  // Sets revoked_at once; revoking again keeps the first time. nullopt: no such key.
  virtual std::optional<PartnerKey> revoke_key(const std::string& partner_id, const std::string& key_id,
                                               std::int64_t now) = 0;
};

}  // namespace octopus::partners
