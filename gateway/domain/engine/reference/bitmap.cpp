#include "engine/reference/bitmap.hpp"

#include <algorithm>

namespace octopus::engine::reference {

Bitmap Bitmap::or_many(std::span<const roaring_bitmap_t* const> parts) {
  if (parts.empty()) return Bitmap();
  // The C API takes a non-const array of const pointers; it only reads it.
  return Bitmap(roaring_bitmap_or_many(parts.size(), const_cast<const roaring_bitmap_t**>(parts.data())));
}

std::size_t Bitmap::heap_bytes() const {
  roaring_statistics_t s;
  roaring_bitmap_statistics(r_, &s);
  const auto& hl = r_->high_low_container;
  constexpr std::size_t kContainerHeader = 16;  // cardinality/capacity + data pointer
  const std::size_t directory =
      static_cast<std::size_t>(hl.allocation_size) * (sizeof(void*) + sizeof(std::uint16_t) + sizeof(std::uint8_t));
  return sizeof(roaring_bitmap_t) + directory + s.n_containers * kContainerHeader + s.n_bytes_array_containers +
         s.n_bytes_run_containers + s.n_bytes_bitset_containers;
}

std::pair<std::vector<std::uint32_t>, bool> Bitmap::rows_from(std::uint32_t from, std::size_t limit) const {
  std::vector<std::uint32_t> rows;
  roaring_uint32_iterator_t it;
  roaring_init_iterator(r_, &it);
  if (!roaring_move_uint32_iterator_equalorlarger(&it, from)) return {std::move(rows), false};
  const auto remaining = roaring_bitmap_get_cardinality(r_) - roaring_bitmap_rank(r_, from) + 1;
  rows.resize(static_cast<std::size_t>(std::min<std::uint64_t>(limit, remaining)));
  const auto got = roaring_read_uint32_iterator(&it, rows.data(), static_cast<std::uint32_t>(rows.size()));
  rows.resize(got);
  return {std::move(rows), it.has_value};
}

}  // namespace octopus::engine::reference
