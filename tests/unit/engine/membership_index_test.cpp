// The membership index answers exactly what searching each audience's bitmap does, and
// its cache builds indexes only for lists long enough to gain from one, keeps within its
// memory budget and forgets lists naming a dropped audience.
#include "engine/reference/membership_index.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace octopus::engine::reference {
namespace {

constexpr std::size_t kRows = 200'000;  // several 65,536-row containers

std::vector<std::shared_ptr<const Bitmap>> random_audiences(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::shared_ptr<const Bitmap>> out;
  for (std::size_t i = 0; i < n; ++i) {
    Bitmap b;
    std::vector<std::uint32_t> rows;
    const auto every = 2 + rng() % 300;  // dense to sparse
    for (std::uint32_t r = rng() % every; r < kRows; r += 1 + rng() % every) rows.push_back(r);
    b.add_many(rows);
    out.push_back(std::make_shared<const Bitmap>(std::move(b)));
  }
  return out;
}

TEST(MembershipIndex, ListsForEveryRowExactlyTheAudiencesHoldingIt) {
  const auto audiences = random_audiences(150, 1);
  const MembershipIndex index(audiences, kRows);
  for (std::uint32_t row = 0; row < kRows; row += 7) {
    std::vector<std::size_t> listed, searched;
    index.for_each(row, [&](std::size_t a) { listed.push_back(a); });
    for (std::size_t a = 0; a < audiences.size(); ++a)
      if (audiences[a]->contains(row)) searched.push_back(a);
    ASSERT_EQ(listed, searched) << "row " << row;
  }
  index.for_each(kRows + 5, [](std::size_t) { ADD_FAILURE() << "a row past the population"; });
}

std::vector<std::string> ids(std::size_t n, const char* prefix) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(MembershipIndexCache, KeepsAnIndexPerListAndForgetsADroppedAudience) {
  MembershipIndexCache cache(kRows, std::size_t{64} << 20);
  const auto audiences = random_audiences(20, 2);
  const auto names = ids(20, "aud_a");
  const auto index = cache.find_or_build(names, audiences);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(cache.find_or_build(names, audiences), index);  // kept
  EXPECT_GT(cache.bytes(), kRows * sizeof(std::uint32_t));
  cache.forget("aud_a7");
  EXPECT_EQ(cache.bytes(), 0u);
  const auto rebuilt = cache.find_or_build(names, audiences);
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_NE(rebuilt, index);
  // A short list is searched in its bitmaps: no index.
  const std::vector<std::shared_ptr<const Bitmap>> few(audiences.begin(), audiences.begin() + 3);
  EXPECT_EQ(cache.find_or_build(ids(3, "aud_b"), few), nullptr);
}

TEST(MembershipIndexCache, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  const auto audiences = random_audiences(10, 3);
  const MembershipIndex probe(audiences, kRows);
  // Room for two indexes of this size, not three; any index may go as soon as it is not
  // the one in use.
  MembershipIndexCache cache(kRows, probe.bytes() * 5 / 2, 8, 32, std::chrono::milliseconds(0));
  const auto a = ids(10, "aud_a"), b = ids(10, "aud_b"), c = ids(10, "aud_c");
  const auto index_a = cache.find_or_build(a, audiences);
  const auto index_b = cache.find_or_build(b, audiences);
  ASSERT_NE(index_a, nullptr);
  EXPECT_EQ(cache.find_or_build(a, audiences), index_a);  // a is now the most recently used
  ASSERT_NE(cache.find_or_build(c, audiences), nullptr);
  EXPECT_LE(cache.bytes(), probe.bytes() * 5 / 2);
  EXPECT_EQ(cache.find_or_build(a, audiences), index_a);  // kept
  EXPECT_NE(cache.find_or_build(b, audiences), index_b);  // b went first, and is built again
  // An index larger than the whole budget is never built.
  MembershipIndexCache tiny(kRows, 1024);
  EXPECT_EQ(tiny.find_or_build(a, audiences), nullptr);
}

// Lists in use are never evicted to make room for another: the newcomer is answered
// from the bitmaps instead, so two busy lists over budget cannot rebuild each other's
// index on every request.
TEST(MembershipIndexCache, ListsInUseAreNotEvictedForANewcomer) {
  const auto audiences = random_audiences(10, 4);
  const MembershipIndex probe(audiences, kRows);
  MembershipIndexCache cache(kRows, probe.bytes() * 5 / 2, 8, 32, std::chrono::hours(1));
  const auto a = ids(10, "aud_a"), b = ids(10, "aud_b"), c = ids(10, "aud_c");
  const auto index_a = cache.find_or_build(a, audiences), index_b = cache.find_or_build(b, audiences);
  ASSERT_NE(index_a, nullptr);
  ASSERT_NE(index_b, nullptr);
  EXPECT_EQ(cache.find_or_build(c, audiences), nullptr);
  EXPECT_EQ(cache.find_or_build(a, audiences), index_a);
  EXPECT_EQ(cache.find_or_build(b, audiences), index_b);
  EXPECT_LE(cache.bytes(), probe.bytes() * 5 / 2);
}

}  // namespace
}  // namespace octopus::engine::reference
