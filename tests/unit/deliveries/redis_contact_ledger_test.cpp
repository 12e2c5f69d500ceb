// The frequency ledger shared by instances, in a real Redis: the same answers as the
// in-process ledger, caps that hold however many instances race for a slot, and nothing
// decided (so nothing sent) while Redis is away.
#include "deliveries/redis_contact_ledger.hpp"

#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "deliveries/contact_ledger.hpp"
#include "deliveries/delivery_decider.hpp"
#include "redis_ledger_support.hpp"
#include "redis_server.hpp"

namespace octopus::deliveries {
namespace {

using Ask = FrequencyLedger::Ask;

using testing_support::ask;
using testing_support::days_from_now;
using testing_support::on;
using testing_support::shipped;

class RedisLedger : public ::testing::Test {
 protected:
  testing::RedisServer server;
  redis::RedisClient client{on(server.port())};
  RedisContactLedger ledger{client, "t"};
  const policy::CountingPeriods today = days_from_now(0);
};

TEST_F(RedisLedger, AnswersAsTheInProcessLedgerDoesForTheSameAsks) {
  ContactLedger local;
  const policy::CountingPeriods days[] = {today, days_from_now(1), days_from_now(8)};
  const auto granted_total = testing_support::ask_both_at_random(ledger, local, days, 7);
  EXPECT_GT(granted_total, 100u);  // the caps let some through and stopped others
  for (std::uint64_t s = 1; s <= 60; ++s)
    for (const auto c : policy::kChannels) {
      const auto a = ledger.counts(days[2], s, c), b = local.counts(days[2], s, c);
      EXPECT_EQ(a.overall_this_week, b.overall_this_week);
      EXPECT_EQ(a.channel_today, b.channel_today);
    }
}

TEST_F(RedisLedger, ASubscriberAskedTwiceInOneBatchSeesTheFirstSlotTakenAndACheckCountsNothing) {
  // One outbound call a day: the first ask takes it, the second is refused.
  EXPECT_EQ(ask(ledger, today, policy::Channel::outbound_call, {{5, true}, {5, true}}),
            (std::vector<bool>{true, false}));
  // Only checking leaves the slot free.
  EXPECT_EQ(ask(ledger, today, policy::Channel::outbound_call, {{6, false}, {6, false}, {6, true}}),
            (std::vector<bool>{true, true, true}));
  EXPECT_EQ(ledger.counts(today, 6, policy::Channel::outbound_call).channel_today, 1u);
  // Giving back never goes below zero.
  const std::uint64_t six[] = {6, 6, 6};
  ledger.release_batch(today, policy::Channel::outbound_call, six);
  EXPECT_EQ(ledger.counts(today, 6, policy::Channel::outbound_call).channel_today, 0u);
}

// A batch decided under the day before (it began before midnight) counts against the later
// day the subscriber was already counted in, and never moves their counts back.
TEST_F(RedisLedger, ABatchUnderAnEarlierDayNeverErasesTheLaterDaysCounts) {
  const auto tuesday = testing_support::next_week(1), wednesday = testing_support::next_week(2);
  const auto sunday = testing_support::next_week(6);
  ASSERT_EQ(wednesday.week, sunday.week);
  EXPECT_EQ(ask(ledger, wednesday, policy::Channel::sms, {{3, true}, {3, true}}), (std::vector<bool>{true, true}));
  EXPECT_EQ(ask(ledger, tuesday, policy::Channel::sms, {{3, true}}), (std::vector<bool>{false}));
  const std::uint64_t three[] = {3};
  ledger.release_batch(tuesday, policy::Channel::sms, three);  // nothing of Tuesday's to give back
  EXPECT_EQ(ledger.counts(wednesday, 3, policy::Channel::sms).channel_today, 2u);
  EXPECT_EQ(ask(ledger, wednesday, policy::Channel::sms, {{3, true}}), (std::vector<bool>{false}));
  // A later day of the week starts the day's counts again (its place follows the week's
  // first day, whatever the day bytes).
  EXPECT_EQ(ask(ledger, sunday, policy::Channel::sms, {{3, true}}), (std::vector<bool>{true}));
  EXPECT_EQ(ledger.counts(sunday, 3, policy::Channel::sms).channel_this_week, 3u);
}

TEST_F(RedisLedger, InstancesRacingForTheSameSubscribersNeverExceedTheCaps) {
  // Four instances (a client each), each sending the same 1,000 subscribers 4 SMS batches:
  // the daily SMS cap (2) holds in total.
  constexpr std::uint64_t kSubscribers = 1000;
  std::vector<std::vector<std::size_t>> granted(4, std::vector<std::size_t>(kSubscribers + 1));
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i)
    instances.emplace_back([&, i] {
      redis::RedisClient own(on(server.port()));
      RedisContactLedger theirs(own, "t");
      std::vector<Ask> asks;
      for (std::uint64_t s = 1; s <= kSubscribers; ++s) asks.push_back({s, true});
      std::vector<bool> g;
      for (int round = 0; round < 4; ++round) {
        theirs.reserve_batch(*shipped(), today, policy::Channel::sms, asks, g);
        for (std::size_t k = 0; k < g.size(); ++k) granted[i][asks[k].subscriber] += g[k];
      }
    });
  for (auto& t : instances) t.join();
  for (std::uint64_t s = 1; s <= kSubscribers; ++s) {
    std::size_t total = 0;
    for (const auto& of : granted) total += of[s];
    ASSERT_EQ(total, 2u) << "subscriber " << s;
  }
  EXPECT_EQ(ledger.counts(today, 500, policy::Channel::sms).channel_today, 2u);
}

TEST_F(RedisLedger, ABatchLargerThanOneScriptCallIsAnsweredWhole) {
  std::vector<Ask> asks;
  for (std::uint64_t s = 1; s <= RedisContactLedger::kAsksPerCall * 2 + 17; ++s) asks.push_back({s, true});
  asks.push_back({1, true});
  asks.push_back({1, true});  // the third SMS today for subscriber 1, asked in another call
  const auto g = ask(ledger, today, policy::Channel::sms, asks);
  ASSERT_EQ(g.size(), asks.size());
  EXPECT_EQ(std::count(g.begin(), g.end(), true), static_cast<long>(asks.size()) - 1);
  EXPECT_FALSE(g.back());
}

TEST_F(RedisLedger, AWeeksCountsExpireAnHourAfterTheWeekEnds) {
  ask(ledger, today, policy::Channel::push, {{9, true}});
  EXPECT_EQ(client.command({"PEXPIRETIME", "t:caps:week:" + std::to_string(today.week)}).integer,
            (today.next_week_start.time_since_epoch().count() + 3600) * 1000);
}

TEST_F(RedisLedger, WithoutRedisABatchIsRefusedWholeAndDecidesNothing) {
  server.kill();
  std::vector<bool> granted;
  const std::vector<Ask> asks{{1, true}};
  EXPECT_THROW(ledger.reserve_batch(*shipped(), today, policy::Channel::sms, asks, granted), CapsUnavailable);
  // decide_batch passes the refusal on: no outcome says "send".
  const auto context = *decision_context(*shipped(), policy::Capability::deliveries, policy::Channel::sms,
                                         "dpv:DirectMarketing", "internet", today.day_start.time_since_epoch().count());
  engine::SubscriberFacts facts;
  facts.known = facts.active = facts.eligible = true;
  facts.consent = engine::ConsentState::granted;
  const std::uint64_t subscribers[] = {1};
  std::vector<Outcome> out;
  ConsentOverlay overlay;
  EXPECT_THROW(decide_batch(context, subscribers, std::span(&facts, 1), overlay, ledger, out), CapsUnavailable);
  // Giving back while Redis is away keeps the slots (logged), and does not throw.
  give_back(ledger, today, policy::Channel::sms, subscribers);
  server.restart();
  // Answers again once the client's breaker lets a probe through (at most its 100 ms back-off).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool answered = false;
  while (!answered && std::chrono::steady_clock::now() < until) try {
      ledger.reserve_batch(*shipped(), today, policy::Channel::sms, asks, granted);
      answered = true;
    } catch (const CapsUnavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  ASSERT_TRUE(answered);
  EXPECT_TRUE(granted.at(0));
}

}  // namespace
}  // namespace octopus::deliveries
