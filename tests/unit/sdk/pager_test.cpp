#include <gtest/gtest.h>

#include <map>

#include "octopus/sdk/pager.hpp"

using octopus::Page;
using octopus::Pager;

namespace {

// Three pages keyed by cursor: [1,2] -> "b" -> [] -> "c" -> [3] (an empty page in the middle).
Pager<int> three_pages(std::vector<std::string>& cursors_seen) {
  return Pager<int>([&cursors_seen](const std::optional<std::string>& cursor) {
    cursors_seen.push_back(cursor.value_or("<first>"));
    if (!cursor) return Page<int>{{1, 2}, "b"};
    if (*cursor == "b") return Page<int>{{}, "c"};
    return Page<int>{{3}, std::nullopt};
  });
}

}  // namespace

TEST(SdkPager, RangeForFollowsNextCursorUntilItIsNullSkippingEmptyPages) {
  std::vector<std::string> cursors;
  auto pager = three_pages(cursors);
  std::vector<int> items;
  for (const int i : pager) items.push_back(i);
  EXPECT_EQ(items, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(cursors, (std::vector<std::string>{"<first>", "b", "c"}));
  EXPECT_FALSE(pager.has_next());
}

TEST(SdkPager, PagesAreFetchedOnlyWhenNeededAndNeverAfterTheLast) {
  std::vector<std::string> cursors;
  auto pager = three_pages(cursors);
  const auto first = pager.next_page();
  EXPECT_EQ(first.items.size(), 2u);
  EXPECT_EQ(cursors.size(), 1u);
  EXPECT_EQ(pager.all(), (std::vector<int>{3}));
  EXPECT_TRUE(pager.next_page().items.empty());
  EXPECT_EQ(cursors.size(), 3u);
}
