// The frequency ledger counted by the lease holder, in a real Redis: the in-process
// ledger's answers, Redis kept up to date for the next holder (in the layout the shared
// ledger reads), an older holder fenced out, and nothing decided without the lease or Redis.
#include "deliveries/holder_contact_ledger.hpp"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "deliveries/contact_ledger.hpp"
#include "deliveries/redis_caps_field.hpp"
#include "deliveries/redis_contact_ledger.hpp"
#include "redis_ledger_support.hpp"
#include "redis_server.hpp"

namespace octopus::deliveries {
namespace {

using Ask = FrequencyLedger::Ask;
using testing_support::ask;
using testing_support::days_from_now;
using testing_support::on;
using testing_support::shipped;

class HolderLedger : public ::testing::Test {
 protected:
  testing::RedisServer server;
  redis::RedisClient client{on(server.port())};
  RedisContactLedger shared{client, "t"};  // what any instance counts (a deployment before the holder)
  const policy::CountingPeriods today = days_from_now(0);

  // A holder whose grant's token the test sets (0: the lease is not held).
  struct Holder {
    explicit Holder(redis::RedisClient& c, std::int64_t t)
        : token(t), ledger(c, "t", [this] { return token.load(); }) {}
    std::atomic<std::int64_t> token;
    HolderContactLedger ledger;
  };

  policy::ContactCounts in_redis(const policy::CountingPeriods& p, std::uint64_t subscriber, policy::Channel c) {
    return HolderContactLedger::counts_in_redis(client, "t", p, subscriber, c);
  }
  std::uint32_t sms_today(std::uint64_t subscriber) {
    return in_redis(today, subscriber, policy::Channel::sms).channel_today;
  }
};

TEST_F(HolderLedger, AnswersAsTheInProcessLedgerDoesAndLeavesTheSameCountsInRedis) {
  Holder holder(client, 1);
  ContactLedger local;
  const policy::CountingPeriods days[] = {today, days_from_now(1), days_from_now(8)};
  const auto granted_total = testing_support::ask_both_at_random(holder.ledger, local, days, 11);
  EXPECT_GT(granted_total, 100u);  // the caps let some through and stopped others
  for (std::uint64_t s = 1; s <= 60; ++s)
    for (const auto c : policy::kChannels) {
      const auto a = in_redis(days[2], s, c), b = local.counts(days[2], s, c);
      EXPECT_EQ(a.overall_this_week, b.overall_this_week) << s;
      EXPECT_EQ(a.channel_this_week, b.channel_this_week) << s;
      EXPECT_EQ(a.overall_today, b.overall_today) << s;
      EXPECT_EQ(a.channel_today, b.channel_today) << s;
    }
}

TEST_F(HolderLedger, StartsFromTheCountsInRedisWhoeverWroteThem) {
  // Two SMS today (the daily cap) counted by the ledger any instance uses.
  ask(shared, today, policy::Channel::sms, {{1, true}});
  ask(shared, today, policy::Channel::sms, {{1, true}});
  ask(shared, today, policy::Channel::sms, {{3, true}});
  Holder holder(client, 1);
  EXPECT_EQ(ask(holder.ledger, today, policy::Channel::sms, {{1, true}, {2, true}, {3, true}}),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(holder.ledger.loaded(), 2u);
  EXPECT_EQ(sms_today(2), 1u);
  EXPECT_EQ(sms_today(3), 2u);
  // The next holder reads both layouts, the holder's counts over the older ones.
  Holder next(client, 2);
  EXPECT_EQ(ask(next.ledger, today, policy::Channel::sms, {{1, true}, {2, true}, {3, true}}),
            (std::vector<bool>{false, true, false}));
}

TEST_F(HolderLedger, ANewHolderCountsOnFromTheLastAndTheOldOneIsFencedOut) {
  Holder first(client, 1);
  EXPECT_EQ(ask(first.ledger, today, policy::Channel::sms, {{1, true}}), (std::vector<bool>{true}));
  Holder second(client, 2);  // the lease passed to another instance
  EXPECT_EQ(ask(second.ledger, today, policy::Channel::sms, {{1, true}}), (std::vector<bool>{true}));
  EXPECT_EQ(ask(second.ledger, today, policy::Channel::sms, {{1, true}}), (std::vector<bool>{false}));
  // The first, still believing it holds the lease, decides nothing more and writes nothing.
  EXPECT_THROW(ask(first.ledger, today, policy::Channel::sms, {{3, true}}), CapsUnavailable);
  const std::uint64_t one[] = {1};
  EXPECT_THROW(first.ledger.release_batch(today, policy::Channel::sms, one), CapsUnavailable);
  EXPECT_EQ(sms_today(3), 0u);
  EXPECT_EQ(sms_today(1), 2u);
  // Granted the lease again later (a newer token), it starts from the second's counts.
  first.token = 3;
  EXPECT_EQ(ask(first.ledger, today, policy::Channel::sms, {{1, true}, {3, true}}), (std::vector<bool>{false, true}));
  EXPECT_THROW(ask(second.ledger, today, policy::Channel::sms, {{4, true}}), CapsUnavailable);
}

TEST_F(HolderLedger, WithoutTheLeaseNothingIsDecided) {
  Holder holder(client, 0);
  EXPECT_THROW(ask(holder.ledger, today, policy::Channel::sms, {{1, true}}), CapsUnavailable);
  EXPECT_EQ(sms_today(1), 0u);
  holder.token = 5;
  EXPECT_EQ(ask(holder.ledger, today, policy::Channel::sms, {{1, true}}), (std::vector<bool>{true}));
}

TEST_F(HolderLedger, ABatchLargerThanOneWriteIsCountedWholeAndReadWholeByTheNext) {
  Holder first(client, 1);
  // One subscriber to a bucket, each at an offset past a byte's range: three script calls.
  const std::size_t n = HolderContactLedger::kWritesPerCall * 2 + 17;
  std::vector<Ask> asks;
  for (std::uint64_t s = 1; s <= n; ++s) asks.push_back({s * redis_caps::kBucketIds + 700, true});
  const auto g = ask(first.ledger, today, policy::Channel::outbound_call, asks);
  EXPECT_EQ(std::count(g.begin(), g.end(), true), static_cast<long>(n));
  // Read back by a new holder with HSCAN, in several calls: everyone's one call a day is taken.
  Holder second(client, 2);
  const auto again = ask(second.ledger, today, policy::Channel::outbound_call, asks);
  EXPECT_EQ(second.ledger.loaded(), n);
  EXPECT_EQ(std::count(again.begin(), again.end(), true), 0);
  EXPECT_EQ(in_redis(today, asks.back().subscriber, policy::Channel::outbound_call).channel_today, 1u);
  EXPECT_EQ(in_redis(today, asks.back().subscriber + 1, policy::Channel::outbound_call).overall_this_week, 0u);
  EXPECT_EQ(client.command({"PEXPIRETIME", "t:caps:held:" + std::to_string(today.week)}).integer,
            (today.next_week_start.time_since_epoch().count() + 3600) * 1000);
}

// Each subscriber's record keeps the day its counts are for: a batch decided under the day
// before (it began before midnight) rewriting a bucket leaves a neighbour's later counts,
// and a new holder reads each record for its own day.
TEST_F(HolderLedger, ABucketRewrittenUnderAnEarlierDayKeepsEachRecordsDay) {
  const auto tuesday = testing_support::next_week(1), wednesday = testing_support::next_week(2);
  ASSERT_EQ(wednesday.day, tuesday.day + 1);
  ASSERT_EQ(wednesday.week, tuesday.week);
  Holder first(client, 1);
  ask(first.ledger, tuesday, policy::Channel::outbound_call, {{7, true}});  // one call a day
  ask(first.ledger, wednesday, policy::Channel::outbound_call, {{8, true}});
  ask(first.ledger, tuesday, policy::Channel::sms, {{9, true}});  // an older batch, the same bucket
  const std::uint64_t nine[] = {9};
  first.ledger.release_batch(tuesday, policy::Channel::sms, nine);
  EXPECT_EQ(in_redis(wednesday, 8, policy::Channel::outbound_call).channel_today, 1u);
  EXPECT_EQ(in_redis(tuesday, 7, policy::Channel::outbound_call).channel_today, 1u);
  Holder next(client, 2);
  // On Tuesday both have had their call of the day (8's is Wednesday's, later: it counts).
  EXPECT_EQ(ask(next.ledger, tuesday, policy::Channel::outbound_call, {{7, false}, {8, false}}),
            (std::vector<bool>{false, false}));
  // On Wednesday 7 may be called again, 8 not.
  EXPECT_EQ(ask(next.ledger, wednesday, policy::Channel::outbound_call, {{7, true}, {8, true}}),
            (std::vector<bool>{true, false}));
}

// A bucket in a shape this ledger does not write is not overwritten (its counts would be
// lost): nothing is decided until it is repaired.
TEST_F(HolderLedger, AMalformedBucketIsRefusedNotOverwritten) {
  const auto key = "t:caps:held:" + std::to_string(today.week);
  client.command({"HSET", key, "0", "not a bucket"});
  Holder holder(client, 1);
  EXPECT_THROW(ask(holder.ledger, today, policy::Channel::sms, {{1, true}}), CapsUnavailable);
  EXPECT_EQ(client.command({"HGET", key, "0"}).text, "not a bucket");
  EXPECT_EQ(ask(holder.ledger, today, policy::Channel::sms, {{5000, true}}), (std::vector<bool>{true}));
}

TEST_F(HolderLedger, BatchesFromTwoThreadsLeaveRedisWithEveryCount) {
  // Deliveries and triggers decide on threads of their own, on the same holder.
  Holder holder(client, 1);
  constexpr std::uint64_t kSubscribers = 500;
  std::vector<std::vector<std::size_t>> granted(2, std::vector<std::size_t>(kSubscribers + 1));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      std::vector<bool> g;
      for (int round = 0; round < 3; ++round)
        for (std::uint64_t s = 1; s <= kSubscribers; s += 50) {
          std::vector<Ask> asks;
          for (auto k = s; k < s + 50; ++k) asks.push_back({k, true});
          holder.ledger.reserve_batch(*shipped(), today, policy::Channel::sms, asks, g);
          for (std::size_t k = 0; k < g.size(); ++k) granted[t][asks[k].subscriber] += g[k];
        }
    });
  for (auto& t : threads) t.join();
  for (std::uint64_t s = 1; s <= kSubscribers; ++s) {
    ASSERT_EQ(granted[0][s] + granted[1][s], 2u) << s;
    ASSERT_EQ(sms_today(s), 2u) << s;
  }
}

TEST_F(HolderLedger, WithoutRedisNothingIsDecidedAndRedisIsReadAgainAfter) {
  redis::RedisClient quick(on(server.port(), std::chrono::milliseconds(200)));
  std::atomic<std::int64_t> token{1};
  HolderContactLedger holder(quick, "t", [&] { return token.load(); });
  EXPECT_EQ(ask(holder, today, policy::Channel::sms, {{1, true}}), (std::vector<bool>{true}));
  server.pause();
  EXPECT_THROW(ask(holder, today, policy::Channel::sms, {{1, true}}), CapsUnavailable);
  server.resume();
  // The write whose answer was lost ran when Redis woke: the second SMS is counted there.
  EXPECT_EQ(sms_today(1), 2u);
  // What Redis holds decides, not what the holder had in memory: a field taken away
  // meanwhile is read as gone.
  client.command({"HDEL", "t:caps:held:" + std::to_string(today.week), "0"});  // subscriber 1's bucket
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<bool> g;
  while (g.empty() && std::chrono::steady_clock::now() < until) try {
      g = ask(holder, today, policy::Channel::sms, {{1, true}, {2, true}});
    } catch (const CapsUnavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  EXPECT_EQ(g, (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace octopus::deliveries
