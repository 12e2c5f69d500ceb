#include "engine/reference/row_directory.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

namespace octopus::engine::reference {

RowDirectory::RowDirectory(const Population& population) : population_(population) {
  const auto n = population.size();
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("the reference engine holds at most 2^32 - 1 subscribers");
  if (n == 0) return;
  lowest_ = population.id(0);
  highest_ = population.id(n - 1);
  // About four rows per slice: the narrowest power-of-two slices giving no more than n / 4 of them.
  const auto wanted_bits = static_cast<int>(std::bit_width(std::max<std::size_t>(1, n / 4))) - 1;
  shift_ = std::max(0, static_cast<int>(std::bit_width(highest_ - lowest_)) - wanted_bits);
  const auto slices = slice(highest_) + 1;
  starts_.assign(slices + 1, static_cast<std::uint32_t>(n));
  // Walking the rows backwards, each slice ends up starting at its first row; a slice with
  // no rows starts where the next one does.
  for (std::size_t row = n; row-- > 0;) starts_[slice(population.id(row))] = static_cast<std::uint32_t>(row);
  for (std::size_t s = slices; s-- > 0;) starts_[s] = std::min(starts_[s], starts_[s + 1]);
}

std::optional<std::size_t> RowDirectory::row_of(std::uint64_t id) const {
  if (starts_.empty() || id < lowest_ || id > highest_) return std::nullopt;
  const auto s = slice(id);
  std::size_t lo = starts_[s], hi = starts_[s + 1];
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (population_.id(mid) < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == starts_[s + 1] || population_.id(lo) != id) return std::nullopt;
  return lo;
}

}  // namespace octopus::engine::reference
