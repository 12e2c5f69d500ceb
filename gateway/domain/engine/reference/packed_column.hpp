// A column of fixed-width unsigned codes packed end to end in 64-bit words: a 4-bit city
// costs half a byte per subscriber rather than one. Rows that are multiples of 64 start
// on a word boundary, so writers that own disjoint 64-row-aligned ranges never share a
// word and may fill the column in parallel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace octopus::engine::reference {

class PackedColumn {
 public:
  PackedColumn() = default;
  // `width` in 1..64 bits; every row starts at 0.
  PackedColumn(unsigned width, std::size_t rows)
      : width_(width),
        rows_(rows),
        mask_(width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1),
        // One spare word lets get() read the word after the last value without a check.
        words_((rows * width + 63) / 64 + 1, 0) {}

  std::uint64_t get(std::size_t row) const {
    const std::size_t bit = row * width_;
    const std::size_t word = bit >> 6;
    const unsigned offset = bit & 63;
    std::uint64_t v = words_[word] >> offset;
    if (offset + width_ > 64) v |= words_[word + 1] << (64 - offset);
    return v & mask_;
  }

  void set(std::size_t row, std::uint64_t value) {
    value &= mask_;
    const std::size_t bit = row * width_;
    const std::size_t word = bit >> 6;
    const unsigned offset = bit & 63;
    words_[word] = (words_[word] & ~(mask_ << offset)) | (value << offset);
    if (offset + width_ > 64) {
      const unsigned spill = 64 - offset;
      words_[word + 1] = (words_[word + 1] & ~(mask_ >> spill)) | (value >> spill);
    }
  }

  unsigned width() const { return width_; }
  std::size_t size() const { return rows_; }
  std::size_t bytes() const { return words_.capacity() * sizeof(std::uint64_t); }

 private:
  unsigned width_ = 1;
  std::size_t rows_ = 0;
  std::uint64_t mask_ = 1;
  std::vector<std::uint64_t> words_;
};

}  // namespace octopus::engine::reference
