#include "policy/privacy_evaluator.hpp"

#include <algorithm>

namespace octopus::policy {

namespace {
std::uint64_t round_half_up(std::uint64_t value, std::uint64_t step) { return (value + step / 2) / step * step; }

bool sorted_contains(const std::vector<std::string>& v, std::string_view x) {
  auto it = std::lower_bound(v.begin(), v.end(), x, [](const std::string& a, std::string_view b) { return a < b; });
  return it != v.end() && *it == x;
}
}  // namespace

Decision check_attribute(const PolicySnapshot& snapshot, TierId tier, std::string_view attribute) {
  const PrivacyPolicy& p = snapshot.privacy;
  if (sorted_contains(p.never_targetable, attribute)) return {false, p.never_targetable_rule, snapshot.version};
  const Tier& t = p.tiers[tier];
  return {sorted_contains(t.targetable, attribute), t.rule, snapshot.version};
}

Decision check_segment_shape(const PolicySnapshot& snapshot, unsigned nodes, unsigned depth) {
  const PrivacyPolicy& p = snapshot.privacy;
  if (nodes > p.max_nodes) return {false, p.max_nodes_rule, snapshot.version};
  if (depth > p.max_depth) return {false, p.max_depth_rule, snapshot.version};
  return {true, p.segment_ok_rule, snapshot.version};
}

std::uint64_t round_count(const PrivacyPolicy& p, std::uint64_t raw) {
  std::uint64_t value = round_half_up(raw, p.rounding_multiple);
  if (p.significant_figures > 0) {
    std::uint64_t step = 1;
    for (std::uint64_t v = value; v >= 10; v /= 10) step *= 10;  // 10^(digits - 1)
    for (unsigned i = 1; i < p.significant_figures && step > 1; ++i) step /= 10;
    value = round_half_up(value, step);
  }
  return value;
}

PublishedCount publish_count(const PolicySnapshot& snapshot, std::uint64_t raw) {
  const PrivacyPolicy& p = snapshot.privacy;
  if (raw < p.minimum_audience_size) return {true, 0, p.k_rule, snapshot.version};
  return {false, round_count(p, raw), p.rounding_rule, snapshot.version};
}

}  // namespace octopus::policy
