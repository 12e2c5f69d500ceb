#include "deliveries/consent_overlay.hpp"

#include <mutex>

namespace octopus::deliveries {

ConsentOverlay::ConsentOverlay() : shards_(std::make_unique<Shard[]>(kShards)) {}
ConsentOverlay::~ConsentOverlay() = default;

void ConsentOverlay::apply(const deliveries::ConsentChange& change) {
  auto& shard = shard_of(change.subscriber);
  std::unique_lock lock(shard.mutex);
  auto [it, added] = shard.by_subscriber.try_emplace(change.subscriber);
  if (added) subscribers_.fetch_add(1, std::memory_order_relaxed);
  for (auto& c : it->second)
    if (c.purpose == change.purpose && c.channel == change.channel && c.partner_category == change.partner_category) {
      c = change;
      return;
    }
  it->second.push_back(change);
}

std::optional<engine::ConsentState> ConsentOverlay::state(std::uint64_t subscriber, std::string_view purpose,
                                                          std::string_view channel,
                                                          std::string_view partner_category) const {
  if (subscribers_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  auto& shard = shard_of(subscriber);
  std::shared_lock lock(shard.mutex);
  auto it = shard.by_subscriber.find(subscriber);
  if (it == shard.by_subscriber.end()) return std::nullopt;
  for (const auto& c : it->second)
    if (c.purpose == purpose && c.channel == channel && c.partner_category == partner_category)
      return c.state == "granted" ? engine::ConsentState::granted : engine::ConsentState::withdrawn;
  return std::nullopt;
}

std::vector<deliveries::ConsentChange> ConsentOverlay::changes_of(std::uint64_t subscriber) const {
  auto& shard = shard_of(subscriber);
  std::shared_lock lock(shard.mutex);
  auto it = shard.by_subscriber.find(subscriber);
  return it == shard.by_subscriber.end() ? std::vector<deliveries::ConsentChange>{} : it->second;
}

void ConsentChanges::catch_up() {
  std::lock_guard lock(mutex_);
  for (;;) {
    auto page = consent_changes_.consent_changes(applied_, 0, 10000);
    if (page.empty()) break;
    for (const auto& c : page) overlay_.apply(c);
    applied_ = page.back().id;
  }
}

void ConsentChanges::record(deliveries::ConsentChange change) {
  consent_changes_.append_consent_change(change);
  catch_up();  // applies it, after anything another instance appended before it
}

}  // namespace octopus::deliveries
