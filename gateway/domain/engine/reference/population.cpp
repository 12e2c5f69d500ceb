#include "engine/reference/population.hpp"

#include <algorithm>

namespace octopus::engine::reference {

Population::Population(std::size_t rows, const PopulationSchema& schema)
    : schema_(&schema),
      ids_(rows, 0),
      tags_(static_cast<unsigned>(schema.tags().size()), rows),
      products_(static_cast<unsigned>(schema.product_codes().size()), rows),
      granted_(static_cast<unsigned>(schema.scope_count()), rows),
      withdrawn_(static_cast<unsigned>(schema.scope_count()), rows) {
  for (std::size_t a = 0; a < kAttributeCount; ++a) attributes_[a] = PackedColumn(schema.attributes()[a].bits, rows);
}

bool Population::ids_ascending() const {
  return std::adjacent_find(ids_.begin(), ids_.end(), std::greater_equal<>{}) == ids_.end();
}

std::optional<std::size_t> Population::row_of(std::uint64_t id) const {
  const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::size_t>(it - ids_.begin());
}

std::size_t Population::bytes() const {
  std::size_t total = ids_.capacity() * sizeof(std::uint64_t);
  for (const auto& c : attributes_) total += c.bytes();
  return total + tags_.bytes() + products_.bytes() + granted_.bytes() + withdrawn_.bytes();
}

}  // namespace octopus::engine::reference
