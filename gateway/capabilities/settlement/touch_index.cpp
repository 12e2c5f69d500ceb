#include "settlement/touch_index.hpp"

#include <algorithm>

namespace octopus::settlement {

std::uint32_t TouchIndex::intern(const std::string& name) {
  const auto [it, added] = ids_.try_emplace(name, static_cast<std::uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void TouchIndex::insert(std::uint64_t subscriber, const Entry& e) {
  auto& entries = by_subscriber_[subscriber];
  // Kept in time order; messages mostly arrive in order, so this is an append.
  const auto at = std::upper_bound(entries.begin(), entries.end(), e.at_ms,
                                   [](std::int64_t t, const Entry& x) { return t < x.at_ms; });
  entries.insert(at, e);
}

void TouchIndex::record(std::uint64_t subscriber, const std::string& product_code, const Touch& touch) {
  record(std::span<const std::uint64_t>(&subscriber, 1), product_code, touch);
}

void TouchIndex::record(std::span<const std::uint64_t> subscribers, const std::string& product_code,
                        const Touch& touch) {
  std::lock_guard lock(mutex_);
  const Entry e{touch.at_ms, intern(product_code), intern(touch.partner_id), intern(touch.offer_id),
                intern(touch.source_id)};
  for (const auto subscriber : subscribers) insert(subscriber, e);
}

std::optional<Touch> TouchIndex::last_touch(std::uint64_t subscriber, const std::string& product_code,
                                            std::int64_t order_ms, std::int64_t window_ms) const {
  std::lock_guard lock(mutex_);
  const auto subscriber_entries = by_subscriber_.find(subscriber);
  const auto product = ids_.find(product_code);
  if (subscriber_entries == by_subscriber_.end() || product == ids_.end()) return std::nullopt;
  const auto& entries = subscriber_entries->second;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->at_ms > order_ms) continue;  // sent after the order: it did not bring it
    if (it->at_ms < order_ms - window_ms) break;
    if (it->product == product->second)
      return Touch{it->at_ms, names_[it->partner], names_[it->offer], names_[it->source]};
  }
  return std::nullopt;
}

void TouchIndex::forget_before(std::int64_t before_ms) {
  std::lock_guard lock(mutex_);
  for (auto it = by_subscriber_.begin(); it != by_subscriber_.end();) {
    auto& entries = it->second;
    entries.erase(entries.begin(), std::lower_bound(entries.begin(), entries.end(), before_ms,
                                                    [](const Entry& x, std::int64_t t) { return x.at_ms < t; }));
    it = entries.empty() ? by_subscriber_.erase(it) : std::next(it);
  }
}

std::size_t TouchIndex::touches() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [subscriber, entries] : by_subscriber_) n += entries.size();
  return n;
}

}  // namespace octopus::settlement
