// The subscribers, column by column: ids, one packed column per attribute, the interest
// tags, the products held and the consent bits. Rows are kept in ascending id order, so
// an id finds its row by binary search without a separate id index. Filled once (by the
// synthetic generator or the importer), then read-only and safe to share between threads.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/reference/packed_column.hpp"
#include "engine/reference/population_schema.hpp"

namespace octopus::engine::reference {

class Population {
 public:
  // `rows` subscribers, every column 0 and every id 0: the filler sets them all.
  explicit Population(std::size_t rows, const PopulationSchema& schema = PopulationSchema::reference());

  const PopulationSchema& schema() const { return *schema_; }
  std::size_t size() const { return ids_.size(); }

  std::uint64_t id(std::size_t row) const { return ids_[row]; }
  std::uint8_t attribute(std::size_t row, Attr a) const {
    return static_cast<std::uint8_t>(attributes_[static_cast<std::size_t>(a)].get(row));
  }
  // Bit i: holds interest tag i of the schema.
  std::uint64_t tags(std::size_t row) const { return tags_.get(row); }
  // Bit i: holds product i of the schema.
  std::uint64_t products(std::size_t row) const { return products_.get(row); }
  // Bit i: consent scope i of the schema (PopulationSchema::scope_index).
  std::uint64_t consent_granted(std::size_t row) const { return granted_.get(row); }
  std::uint64_t consent_withdrawn(std::size_t row) const { return withdrawn_.get(row); }

  // Setters: ids must end up strictly ascending (checked by ids_ascending()). Writers
  // filling in parallel must own disjoint ranges aligned to 64 rows.
  void set_id(std::size_t row, std::uint64_t id) { ids_[row] = id; }
  void set_attribute(std::size_t row, Attr a, std::uint8_t code) {
    attributes_[static_cast<std::size_t>(a)].set(row, code);
  }
  void set_tags(std::size_t row, std::uint64_t bits) { tags_.set(row, bits); }
  void set_products(std::size_t row, std::uint64_t bits) { products_.set(row, bits); }
  void set_consent(std::size_t row, std::uint64_t granted, std::uint64_t withdrawn) {
    granted_.set(row, granted);
    withdrawn_.set(row, withdrawn);
  }

  bool ids_ascending() const;
  std::optional<std::size_t> row_of(std::uint64_t id) const;

  // Heap bytes held by the columns.
  std::size_t bytes() const;

 private:
  const PopulationSchema* schema_;
  std::vector<std::uint64_t> ids_;
  std::array<PackedColumn, kAttributeCount> attributes_;
  PackedColumn tags_, products_, granted_, withdrawn_;
};

}  // namespace octopus::engine::reference
