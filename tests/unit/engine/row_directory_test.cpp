// The engine's id → row directory answers exactly what a binary search over the ids does,
// for every id present and for ids between, below and above them, however unevenly the
// ids spread over their range.
#include "engine/reference/row_directory.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace octopus::engine::reference {
namespace {

Population with_ids(const std::set<std::uint64_t>& ids) {
  Population p(ids.size());
  std::size_t row = 0;
  for (const auto id : ids) p.set_id(row++, id);
  return p;
}

void expect_same_as_binary_search(const Population& p) {
  const RowDirectory directory(p);
  for (std::size_t row = 0; row < p.size(); ++row) {
    ASSERT_EQ(directory.row_of(p.id(row)), row);
    const auto next = p.id(row) + 1;
    ASSERT_EQ(directory.row_of(next), p.row_of(next)) << next;
  }
  if (p.size() > 0) {
    EXPECT_EQ(directory.row_of(p.id(0) - 1), std::nullopt);
    EXPECT_EQ(directory.row_of(p.id(p.size() - 1) + 1), std::nullopt);
  }
  EXPECT_EQ(directory.row_of(0), p.row_of(0));
  EXPECT_EQ(directory.row_of(~std::uint64_t{0}), p.row_of(~std::uint64_t{0}));
}

TEST(RowDirectory, FindsEveryRowOfEvenlySpreadPhoneNumbers) {
  std::mt19937_64 rng(5);
  std::set<std::uint64_t> ids;
  while (ids.size() < 50'000) ids.insert(8613800000000 + rng() % 100'000'000);
  expect_same_as_binary_search(with_ids(ids));
}

TEST(RowDirectory, FindsEveryRowOfLopsidedIds) {
  // Most ids packed at the bottom, a few spread to the top of the 64-bit range.
  std::set<std::uint64_t> ids;
  for (std::uint64_t i = 1; i < 20'000; ++i) ids.insert(i * 3);
  for (std::uint64_t i = 1; i < 50; ++i) ids.insert(~std::uint64_t{0} / 50 * i);
  ids.insert(~std::uint64_t{0} - 1);
  expect_same_as_binary_search(with_ids(ids));
}

TEST(RowDirectory, HandlesTinyAndEmptyPopulations) {
  expect_same_as_binary_search(with_ids({}));
  expect_same_as_binary_search(with_ids({42}));
  expect_same_as_binary_search(with_ids({7, 8}));
  const auto empty = with_ids({});
  EXPECT_EQ(RowDirectory(empty).row_of(42), std::nullopt);
}

}  // namespace
}  // namespace octopus::engine::reference
