// The frequency caps across partners: counted per local day and week, reserved atomically.
#include "deliveries/contact_ledger.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "deliveries/opt_out.hpp"
#include "http/formats.hpp"
#include "policy/policy_set.hpp"

namespace octopus::deliveries {
namespace {

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

policy::CountingPeriods at(const char* instant) {
  return policy::counting_periods(*shipped(), policy::Seconds(std::chrono::seconds(*http::parse_rfc3339(instant))));
}

TEST(ContactLedger, SmsStopsAtTheDailyCapAndStartsAgainNextLocalDay) {
  ContactLedger ledger;
  const auto tuesday = at("2026-12-01T02:00:00Z");  // 10:00 in Shanghai
  EXPECT_TRUE(ledger.reserve(*shipped(), tuesday, 8613800000001, policy::Channel::sms).allowed);
  EXPECT_TRUE(ledger.reserve(*shipped(), tuesday, 8613800000001, policy::Channel::sms).allowed);
  const auto third = ledger.reserve(*shipped(), tuesday, 8613800000001, policy::Channel::sms);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.rule, "fatigue.caps.sms.per_day");
  // Another subscriber is untouched.
  EXPECT_TRUE(ledger.reserve(*shipped(), tuesday, 8613800000002, policy::Channel::sms).allowed);
  // 16:00 UTC is already Wednesday 00:00 in Shanghai: a new day, the same week.
  const auto wednesday = at("2026-12-01T16:00:00Z");
  EXPECT_TRUE(ledger.reserve(*shipped(), wednesday, 8613800000001, policy::Channel::sms).allowed);
  EXPECT_EQ(ledger.counts(wednesday, 8613800000001, policy::Channel::sms).channel_this_week, 3u);
}

// A batch decided under the day before (it began just before midnight) counts against the
// later day the subscriber was already counted in, and never moves their counts back.
TEST(ContactLedger, ABatchUnderAnEarlierDayNeverErasesTheLaterDaysCounts) {
  ContactLedger ledger;
  const auto tuesday = at("2026-12-01T15:59:00Z");    // 23:59 in Shanghai
  const auto wednesday = at("2026-12-01T16:01:00Z");  // 00:01
  const std::uint64_t who = 8613800000001;
  EXPECT_TRUE(ledger.reserve(*shipped(), wednesday, who, policy::Channel::sms).allowed);
  EXPECT_TRUE(ledger.reserve(*shipped(), wednesday, who, policy::Channel::sms).allowed);
  EXPECT_FALSE(ledger.reserve(*shipped(), tuesday, who, policy::Channel::sms).allowed);
  ledger.release(tuesday, who, policy::Channel::sms);  // nothing of Tuesday's to give back
  EXPECT_FALSE(ledger.reserve(*shipped(), wednesday, who, policy::Channel::sms).allowed);
  EXPECT_EQ(ledger.counts(wednesday, who, policy::Channel::sms).channel_today, 2u);
  EXPECT_EQ(ledger.counts(tuesday, who, policy::Channel::sms).channel_today, 2u);  // as of its later day
}

TEST(ContactLedger, AReleasedReservationFreesTheSlot) {
  ContactLedger ledger;
  const auto p = at("2026-12-01T02:00:00Z");
  ASSERT_TRUE(ledger.reserve(*shipped(), p, 7, policy::Channel::outbound_call).allowed);
  EXPECT_FALSE(ledger.reserve(*shipped(), p, 7, policy::Channel::outbound_call).allowed);  // 1 call a day
  ledger.release(p, 7, policy::Channel::outbound_call);
  EXPECT_TRUE(ledger.reserve(*shipped(), p, 7, policy::Channel::outbound_call).allowed);
}

TEST(ContactLedger, TheOverallCapCountsEveryChannelTogether) {
  ContactLedger ledger;
  const auto p = at("2026-12-01T02:00:00Z");
  EXPECT_TRUE(ledger.reserve(*shipped(), p, 9, policy::Channel::sms).allowed);
  EXPECT_TRUE(ledger.reserve(*shipped(), p, 9, policy::Channel::push).allowed);
  EXPECT_TRUE(ledger.reserve(*shipped(), p, 9, policy::Channel::push).allowed);
  const auto fourth = ledger.reserve(*shipped(), p, 9, policy::Channel::push);  // overall 3 a day
  EXPECT_FALSE(fourth.allowed);
  EXPECT_EQ(fourth.rule, "fatigue.caps.overall.per_day");
}

// Two deliveries (threads) compete for the subscriber's last slot: exactly one wins.
TEST(ContactLedger, ConcurrentReservationsNeverShareTheLastSlot) {
  const auto p = at("2026-12-01T02:00:00Z");
  for (int round = 0; round < 200; ++round) {
    ContactLedger ledger;
    const std::uint64_t subscriber = 1000 + static_cast<std::uint64_t>(round);
    ASSERT_TRUE(ledger.reserve(*shipped(), p, subscriber, policy::Channel::sms).allowed);  // one slot left
    std::atomic<int> won{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> racers;
    for (int t = 0; t < 4; ++t)
      racers.emplace_back([&] {
        while (!go) std::this_thread::yield();
        if (ledger.reserve(*shipped(), p, subscriber, policy::Channel::sms).allowed) ++won;
      });
    go = true;
    for (auto& r : racers) r.join();
    ASSERT_EQ(won.load(), 1) << "round " << round;
  }
}

TEST(ContactLedger, ManySubscribersAreKeptApart) {
  ContactLedger ledger;
  const auto p = at("2026-12-01T02:00:00Z");
  for (std::uint64_t s = 1; s <= 100000; ++s)
    ASSERT_TRUE(ledger.reserve(*shipped(), p, s, policy::Channel::sms).allowed);
  EXPECT_EQ(ledger.subscribers(), 100000u);
  for (std::uint64_t s = 1; s <= 100000; s += 997)
    EXPECT_EQ(ledger.counts(p, s, policy::Channel::sms).channel_today, 1u);
  // Room made for a large delivery keeps every count (and the caps) as they were.
  ledger.make_room(2'000'000);
  EXPECT_EQ(ledger.subscribers(), 100000u);
  for (std::uint64_t s = 1; s <= 100000; s += 997)
    EXPECT_EQ(ledger.counts(p, s, policy::Channel::sms).channel_today, 1u);
  EXPECT_TRUE(ledger.reserve(*shipped(), p, 42, policy::Channel::sms).allowed);
  EXPECT_FALSE(ledger.reserve(*shipped(), p, 42, policy::Channel::sms).allowed);  // 42 had one: the daily SMS cap is 2
}

TEST(OptOutReply, RecognisesTheRepliesTheFooterAsksFor) {
  EXPECT_TRUE(is_opt_out_reply("TD"));
  EXPECT_TRUE(is_opt_out_reply(" td \n"));
  EXPECT_TRUE(is_opt_out_reply("退订"));
  EXPECT_FALSE(is_opt_out_reply("TDX"));
  EXPECT_FALSE(is_opt_out_reply("OK"));
  EXPECT_FALSE(is_opt_out_reply(""));
}

}  // namespace
}  // namespace octopus::deliveries
