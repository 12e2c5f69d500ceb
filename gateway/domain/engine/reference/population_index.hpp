// Compressed bitmap indexes over a Population: one bitmap of rows per attribute value, per
// tag, per product, and per consent scope (granted; withdrawn). Counting a segment is then
// bitmap algebra instead of a scan. Built once from the columns, read-only afterwards.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/reference/bitmap.hpp"
#include "engine/reference/population.hpp"

namespace octopus::engine::reference {

class PopulationIndex {
 public:
  // Scans the columns in 64 Ki-row chunks on up to `threads` threads (one chunk is one
  // roaring container, so the threads' results join without overlapping).
  static PopulationIndex build(const Population& population, unsigned threads = 2);

  const Bitmap& universe() const { return universe_; }
  const Bitmap& value(Attr a, std::uint8_t code) const {
    return bitmaps_[value_slot_[static_cast<std::size_t>(a)] + code];
  }
  const Bitmap& tag(std::size_t i) const { return bitmaps_[tag_slot_ + i]; }
  const Bitmap& product(std::size_t i) const { return bitmaps_[product_slot_ + i]; }
  const Bitmap& granted(std::size_t scope) const { return bitmaps_[granted_slot_ + scope]; }
  const Bitmap& withdrawn(std::size_t scope) const { return bitmaps_[withdrawn_slot_ + scope]; }

  std::size_t bitmap_count() const { return bitmaps_.size() + 1; }
  std::size_t bytes() const;  // heap bytes of every bitmap and the directory

 private:
  explicit PopulationIndex(const PopulationSchema& schema);

  Bitmap universe_;
  std::vector<Bitmap> bitmaps_;  // all in one list, addressed by the slots below
  std::vector<std::size_t> value_slot_;
  std::size_t tag_slot_ = 0, product_slot_ = 0, granted_slot_ = 0, withdrawn_slot_ = 0;
};

}  // namespace octopus::engine::reference
