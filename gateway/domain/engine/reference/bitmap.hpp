// An owning handle on a CRoaring compressed bitmap of row numbers (Debian libroaring-dev
// 0.2.66: only its C API is used, the C++ wrapper of that version differs from upstream's).
#pragma once
#include <roaring/roaring.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace octopus::engine::reference {

class Bitmap {
 public:
  Bitmap() : r_(roaring_bitmap_create()) {}
  explicit Bitmap(roaring_bitmap_t* adopted) : r_(adopted) {}
  Bitmap(const Bitmap& other) : r_(roaring_bitmap_copy(other.r_)) {}
  Bitmap(Bitmap&& other) noexcept : r_(std::exchange(other.r_, nullptr)) {}
  Bitmap& operator=(Bitmap other) noexcept {
    std::swap(r_, other.r_);
    return *this;
  }
  ~Bitmap() {
    if (r_) roaring_bitmap_free(r_);
  }

  // Rows [0, n).
  static Bitmap range(std::uint32_t n) { return Bitmap(roaring_bitmap_from_range(0, n, 1)); }
  static Bitmap or_many(std::span<const roaring_bitmap_t* const> parts);

  const roaring_bitmap_t* raw() const { return r_; }
  roaring_bitmap_t* raw() { return r_; }

  void add_many(std::span<const std::uint32_t> rows) { roaring_bitmap_add_many(r_, rows.size(), rows.data()); }
  bool contains(std::uint32_t row) const { return roaring_bitmap_contains(r_, row); }
  std::uint64_t cardinality() const { return roaring_bitmap_get_cardinality(r_); }

  Bitmap& operator&=(const Bitmap& o) {
    roaring_bitmap_and_inplace(r_, o.r_);
    return *this;
  }
  Bitmap& operator|=(const Bitmap& o) {
    roaring_bitmap_or_inplace(r_, o.r_);
    return *this;
  }
  Bitmap& operator-=(const Bitmap& o) {
    roaring_bitmap_andnot_inplace(r_, o.r_);
    return *this;
  }
  friend Bitmap operator&(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_and(a.r_, b.r_)); }
  friend Bitmap operator-(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_andnot(a.r_, b.r_)); }
  std::uint64_t and_cardinality(const Bitmap& o) const { return roaring_bitmap_and_cardinality(r_, o.r_); }

  // Run-length encode where it is smaller and release spare capacity; once built.
  void optimise() {
    roaring_bitmap_run_optimize(r_);
    roaring_bitmap_shrink_to_fit(r_);
  }

  // Bytes this bitmap holds on the heap: containers with their headers, not the
  // (smaller) serialised size that roaring_bitmap_size_in_bytes reports.
  std::size_t heap_bytes() const;

  // Up to `limit` rows >= `from`, ascending; the second value is the row after the last
  // one returned if more remain.
  std::pair<std::vector<std::uint32_t>, bool> rows_from(std::uint32_t from, std::size_t limit) const;

 private:
  roaring_bitmap_t* r_;
};

}  // namespace octopus::engine::reference
