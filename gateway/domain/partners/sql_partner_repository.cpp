#include "partners/sql_partner_repository.hpp"

#include <cstring>
#include <unordered_map>

#include "store/sql/row_mapper.hpp"

namespace octopus::store::sql {
// An unreadable status is the safe one.
template <>
struct ColumnValue<partners::PartnerStatus>
    : NamedColumnValue<partners::PartnerStatus, partners::parse_partner_status, partners::PartnerStatus::suspended> {};
}  // namespace octopus::store::sql

namespace octopus::partners {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {

const RowMapper<Partner> kPartners("partners", {
                                                   column("id", &Partner::id),
                                                   column("display_name", &Partner::display_name),
                                                   column("status", &Partner::status),
                                                   column("tier", &Partner::tier),
                                                   column("category", &Partner::category),
                                                   column("scopes", &Partner::scopes),
                                                   column("created_at", &Partner::created_at),
                                                   column("updated_at", &Partner::updated_at),
                                                   column("organisation", &Partner::organisation),
                                               });

const RowMapper<PartnerKey> kKeys("partner_keys", {
                                                      column("key_id", &PartnerKey::key_id),
                                                      column("partner_id", &PartnerKey::partner_id),
                                                      column("algorithm", &PartnerKey::algorithm),
                                                      column("public_key", &PartnerKey::public_key),
                                                      column("created_at", &PartnerKey::created_at),
                                                      column("revoked_at", &PartnerKey::revoked_at),
                                                  });

}  // namespace

WriteResult SqlPartnerRepository::create_partner(const Partner& p) {
  auto session = db_.session();
  Statement st(session, kPartners.insert());
  kPartners.bind(st, p);
  if (!st.exec_unique()) return WriteResult::conflict;
  session.connection().announce(kPartnersTopic);
  return WriteResult::ok;
}

std::vector<PartnerKey> SqlPartnerRepository::keys_of(store::sql::Session& session, const std::string& partner_id) {
  Statement st(session, kKeys.select("WHERE partner_id = :partner ORDER BY created_at, key_id"));
  st.bind(":partner", partner_id);
  return kKeys.read_all(st);
}

void SqlPartnerRepository::attach_keys(store::sql::Session& session, std::vector<Partner>& partners) {
  for (auto& p : partners) p.keys = keys_of(session, p.id);
}

std::optional<Partner> SqlPartnerRepository::find(store::sql::Session& session, const std::string& id) {
  Statement st(session, kPartners.select("WHERE id = :id"));
  st.bind(":id", id);
  if (!st.step()) return std::nullopt;
  Partner p = kPartners.read(st);
  p.keys = keys_of(session, p.id);
  return p;
}

std::optional<Partner> SqlPartnerRepository::get_partner(const std::string& id) {
  auto session = db_.session();
  return find(session, id);
}

PartnerPage SqlPartnerRepository::list_partners(const std::optional<std::string>& after, std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kPartners.select("WHERE id > :after ORDER BY id LIMIT :limit"));
  st.bind(":after", after.value_or(std::string())).bind(":limit", static_cast<std::int64_t>(limit + 1));
  auto page = kPartners.read_page(st, limit);
  attach_keys(session, page.items);
  return page;
}

WriteResult SqlPartnerRepository::update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) {
  auto session = db_.session();
  Transaction tx(session);
  auto current = find(session, id);
  if (!current) return WriteResult::not_found;
  if (patch.display_name) current->display_name = *patch.display_name;
  if (patch.status) current->status = *patch.status;
  if (patch.tier) current->tier = *patch.tier;
  if (patch.scopes) current->scopes = *patch.scopes;
  if (patch.organisation) current->organisation = *patch.organisation;
  current->updated_at = now;
  Statement st(session,
               "UPDATE partners SET display_name = :display_name, status = :status, tier = :tier, scopes = :scopes, "
               "organisation = :organisation, updated_at = :updated_at WHERE id = :id");
  kPartners.bind(st, *current);
  st.step();
  session.connection().announce(kPartnersTopic);
  tx.commit();
  return WriteResult::ok;
}

std::vector<Partner> SqlPartnerRepository::load_all_partners() {
  auto session = db_.session();
  Statement st(session, kPartners.select("ORDER BY id"));
  auto out = kPartners.read_all(st);
  // Every key in one read, not one read per partner: every instance reloads the whole
  // registry whenever any partner changes.
  Statement keys(session, kKeys.select("ORDER BY partner_id, created_at, key_id"));
  std::unordered_map<std::string, std::vector<PartnerKey>> by_partner;
  for (auto& k : kKeys.read_all(keys)) by_partner[k.partner_id].push_back(std::move(k));
  for (auto& p : out)
    if (auto it = by_partner.find(p.id); it != by_partner.end()) p.keys = std::move(it->second);
  return out;
}

WriteResult SqlPartnerRepository::add_key(const PartnerKey& k) {
  auto session = db_.session();
  Transaction tx(session);
  if (!find(session, k.partner_id)) return WriteResult::not_found;
  PartnerKey key = k;
  key.revoked_at.reset();  // a key is added live
  Statement st(session, kKeys.insert());
  kKeys.bind(st, key);
  if (!st.exec_unique()) return WriteResult::conflict;
  session.connection().announce(kPartnersTopic);
  tx.commit();
  return WriteResult::ok;
}

std::optional<PartnerKey> SqlPartnerRepository::revoke_key(const std::string& partner_id, const std::string& key_id,
                                                           std::int64_t now) {
  auto session = db_.session();
  Transaction tx(session);
  {
    Statement st(session,
                 "UPDATE partner_keys SET revoked_at = :now "
                 "WHERE key_id = :key AND partner_id = :partner AND revoked_at IS NULL");
    st.bind(":now", now).bind(":key", key_id).bind(":partner", partner_id);
    st.step();
  }
  Statement st(session, kKeys.select("WHERE key_id = :key AND partner_id = :partner"));
  st.bind(":key", key_id).bind(":partner", partner_id);
  if (!st.step()) return std::nullopt;
  PartnerKey key = kKeys.read(st);
  session.connection().announce(kPartnersTopic);
  tx.commit();
  return key;
}

}  // namespace octopus::partners
