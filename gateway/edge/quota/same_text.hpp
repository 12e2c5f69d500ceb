// Equality of two short strings (partner ids) without a call into the C library: each
// limiter decision checks its per-thread caches by partner id twice, and for ids of a few
// bytes the call to memcmp cost more than the comparison.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace octopus::quota {

inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace octopus::quota
