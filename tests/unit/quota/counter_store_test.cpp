// Both counter back-ends, held to the same contract: memory (one instance) and Redis (a real
// redis-server), so a deployment can switch between them without a change in behaviour.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "quota/memory_counter_store.hpp"
#include "quota/redis_counter_store.hpp"
#include "redis_server.hpp"

namespace octopus::quota {
namespace {

using policy::CapabilityClass;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Backend {
  std::string name;
};

class CounterStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      server = std::make_unique<octopus::testing::RedisServer>();
      redis::RedisOptions o;
      o.port = server->port();
      client = std::make_unique<redis::RedisClient>(o);
      store = std::make_unique<RedisCounterStore>(*client, "test");
    } else {
      store = std::make_unique<MemoryCounterStore>();
    }
  }
  // Day 20000 is 2024-10-04 and 20001 the 5th: both in month 657 ((2024 - 1970) * 12 + 9).
  AdmitRequest request(std::string_view partner, GcraLimit rate, std::uint64_t day_limit, std::uint64_t month_limit,
                       std::int64_t day_id = 20000) {
    const std::int64_t ends = now_ns() / 1'000'000'000 + 3600;
    return {partner, CapabilityClass::reads, rate, {day_id, day_limit, ends}, {657, month_limit, ends}, 1};
  }

  std::unique_ptr<octopus::testing::RedisServer> server;
  std::unique_ptr<redis::RedisClient> client;
  std::unique_ptr<CounterStore> store;
};

TEST_P(CounterStoreContract, ARequestTheRateRefusesTakesNoQuota) {
  const auto r = request("acme", gcra_limit(1, 2), 100, 100);
  EXPECT_EQ(store->admit(r, now_ns()).verdict, Verdict::allowed);
  EXPECT_EQ(store->admit(r, now_ns()).verdict, Verdict::allowed);
  auto third = store->admit(r, now_ns());
  EXPECT_EQ(third.verdict, Verdict::rate_limited);
  EXPECT_GT(third.rate.retry_after_ns, 0);
  EXPECT_LE(third.rate.retry_after_ns, 1'000'000'000);
  EXPECT_EQ(third.day_used, 2u);
  EXPECT_EQ(third.month_used, 2u);
}

TEST_P(CounterStoreContract, DayAndMonthAreTakenTogetherOrNotAtAll) {
  const auto fast = gcra_limit(100000, 100000);
  const auto today = request("acme", fast, 5, 7, 20000);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(store->admit(today, now_ns()).verdict, Verdict::allowed) << i;
  auto sixth = store->admit(today, now_ns());
  EXPECT_EQ(sixth.verdict, Verdict::day_exhausted);
  EXPECT_EQ(sixth.month_used, 5u);  // the refused request took nothing from the month

  const auto tomorrow = request("acme", fast, 5, 7, 20001);
  EXPECT_EQ(store->admit(tomorrow, now_ns()).verdict, Verdict::allowed);
  EXPECT_EQ(store->admit(tomorrow, now_ns()).verdict, Verdict::allowed);
  auto over = store->admit(tomorrow, now_ns());
  EXPECT_EQ(over.verdict, Verdict::month_exhausted);
  EXPECT_EQ(over.month_used, 7u);
  EXPECT_EQ(over.day_used, 2u);  // the day's unit was given back
  const auto u = store->usage("acme", CapabilityClass::reads, fast, tomorrow.day, tomorrow.month, now_ns());
  EXPECT_EQ(u.day_used, 2u);
  EXPECT_EQ(u.month_used, 7u);
}

TEST_P(CounterStoreContract, PartnersAndClassesAreCountedApart) {
  const auto r = request("acme", gcra_limit(1, 1), 10, 10);
  EXPECT_EQ(store->admit(r, now_ns()).verdict, Verdict::allowed);
  EXPECT_EQ(store->admit(r, now_ns()).verdict, Verdict::rate_limited);
  auto other_partner = r;
  other_partner.partner = "beta";
  EXPECT_EQ(store->admit(other_partner, now_ns()).verdict, Verdict::allowed);
  auto other_class = r;
  other_class.capability_class = CapabilityClass::deliveries;
  EXPECT_EQ(store->admit(other_class, now_ns()).verdict, Verdict::allowed);
}

TEST_P(CounterStoreContract, ReservationsAreAllOrNothingAndReleasesNeverGoBelowZero) {
  const PeriodLimit day{20000, 5, now_ns() / 1'000'000'000 + 3600}, month{657, 100, day.ends_at};
  const auto c = CapabilityClass::deliveries;
  EXPECT_TRUE(store->reserve("acme", c, day, month, 4));
  EXPECT_FALSE(store->reserve("acme", c, day, month, 2));
  store->release("acme", c, day, month, 3);
  EXPECT_TRUE(store->reserve("acme", c, day, month, 2));
  auto u = store->usage("acme", c, gcra_limit(1, 1), day, month, now_ns());
  EXPECT_EQ(u.day_used, 3u);
  EXPECT_EQ(u.month_used, 3u);
  store->release("acme", c, day, month, 50);
  u = store->usage("acme", c, gcra_limit(1, 1), day, month, now_ns());
  EXPECT_EQ(u.day_used, 0u);
  EXPECT_EQ(u.month_used, 0u);
}

TEST_P(CounterStoreContract, ConcurrentReservationsNeverExceedTheAllowance) {
  const PeriodLimit day{20000, 1000, now_ns() / 1'000'000'000 + 3600}, month{657, 500, day.ends_at};
  std::atomic<std::uint64_t> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 150; ++i) {
        const std::uint64_t n = 1 + rng() % 3;
        if (store->reserve("acme", CapabilityClass::deliveries, day, month, n)) granted += n;
      }
    });
  for (auto& t : threads) t.join();
  const auto u = store->usage("acme", CapabilityClass::deliveries, gcra_limit(1, 1), day, month, now_ns());
  EXPECT_LE(granted.load(), 500u);
  EXPECT_GE(granted.load(), 498u);  // it did fill up: only a too-large last request can be left over
  EXPECT_EQ(u.month_used, granted.load());
}

// Each thread asks until it is refused. In memory, a contended thread may hold a lease of
// admissions taken ahead: it is refused only once its own lease is used up and the cell has
// nothing left, so the threads together get exactly the allowance, never more.
TEST_P(CounterStoreContract, ConcurrentAdmissionsStopExactlyAtTheQuota) {
  const auto r = request("acme", gcra_limit(1e6, 1000000), 1234, 100000);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (;;) {
        const auto a = store->admit(r, now_ns());
        if (a.verdict != Verdict::allowed) {
          EXPECT_EQ(a.verdict, Verdict::day_exhausted);
          return;
        }
        ++allowed;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1234);
  EXPECT_EQ(store->usage("acme", CapabilityClass::reads, r.rate, r.day, r.month, now_ns()).day_used, 1234u);
}

INSTANTIATE_TEST_SUITE_P(Backends, CounterStoreContract, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

// Leases of the memory store (memory_counter_store.hpp). One thread plays both sides: a
// reservation by the same thread writes the cell as another thread would, so a decision
// soon after it sees a contended cell.
class MemoryLeases : public ::testing::Test {
 protected:
  static constexpr std::int64_t kUs = 1'000;
  AdmitRequest request(std::int64_t day_id, std::uint64_t day_limit = 100000) {
    return {"acme", CapabilityClass::reads, gcra_limit(1e6, 1000000), {day_id, day_limit, 0}, {657, 1000000, 0}, 1};
  }
  std::uint64_t day_used(const AdmitRequest& r) { return store.usage("acme", r.capability_class, r.rate, r.day, r.month, t).day_used; }
  std::uint64_t month_used(const AdmitRequest& r) { return store.usage("acme", r.capability_class, r.rate, r.day, r.month, t).month_used; }
  // Two decisions 1 µs apart, then someone else writes the cell: the third decision takes a
  // lease of 8 beyond itself.
  void take_lease(const AdmitRequest& r) {
    ASSERT_EQ(store.admit(r, t += kUs).verdict, Verdict::allowed);
    ASSERT_EQ(store.admit(r, t += kUs).verdict, Verdict::allowed);
    ASSERT_TRUE(store.reserve("acme", r.capability_class, r.day, r.month, 1));
    ASSERT_EQ(store.admit(r, t += kUs).verdict, Verdict::allowed);
  }
  MemoryCounterStore store;
  std::int64_t t = now_ns();
};

TEST_F(MemoryLeases, AnUncontendedThreadDecidesOneByOne) {
  const auto r = request(20000);
  for (int i = 1; i <= 20; ++i) {
    const auto a = store.admit(r, t += kUs);
    ASSERT_EQ(a.verdict, Verdict::allowed);
    EXPECT_EQ(a.day_used, static_cast<std::uint64_t>(i));
    EXPECT_EQ(day_used(r), static_cast<std::uint64_t>(i));  // nothing taken ahead
  }
}

TEST_F(MemoryLeases, AContendedThreadHandsOutItsLeaseAndReportsExactCounts) {
  const auto r = request(20000);
  take_lease(r);
  EXPECT_EQ(day_used(r), 2u + 1 + 1 + 8);  // the lease's 8 read as used
  for (std::uint64_t i = 1; i <= 8; ++i) {
    const auto a = store.admit(r, t += kUs);
    ASSERT_EQ(a.verdict, Verdict::allowed);
    EXPECT_EQ(a.day_used, 4 + i);  // what counting one by one would have said
    // Counted one by one, 1 µs apart at 1/µs, the rate would stay full (999,999 left); the
    // lease counted its admissions when it was taken, so it says a little less, never more.
    EXPECT_LE(a.rate.remaining, 999999);
    EXPECT_GE(a.rate.remaining, 999999 - 8);
  }
  EXPECT_EQ(day_used(r), 12u);  // handed out without going back to the cell
  // Used up and still hot: a new lease of the same size (the other thread may be working
  // through a lease of its own and write only once per lease).
  EXPECT_EQ(store.admit(r, t += kUs).day_used, 13u);
  EXPECT_EQ(day_used(r), 21u);
  // A lease serves for 1 ms at most; after 2 ms without a decision the 8 not handed out go
  // back, and decisions are counted one by one again.
  t += 2'000 * kUs;
  EXPECT_EQ(store.admit(r, t).day_used, 14u);
  EXPECT_EQ(day_used(r), 14u);
  EXPECT_EQ(store.admit(r, t += kUs).day_used, 15u);
  EXPECT_EQ(day_used(r), 15u);
}

TEST_F(MemoryLeases, UnusedUnitsAreGivenBackOnTheNextTripToTheCell) {
  const auto r = request(20000);
  take_lease(r);
  for (int i = 0; i < 3; ++i) store.admit(r, t += kUs);  // 5 of the 8 still held
  EXPECT_EQ(day_used(r), 12u);
  t += 2'000 * kUs;  // past the lease's 1 ms: the cell again, the 5 given back
  const auto a = store.admit(r, t);
  EXPECT_EQ(a.verdict, Verdict::allowed);
  EXPECT_EQ(a.day_used, 8u);
  EXPECT_EQ(day_used(r), 8u);
}

TEST_F(MemoryLeases, UnitsOfYesterdaysLeaseGoBackToTheMonthOnly) {
  const auto today = request(20000);
  take_lease(today);  // day 20000: 4 counted + 8 held; month 657 the same
  const auto tomorrow = request(20001);
  const auto a = store.admit(tomorrow, t += 100 * kUs);  // cooled down: no new lease
  EXPECT_EQ(a.day_used, 1u);
  EXPECT_EQ(a.month_used, 5u);  // 12 - 8 given back + 1
  EXPECT_EQ(month_used(tomorrow), 5u);
}

TEST_F(MemoryLeases, NoLeaseIsTakenNearTheEndOfAnAllowance) {
  const auto r = request(20000, 100);  // a lease of 9 would need 144 in reserve
  take_lease(r);
  EXPECT_EQ(day_used(r), 4u);
  for (int i = 0; i < 200; ++i) {
    store.reserve("acme", r.capability_class, r.day, r.month, 0);
    store.admit(r, t += kUs);
  }
  EXPECT_EQ(day_used(r), 100u);
}

// Two threads offering far more than the rate for 300 ms: admitted within 2 % of what the
// plan allows in that time (burst + rate × elapsed), leases or not.
TEST(MemoryCounterStoreRate, TwoContendingThreadsAreHeldToThePlanRate) {
  MemoryCounterStore store;
  const auto rate = gcra_limit(200000, 1000);
  const std::int64_t ends = now_ns() / 1'000'000'000 + 3600;
  const AdmitRequest r{"acme", CapabilityClass::reads, rate, {20000, 4'000'000, ends}, {657, 64'000'000, ends}, 1};
  std::atomic<std::int64_t> admitted{0}, offered{0}, first{std::numeric_limits<std::int64_t>::max()};
  const std::int64_t stop = now_ns() + 300'000'000;
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] {
      std::int64_t mine = 0, asked = 0, now = now_ns();
      for (std::int64_t seen = first.load(); now < seen && !first.compare_exchange_weak(seen, now);) {
      }
      for (; now < stop; now = now_ns()) {
        ++asked;
        if (store.admit(r, now).verdict == Verdict::allowed) ++mine;
      }
      admitted += mine;
      offered += asked;
    });
  for (auto& th : threads) th.join();
  // From the first decision on: a thread started late on a busy machine shortens the run.
  const double allowed = 1000 + 200000 * static_cast<double>(stop - first.load()) / 1e9;
  ASSERT_GT(offered.load(), 3 * allowed) << "the threads did not offer 3x the rate; the check would be empty";
  // Never more than the plan (2% for the clock reads at the window's edges). Fewer is possible
  // when the machine is busy: a thread descheduled while holding a lease loses the lease's
  // unused share after 1 ms (it is not given back to the rate, so the rate is never exceeded).
  // On this 2-core machine with the suite's other test running beside it, 87-98% was admitted.
  const double got = static_cast<double>(admitted.load());
  EXPECT_LE(got, allowed * 1.02) << "admitted " << admitted.load() << " of " << allowed;
  EXPECT_GE(got, allowed * 0.80) << "admitted " << admitted.load() << " of " << allowed;
}

TEST(RedisCounterStore, AnOutageFailsFastAndCountingResumesWhenRedisIsBack) {
  octopus::testing::RedisServer server;
  redis::RedisOptions o;
  o.port = server.port();
  o.breaker_min = std::chrono::milliseconds(100);
  o.breaker_max = std::chrono::milliseconds(200);
  redis::RedisClient client(o);
  RedisCounterStore store(client, "test");
  const std::int64_t ends = now_ns() / 1'000'000'000 + 3600;
  const AdmitRequest r{"acme", CapabilityClass::reads, gcra_limit(1, 1), {1, 100, ends}, {1, 100, ends}, 1};
  ASSERT_EQ(store.admit(r, now_ns()).verdict, Verdict::allowed);

  server.kill();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(store.admit(r, now_ns()), CounterUnavailable);
  // While the breaker is open, calls fail at once instead of each waiting for a timeout.
  for (int i = 0; i < 50; ++i) EXPECT_THROW(store.admit(r, now_ns()), CounterUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(client.available());

  server.restart();  // empty: what a crash without persistence leaves
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  Admission again;
  for (int i = 0; i < 20; ++i) {
    try {
      again = store.admit(r, now_ns());
      break;
    } catch (const CounterUnavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(client.available());
  EXPECT_EQ(again.verdict, Verdict::allowed);
  EXPECT_EQ(store.admit(r, now_ns()).verdict, Verdict::rate_limited);  // exact again
}

}  // namespace
}  // namespace octopus::quota
