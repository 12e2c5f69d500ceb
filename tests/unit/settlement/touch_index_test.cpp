// Attribution: the last touch for the product within the window wins.
#include "settlement/touch_index.hpp"

#include <gtest/gtest.h>

namespace octopus::settlement {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kWindow = 7 * kDay;

Touch touch(std::int64_t at_ms, const std::string& partner) {
  return {at_ms, partner, "ofr_" + partner, "dlv_" + partner};
}

TEST(Attribution, TheLastTouchWinsOverAnotherPartnersOlderOne) {
  TouchIndex index;
  index.record(7, "5G-PLUS", touch(1 * kDay, "acme"));
  index.record(7, "5G-PLUS", touch(3 * kDay, "beta"));
  const auto t = index.last_touch(7, "5G-PLUS", 4 * kDay, kWindow);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->partner_id, "beta");
  EXPECT_EQ(t->offer_id, "ofr_beta");
  EXPECT_EQ(t->source_id, "dlv_beta");
  // Recorded out of order, the later touch still wins.
  index.record(7, "5G-PLUS", touch(2 * kDay, "gamma"));
  EXPECT_EQ(index.last_touch(7, "5G-PLUS", 4 * kDay, kWindow)->partner_id, "beta");
}

TEST(Attribution, OnlyTouchesForTheOrderedProductCount) {
  TouchIndex index;
  index.record(7, "5G-PLUS", touch(1 * kDay, "acme"));
  index.record(7, "VIDEO-VIP", touch(2 * kDay, "beta"));
  EXPECT_EQ(index.last_touch(7, "5G-PLUS", 3 * kDay, kWindow)->partner_id, "acme");
  EXPECT_FALSE(index.last_touch(7, "MUSIC-VIP", 3 * kDay, kWindow));
  EXPECT_FALSE(index.last_touch(8, "5G-PLUS", 3 * kDay, kWindow)) << "another subscriber was never touched";
}

TEST(Attribution, TheWindowIncludesItsEdgeAndAMessageAfterTheOrderNeverCounts) {
  TouchIndex index;
  index.record(7, "5G-PLUS", touch(10 * kDay, "acme"));
  EXPECT_TRUE(index.last_touch(7, "5G-PLUS", 10 * kDay + kWindow, kWindow)) << "exactly the window: attributed";
  EXPECT_FALSE(index.last_touch(7, "5G-PLUS", 10 * kDay + kWindow + 1, kWindow)) << "a millisecond past it";
  EXPECT_TRUE(index.last_touch(7, "5G-PLUS", 10 * kDay, kWindow)) << "at the same moment";
  EXPECT_FALSE(index.last_touch(7, "5G-PLUS", 10 * kDay - 1, kWindow)) << "sent after the order";
  index.record(7, "5G-PLUS", touch(12 * kDay, "beta"));
  EXPECT_EQ(index.last_touch(7, "5G-PLUS", 11 * kDay, kWindow)->partner_id, "acme")
      << "a later message did not bring an earlier order";
}

TEST(Attribution, ForgettingOldTouchesKeepsTheRecentOnes) {
  TouchIndex index;
  index.record(7, "5G-PLUS", touch(1 * kDay, "acme"));
  index.record(7, "5G-PLUS", touch(9 * kDay, "beta"));
  index.record(8, "5G-PLUS", touch(2 * kDay, "acme"));
  index.forget_before(5 * kDay);
  EXPECT_EQ(index.touches(), 1u);
  EXPECT_FALSE(index.last_touch(8, "5G-PLUS", 3 * kDay, kWindow));
  EXPECT_EQ(index.last_touch(7, "5G-PLUS", 10 * kDay, kWindow)->partner_id, "beta");
}

}  // namespace
}  // namespace octopus::settlement
