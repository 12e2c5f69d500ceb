// Consent changes made at the gateway (an SMS reply TD, a customer service agent) laid over
// the engine's consent records: for a scope the gateway changed, its latest change wins.
// Deliveries and triggers read it per subscriber at send time, so a withdrawal applies to
// every message decided after it was recorded. Loaded from the Store at start and kept
// current as changes are appended (ConsentChanges writes both).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/engine.hpp"
#include "deliveries/consent_change_repository.hpp"

namespace octopus::deliveries {

class ConsentOverlay {
 public:
  ConsentOverlay();
  ~ConsentOverlay();

  // Changes must be applied in the order they were recorded.
  void apply(const deliveries::ConsentChange& change);
  // The gateway's latest change of this scope, if it made one.
  std::optional<engine::ConsentState> state(std::uint64_t subscriber, std::string_view purpose,
                                            std::string_view channel, std::string_view partner_category) const;
  // The subscriber's changed scopes, latest state of each.
  std::vector<deliveries::ConsentChange> changes_of(std::uint64_t subscriber) const;
  std::size_t subscribers() const { return subscribers_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::uint64_t, std::vector<deliveries::ConsentChange>> by_subscriber;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_of(std::uint64_t subscriber) const { return shards_[subscriber % kShards]; }
  std::unique_ptr<Shard[]> shards_;
  std::atomic<std::size_t> subscribers_{0};  // lets the common case (no change at all) skip the lock
};

// Records consent changes: appended to the repository (the durable, append-only record),
// then applied to the overlay by reading the repository on from the last change applied, so
// nothing the overlay acts on can be lost and every change is applied once, in order, with
// the changes other instances appended to the same store (catch_up, on their announcement).
class ConsentChanges {
 public:
  ConsentChanges(ConsentChangeRepository& changes, ConsentOverlay& overlay)
      : consent_changes_(changes), overlay_(overlay) {}
  // Reads every change the repository holds into the overlay.
  void load() { catch_up(); }
  // Applies the changes appended since the last one applied, here or by another instance.
  void catch_up();
  void record(deliveries::ConsentChange change);
  const ConsentOverlay& overlay() const { return overlay_; }

 private:
  ConsentChangeRepository& consent_changes_;
  ConsentOverlay& overlay_;
  std::mutex mutex_;          // one catch-up at a time: changes are applied in order
  std::int64_t applied_ = 0;  // the last change applied
};

}  // namespace octopus::deliveries
