#include "engine/reference/reachable_subscribers.hpp"

#include <algorithm>
#include <vector>

namespace octopus::engine::reference {

Bitmap ReachableSubscribers::compute(const ConsentFilter& filter) const {
  const auto purpose = schema_.purpose_index(filter.purpose);
  const auto category = schema_.category_index(filter.partner_category);
  Bitmap consenting;
  if (!purpose || !category) return consenting;
  for (const auto& name : filter.channels) {
    const auto channel = schema_.channel_index(name);
    if (!channel) continue;
    const auto scope = schema_.scope_index({*purpose, *channel, *category});
    consenting |= index_.granted(scope) - index_.withdrawn(scope);
  }
  consenting &= index_.value(Attr::status, schema_.code(Attr::status, "active"));
  consenting.optimise();
  return consenting;
}

std::shared_ptr<const Bitmap> ReachableSubscribers::get(const ConsentFilter& filter) const {
  std::vector<std::size_t> channels;
  for (const auto& c : filter.channels)
    if (const auto i = schema_.channel_index(c)) channels.push_back(*i);
  std::sort(channels.begin(), channels.end());
  channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
  std::string key = filter.purpose + '\n' + filter.partner_category + '\n';
  for (auto c : channels) key += std::to_string(c) + ',';

  {
    std::lock_guard lock(mutex_);
    if (const auto it = kept_.find(key); it != kept_.end()) return it->second;
  }
  // Computed outside the lock: two first callers may both compute; one result is kept.
  auto computed = std::make_shared<const Bitmap>(compute(filter));
  std::lock_guard lock(mutex_);
  if (kept_.size() >= kMaxKept) kept_.clear();
  return kept_.emplace(key, std::move(computed)).first->second;
}

}  // namespace octopus::engine::reference
