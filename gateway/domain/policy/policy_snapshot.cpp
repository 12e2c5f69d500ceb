#include "policy/policy_snapshot.hpp"

#include <algorithm>
#include <atomic>

namespace octopus::policy {

namespace {
template <typename Id, typename Range, typename NameOf>
std::optional<Id> find_index(const Range& range, std::string_view name, NameOf name_of) {
  for (std::size_t i = 0; i < range.size(); ++i)
    if (name_of(range[i]) == name) return static_cast<Id>(i);
  return std::nullopt;
}
const std::string& self(const std::string& s) { return s; }
}  // namespace

std::uint64_t SnapshotSerial::next() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::optional<PurposeId> PolicySnapshot::purpose_id(std::string_view name) const {
  return find_index<PurposeId>(consent.purposes, name, self);
}

std::optional<CategoryId> PolicySnapshot::category_id(std::string_view name) const {
  return find_index<CategoryId>(consent.categories, name, self);
}

std::optional<TierId> PolicySnapshot::tier_id(std::string_view name) const {
  return find_index<TierId>(privacy.tiers, name, [](const Tier& t) -> const std::string& { return t.name; });
}

const QuotaPlan& PolicySnapshot::plan_for(std::string_view partner_id) const {
  auto it = quotas.partner_plans.find(partner_id);
  return quotas.plans[it == quotas.partner_plans.end() ? quotas.default_plan : it->second];
}

PlanChoice PolicySnapshot::plan_choice(std::string_view partner_id) const {
  auto it = quotas.partner_plans.find(partner_id);
  if (it == quotas.partner_plans.end()) return {quotas.plans[quotas.default_plan], quotas.default_plan_rule};
  return {quotas.plans[it->second], quotas.partner_plan_rules.find(partner_id)->second};
}

const SettlementWindows& SettlementPolicy::windows_for(std::string_view product_code) const {
  const auto it = by_product.find(product_code);
  return it == by_product.end() ? defaults : it->second;
}

std::chrono::milliseconds SettlementPolicy::longest_attribution() const {
  auto longest = defaults.attribution;
  for (const auto& [code, w] : by_product) longest = std::max(longest, w.attribution);
  return longest;
}

}  // namespace octopus::policy
