// The reference engine's subscribers: a deterministic synthetic population of Shandong
// mobile subscribers, generated from a seed, stored column by column (one byte per
// attribute, a bit set for tags, consent and products) so that indexes can be built from
// it and tests can check counts against a plain scan of the same data.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/segment.hpp"

namespace octopus::engine::reference {

// Consent scopes the engine records: purpose × channel × partner category.
inline constexpr std::array<const char*, 3> kPurposes{"dpv:DirectMarketing", "dpv:Personalisation",
                                                      "dpv:ServiceOptimisation"};
inline constexpr std::array<const char*, 3> kChannels{"sms", "push", "outbound_call"};
inline constexpr std::array<const char*, 4> kCategories{"internet", "content", "app", "agent"};
constexpr unsigned consent_bit(unsigned purpose, unsigned channel, unsigned category) {
  return (purpose * kChannels.size() + channel) * kCategories.size() + category;
}

struct ProductInfo {
  std::string code;
  std::string name;
  std::string eligibility_summary;
};

// The attributes every population has, in column order. `status` is not targetable: counts
// only ever include active subscribers.
struct PopulationSchema {
  std::vector<AttributeInfo> attributes;  // targetable attributes, one column each
  std::vector<std::string> tags;
  std::vector<ProductInfo> products;
  std::size_t column(std::string_view attribute) const;  // index, or attributes.size()
};

const PopulationSchema& population_schema();

struct Population {
  std::size_t size = 0;
  std::vector<std::vector<std::uint8_t>> columns;  // [attribute][subscriber] = value index
  std::vector<std::uint8_t> active;                // 1 active, 0 suspended
  std::vector<std::uint64_t> tags;                 // bit t: tag t
  std::vector<std::uint64_t> granted;              // bit consent_bit(...)
  std::vector<std::uint64_t> withdrawn;
  std::vector<std::uint8_t> products;              // bit p: holds product p
};

// Same seed, same population, on every machine.
Population generate_population(std::size_t subscribers, std::uint64_t seed);

}  // namespace octopus::engine::reference
