// The authentication directory: every partner key the gateway accepts, in memory, so
// verifying a request never waits on the Store. The admin API updates it in the same
// call that writes the Store, so a revoked key or a suspended partner stops working at
// once on this instance.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "octopus/protocol/ed25519.hpp"
#include "partners/partner.hpp"

namespace octopus::auth {

struct KeyEntry {
  protocol::Ed25519PublicKey public_key{};
  bool revoked = false;
  std::shared_ptr<const partners::Partner> partner;  // without its key list
};

class PartnerDirectory {
 public:
  // Replaces the whole directory (start-up, periodic refresh).
  void load(const std::vector<partners::Partner>& partners);
  // Replaces one partner and its keys (after an admin write).
  void upsert(const partners::Partner& partner);
  std::optional<KeyEntry> find_key(const std::string& key_id) const;
  std::size_t key_count() const;
  // The active partners holding a key not revoked, sorted: those that can make requests
  // (what the quota gauges cover at each scrape, from memory rather than the store).
  std::vector<std::string> active_partner_ids() const;

 private:
  using Map = std::unordered_map<std::string, KeyEntry>;
  static void add_partner(Map& map, const partners::Partner& partner);

  mutable std::mutex mutex_;
  std::shared_ptr<const Map> keys_ = std::make_shared<Map>();
};

}  // namespace octopus::auth
