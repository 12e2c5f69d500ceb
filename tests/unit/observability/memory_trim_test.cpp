// Memory the allocator holds free is given back above the threshold, and only then.
#include <gtest/gtest.h>

#include <malloc.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "observability/memory_trim.hpp"

namespace octopus::observability {
namespace {

TEST(MemoryTrimmer, TrimsOnlyWhenMoreThanTheThresholdIsHeldFree) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer replaces glibc's allocator, whose free memory this trims";
#endif
  ASSERT_FALSE(MemoryTrimmer::trim_if_above(0)) << "0 never trims";
  // 128 MB in 16 KB blocks (below glibc's mmap threshold: they come from the arenas), every
  // block touched; then every other one freed. The holes cannot shrink the heap's top, so the
  // allocator keeps about 64 MB resident that nothing uses, as after a flood.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 8 * 1024; ++i) {
    blocks.emplace_back(new char[16 * 1024]);
    std::fill_n(blocks.back().get(), 16 * 1024, 'x');
  }
  for (std::size_t i = 0; i < blocks.size(); i += 2) blocks[i].reset();
  EXPECT_FALSE(MemoryTrimmer::trim_if_above(std::size_t{1} << 40)) << "a threshold above what is retained";
  EXPECT_TRUE(MemoryTrimmer::trim_if_above(32u << 20));
  EXPECT_FALSE(MemoryTrimmer::trim_if_above(32u << 20)) << "given back: no second trim";
}

}  // namespace
}  // namespace octopus::observability
