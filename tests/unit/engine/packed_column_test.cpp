#include "engine/reference/packed_column.hpp"

#include <gtest/gtest.h>

#include <random>

namespace octopus::engine::reference {
namespace {

TEST(PackedColumn, EveryWidthReadsBackWhatWasWrittenAcrossWordBoundaries) {
  for (unsigned width : {1u, 3u, 4u, 7u, 12u, 36u, 50u, 63u, 64u}) {
    const std::size_t rows = 1000;
    PackedColumn column(width, rows);
    std::mt19937_64 rng(width);
    const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    std::vector<std::uint64_t> expected(rows);
    for (std::size_t r = 0; r < rows; ++r) column.set(r, expected[r] = rng() & mask);
    // Overwriting one row leaves its neighbours alone.
    column.set(500, 0);
    expected[500] = 0;
    for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(column.get(r), expected[r]) << "width " << width << " row " << r;
  }
}

}  // namespace
}  // namespace octopus::engine::reference
