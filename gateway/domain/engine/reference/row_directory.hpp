// Finds a subscriber's row from its id with about two memory reads instead of the twenty
// of a binary search over millions of ids: rows are in ascending id order, so a table of
// where each equal slice of the id range (a power of two wide) starts narrows the search to a handful of rows.
// Phone-number ids spread fairly evenly over their range; a lopsided spread only makes
// some slices longer (still correct, a little slower). About one byte per subscriber.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/reference/population.hpp"

namespace octopus::engine::reference {

class RowDirectory {
 public:
  // The population's ids must be ascending; it must outlive the directory.
  explicit RowDirectory(const Population& population);
  std::optional<std::size_t> row_of(std::uint64_t id) const;

 private:
  std::size_t slice(std::uint64_t id) const { return static_cast<std::size_t>((id - lowest_) >> shift_); }
  const Population& population_;
  std::uint64_t lowest_ = 0, highest_ = 0;
  int shift_ = 0;                      // a slice is 2^shift_ consecutive ids
  std::vector<std::uint32_t> starts_;  // one entry per slice: its first row; then the row count
};

}  // namespace octopus::engine::reference
