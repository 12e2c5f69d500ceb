#include "auth/partner_directory.hpp"

#include <set>

namespace octopus::auth {

void PartnerDirectory::add_partner(Map& map, const partners::Partner& partner) {
  auto shared = std::make_shared<partners::Partner>(partner);
  shared->keys.clear();
  for (const auto& k : partner.keys) {
    if (k.algorithm != "ed25519") continue;
    map[k.key_id] = KeyEntry{k.public_key, k.revoked_at.has_value(), shared};
  }
}

void PartnerDirectory::load(const std::vector<partners::Partner>& partners) {
  auto map = std::make_shared<Map>();
  for (const auto& p : partners) add_partner(*map, p);
  std::lock_guard lock(mutex_);
  keys_ = std::move(map);
}

void PartnerDirectory::upsert(const partners::Partner& partner) {
  std::lock_guard lock(mutex_);
  // Copy-on-write: readers holding the old map keep a consistent view.
  auto map = std::make_shared<Map>(*keys_);
  for (auto it = map->begin(); it != map->end();) {
    if (it->second.partner->id == partner.id)
      it = map->erase(it);
    else
      ++it;
  }
  add_partner(*map, partner);
  keys_ = std::move(map);
}

std::optional<KeyEntry> PartnerDirectory::find_key(const std::string& key_id) const {
  std::shared_ptr<const Map> map;
  {
    std::lock_guard lock(mutex_);
    map = keys_;
  }
  auto it = map->find(key_id);
  if (it == map->end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> PartnerDirectory::active_partner_ids() const {
  std::shared_ptr<const Map> map;
  {
    std::lock_guard lock(mutex_);
    map = keys_;
  }
  std::set<std::string> ids;
  for (const auto& [key_id, entry] : *map)
    if (!entry.revoked && entry.partner->status == partners::PartnerStatus::active) ids.insert(entry.partner->id);
  return {ids.begin(), ids.end()};
}

std::size_t PartnerDirectory::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_->size();
}

}  // namespace octopus::auth
