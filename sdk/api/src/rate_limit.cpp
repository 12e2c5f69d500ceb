#include "rate_limit.hpp"

#include <algorithm>

#include "octopus/protocol/structured_fields.hpp"

namespace octopus {

namespace sf = protocol::sf;

const RateLimitPolicy* RateLimitState::tightest() const {
  const RateLimitPolicy* best = nullptr;
  for (const auto& p : policies)
    if (p.remaining && (!best || *p.remaining < *best->remaining)) best = &p;
  return best;
}

namespace detail {
namespace {

std::optional<std::int64_t> integer_param(const sf::Parameters& params, std::string_view name) {
  const auto* v = sf::find_param(params, name);
  if (!v) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  return std::nullopt;
}

RateLimitPolicy& policy_named(RateLimitState& state, const std::string& name) {
  const auto it =
      std::find_if(state.policies.begin(), state.policies.end(), [&](const auto& p) { return p.name == name; });
  if (it != state.policies.end()) return *it;
  state.policies.push_back({name});
  return state.policies.back();
}

// Calls `each(name, params)` for every string item of the list.
template <class Each>
void for_each_policy(std::string_view header, Each each) {
  if (header.empty()) return;
  const auto list = sf::parse_list(header);
  if (!list) return;
  for (const auto& member : *list) {
    const auto* item = std::get_if<sf::Item>(&member);
    if (!item) continue;
    if (const auto* name = std::get_if<std::string>(&item->value)) each(*name, item->params);
  }
}

}  // namespace

RateLimitState parse_rate_limit(std::string_view policy_header, std::string_view limit_header) {
  RateLimitState state;
  for_each_policy(policy_header, [&](const std::string& name, const sf::Parameters& params) {
    auto& p = policy_named(state, name);
    p.quota = integer_param(params, "q");
    p.window = integer_param(params, "w");
    p.burst = integer_param(params, "octopus-burst");
  });
  for_each_policy(limit_header, [&](const std::string& name, const sf::Parameters& params) {
    auto& p = policy_named(state, name);
    p.remaining = integer_param(params, "r");
    p.reset_after = integer_param(params, "t");
  });
  return state;
}

}  // namespace detail
}  // namespace octopus
