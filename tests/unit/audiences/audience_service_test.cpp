// The privacy filter of audience estimates, against a small engine that counts by brute
// force: consent channels, k-suppression, rounding, the differencing guard (in memory, and
// shared by instances through a real Redis), engine and Redis outages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "audiences/audience_service.hpp"
#include "audiences/redis_query_history.hpp"
#include "policy/policy_set.hpp"
#include "redis_server.hpp"
#include "brute_force_engine.hpp"
#include "test_clock.hpp"

namespace octopus::audiences {
namespace {

using nlohmann::json;

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

class Estimates : public ::testing::Test {
 protected:
  BruteForceEngine engine;
  std::int64_t now = 1'800'000'000;
  octopus::testing::SecondsClock clock{now};
  privacy::MemoryReleaseLedger books;
  privacy::ReleaseModel release{privacy::Secret{7}, books, clock};
  AudienceService service{engine, std::chrono::milliseconds(200), release, clock};
  Caller acme{"acme", "gold", "internet"};

  void add(int n, const std::string& city, std::size_t age, bool travel = false) {
    for (int i = 0; i < n; ++i) engine.people.push_back({city, age, travel});
  }
  Estimate estimate(const std::string& segment, const Caller& who) {
    return service.estimate(*shipped(), who, json{{"segment", json::parse(segment)}});
  }
  Estimate estimate(const std::string& segment) { return estimate(segment, acme); }
};

TEST_F(Estimates, OnlyConsentOnTheChannelsThisPartnerMayUseCounts) {
  add(500, "jinan", 1);
  auto e = estimate(R"({"attribute":"city","eq":"jinan"})");
  ASSERT_EQ(e.outcome, Estimate::Outcome::counted);
  EXPECT_EQ(engine.last_consent.purpose, "dpv:DirectMarketing");
  EXPECT_EQ(engine.last_consent.partner_category, "internet");
  // Audiences may use every channel; internet partners only sms and push (consent.yaml).
  EXPECT_EQ(engine.last_consent.channels, (std::vector<std::string>{"sms", "push"}));
}

TEST_F(Estimates, SmallCountsAreWithheldAndOthersRounded) {
  add(99, "qingdao", 2);
  add(12'345, "jinan", 1);
  auto small = estimate(R"({"attribute":"city","eq":"qingdao"})");
  EXPECT_TRUE(small.suppressed);
  EXPECT_FALSE(small.count);
  EXPECT_EQ(small.reason, "below_threshold");
  auto big = estimate(R"({"attribute":"city","eq":"jinan"})");
  EXPECT_FALSE(big.suppressed);
  EXPECT_EQ(big.count, 12'000u);  // nearest 100, then 2 significant figures
}

TEST_F(Estimates, ADifferenceOfAFewSubscribersIsNotRevealed) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);  // five people aged 65+: the group an attacker wants to size
  add(3'000, "qingdao", 1);
  auto whole = estimate(R"({"attribute":"city","eq":"jinan"})");
  ASSERT_FALSE(whole.suppressed);
  auto without_old =
      estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})");
  EXPECT_TRUE(without_old.suppressed);
  EXPECT_EQ(without_old.reason, "differencing");
  EXPECT_FALSE(without_old.count);
  // Asking either again reveals nothing new: the shown one is answered, the withheld one
  // stays withheld. A query differing by at least k is answered.
  EXPECT_FALSE(estimate(R"({"attribute":"city","eq":"jinan"})").suppressed);
  EXPECT_EQ(
      estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})").reason,
      "differencing");
  EXPECT_FALSE(estimate(R"({"attribute":"city","in":["jinan","qingdao"]})").suppressed);
}

TEST_F(Estimates, TheGuardWorksWhicheverQueryComesFirstAndForgetsAfterTheWindow) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);
  ASSERT_FALSE(estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})")
                   .suppressed);
  EXPECT_EQ(estimate(R"({"attribute":"city","eq":"jinan"})").reason, "differencing");
  now += 25 * 3600;  // past the 24 h window of privacy.yaml
  EXPECT_FALSE(estimate(R"({"attribute":"city","eq":"jinan"})").suppressed);
}

// Repeating a question is free (answered from the books), so repeats must not push older
// questions out of the history, which keeps only the newest `remembered_queries` (50).
TEST_F(Estimates, FreeRepeatsDoNotFlushTheHistory) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);
  add(3'000, "qingdao", 1);
  ASSERT_FALSE(estimate(R"({"attribute":"city","eq":"jinan"})").suppressed);
  for (int i = 0; i < 60; ++i) ASSERT_FALSE(estimate(R"({"attribute":"city","eq":"qingdao"})").suppressed) << i;
  EXPECT_EQ(
      estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})").reason,
      "differencing");
}

// Two queries of one account at once are checked one after the other: whichever comes
// second sees the first, so exactly one of the pair is shown.
TEST_F(Estimates, ConcurrentQueriesOfOneAccountAreComparedWithEachOther) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);
  for (int round = 0; round < 20; ++round) {
    now += 25 * 3600;  // a fresh window each round
    Estimate a, b;
    std::thread first([&] { a = estimate(R"({"attribute":"city","eq":"jinan"})"); });
    std::thread second([&] {
      b = estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})");
    });
    first.join();
    second.join();
    EXPECT_NE(a.suppressed, b.suppressed) << "round " << round << ": both shown, or both withheld";
  }
}

TEST_F(Estimates, EachPartnersQueriesAreComparedOnlyWithItsOwn) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);
  ASSERT_FALSE(estimate(R"({"attribute":"city","eq":"jinan"})").suppressed);
  Caller beta{"beta", "gold", "internet"};
  EXPECT_FALSE(
      estimate(R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})", beta)
          .suppressed);
}

TEST_F(Estimates, PurposeAndCategoryComeFromTheConsentPolicy) {
  add(500, "jinan", 1);
  auto bad = service.estimate(*shipped(), acme,
                              json{{"segment", {{"tag", "travel"}}}, {"purpose", "dpv:ServiceOptimisation"}});
  EXPECT_EQ(bad.outcome, Estimate::Outcome::refused);
  EXPECT_EQ(bad.issues.at(0).pointer, "/purpose");
  EXPECT_EQ(bad.issues.at(0).rule, "consent.capabilities.audiences.purposes");
  auto unknown = service.estimate(*shipped(), acme, json{{"segment", {{"tag", "travel"}}}, {"purpose", "marketing"}});
  EXPECT_EQ(unknown.outcome, Estimate::Outcome::malformed);
  auto extra = service.estimate(*shipped(), acme, json{{"segment", {{"tag", "travel"}}}, {"limit", 5}});
  EXPECT_EQ(extra.outcome, Estimate::Outcome::malformed);
  EXPECT_EQ(extra.issues.at(0).pointer, "/limit");
}

TEST_F(Estimates, AHungEngineIsReportedNotWaitedFor) {
  add(500, "jinan", 1);
  ASSERT_EQ(estimate(R"({"tag":"travel"})").outcome, Estimate::Outcome::counted);  // vocabulary cached
  engine.hang = true;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(estimate(R"({"tag":"travel"})").outcome, Estimate::Outcome::engine_unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

// The attacks a partner would try on estimates, each in two worlds that differ only in a
// group smaller than k: in "empty" nobody of A (Jinan, 65+, travel; 300 people) is roaming,
// in "small" five of them are. Whatever the partner asks, its answers must be the same in
// both worlds: it must not learn whether the small group is empty.
class Attacks : public ::testing::Test {
 protected:
  struct World {
    explicit World(int roaming, unsigned char secret = 7)
        : release(privacy::Secret{secret}, books, clock),
          service(engine, std::chrono::milliseconds(200), release, clock) {
      for (int i = 0; i < 300; ++i) engine.people.push_back({"jinan", 5, true, i < roaming});
      for (int i = 0; i < 200; ++i) engine.people.push_back({"qingdao", 0, false, false});  // G
      for (int i = 0; i < 200; ++i) engine.people.push_back({"qingdao", 1, false, false});  // H
      for (int i = 0; i < 10'000; ++i) engine.people.push_back({"jinan", 2, false, i % 7 == 0});
    }
    BruteForceEngine engine;
    const std::int64_t now = 1'800'000'000;
    octopus::testing::SecondsClock clock{now};
    privacy::MemoryReleaseLedger books;
    privacy::ReleaseModel release;
    AudienceService service;
    // What the partner sees: count or withheld, and why.
    std::string ask(const std::string& segment, const Caller& who = {"acme", "gold", "internet", ""}) {
      const auto e = service.estimate(*shipped(), who, json{{"segment", json::parse(segment)}});
      return e.count ? std::to_string(*e.count) : "withheld:" + e.reason;
    }
  };
  static constexpr const char* kA =
      R"({"all":[{"attribute":"city","eq":"jinan"},{"attribute":"age_band","eq":"65+"},{"tag":"travel"}]})";
  static constexpr const char* kANotRoaming =
      R"({"all":[{"attribute":"city","eq":"jinan"},{"attribute":"age_band","eq":"65+"},{"tag":"travel"},{"not":{"tag":"roaming"}}]})";
  static std::string any(const std::string& a, const std::string& b) { return R"({"any":[)" + a + "," + b + "]}"; }
  static constexpr const char* kG =
      R"({"all":[{"attribute":"city","eq":"qingdao"},{"attribute":"age_band","eq":"18-24"}]})";
  static constexpr const char* kH =
      R"({"all":[{"attribute":"city","eq":"qingdao"},{"attribute":"age_band","eq":"25-34"}]})";
};

TEST_F(Attacks, TheEmptinessProbeGetsTheSameAnswerWhetherTheSmallGroupIsEmptyOrNot) {
  World empty(0), small(5);
  EXPECT_EQ(empty.ask(kA), small.ask(kA));
  EXPECT_EQ(empty.ask(kA), "300");
  EXPECT_EQ(empty.ask(kANotRoaming), small.ask(kANotRoaming));
  EXPECT_EQ(empty.ask(kANotRoaming), "withheld:differencing") << "a zero difference is withheld like a small one";
  // Asking A again (its terms in another order) is the same question: the same answer.
  const std::string reordered =
      R"({"all":[{"tag":"travel"},{"attribute":"age_band","eq":"65+"},{"attribute":"city","eq":"jinan"}]})";
  EXPECT_EQ(empty.ask(reordered), "300");
  EXPECT_EQ(small.ask(reordered), "300");
}

TEST_F(Attacks, PaddingBothQueriesWithTheSameLargeGroupChangesNothing) {
  World empty(0), small(5);
  const std::string pad = R"({"attribute":"age_band","eq":"25-34"})";  // 10,000 in Jinan, 200 in Qingdao
  EXPECT_EQ(empty.ask(any(kA, pad)), small.ask(any(kA, pad)));
  EXPECT_EQ(empty.ask(any(kANotRoaming, pad)), "withheld:differencing");
  EXPECT_EQ(small.ask(any(kANotRoaming, pad)), "withheld:differencing");
}

TEST_F(Attacks, SplittingTheProbeOverPartnersOfOneOrganisationChangesNothing) {
  World empty(0), small(5);
  const Caller first{"acme-1", "gold", "internet", "acme-group"}, second{"acme-2", "gold", "internet", "acme-group"};
  EXPECT_EQ(empty.ask(kA, first), small.ask(kA, first));
  EXPECT_EQ(empty.ask(kANotRoaming, second), "withheld:differencing");
  EXPECT_EQ(small.ask(kANotRoaming, second), "withheld:differencing");
  // A partner of another organisation has a history of its own.
  const Caller other{"beta", "gold", "internet", ""};
  EXPECT_EQ(empty.ask(kANotRoaming, other), "300");
}

// Padding with two different groups G and H gets past the pairwise guard (every pair of
// queries differs by 200 or more), and (A∨G − G) − ((A∧¬X)∨H − H) would be |A∧X| with exact
// counts. With the release model the four answers are the same in both worlds for nearly
// every noise secret, and the partner's inference is then 0 whatever the truth.
TEST_F(Attacks, AChainWithDistinctPaddingLearnsNothingAcrossNoiseSecrets) {
  int same = 0;
  constexpr int kSecrets = 100;
  for (int s = 1; s <= kSecrets; ++s) {
    World empty(0, static_cast<unsigned char>(s)), small(5, static_cast<unsigned char>(s));
    std::vector<std::string> views[2];
    for (auto* w : {&empty, &small})
      views[w == &small].assign({w->ask(any(kA, kG)), w->ask(any(kANotRoaming, kH)), w->ask(kG), w->ask(kH)});
    ASSERT_EQ(views[0][2], "200");
    same += views[0] == views[1];
    if (views[0] == views[1]) {
      const auto n = [&](int i) { return std::stoll(views[1][i]); };
      EXPECT_EQ((n(0) - n(2)) - (n(1) - n(3)), 0) << "the inference says nobody, though five are there";
    }
  }
  std::printf("chain with distinct padding: the worlds look alike for %d of %d secrets\n", same, kSecrets);
  EXPECT_GE(same, 95) << "answers that differ between the worlds for more than 5 in 100 secrets";
}

// Two gateway instances behind one load balancer, each with its own Redis connection and
// the same engine: the differencing check sees a partner's queries whichever instance
// answered them; with Redis gone, counts are withheld rather than shown unchecked.
class SharedHistory : public ::testing::Test {
 protected:
  octopus::testing::RedisServer server;
  BruteForceEngine engine;
  std::int64_t now = 1'800'000'000;
  octopus::testing::SecondsClock clock{now};
  redis::RedisClient redis_a{options()}, redis_b{options()};
  privacy::MemoryReleaseLedger books;
  privacy::ReleaseModel release{privacy::Secret{7}, books, clock};
  AudienceService a{engine, std::chrono::milliseconds(200), release, clock,
                    std::make_unique<RedisQueryHistory>(redis_a, "test")};
  AudienceService b{engine, std::chrono::milliseconds(200), release, clock,
                    std::make_unique<RedisQueryHistory>(redis_b, "test")};
  Caller acme{"acme", "gold", "internet"};

  redis::RedisOptions options() {
    redis::RedisOptions o;
    o.port = server.port();
    o.breaker_min = std::chrono::milliseconds(50);
    o.breaker_max = std::chrono::milliseconds(100);
    return o;
  }
  Estimate estimate(AudienceService& on, const std::string& segment) {
    return on.estimate(*shipped(), acme, json{{"segment", json::parse(segment)}});
  }
  void add(int n, const std::string& city, std::size_t age) {
    for (int i = 0; i < n; ++i) engine.people.push_back({city, age, false});
  }
};

TEST_F(SharedHistory, ADifferencingAttackSpreadOverTwoInstancesIsStillWithheld) {
  add(10'000, "jinan", 1);
  add(5, "jinan", 5);
  ASSERT_FALSE(estimate(a, R"({"attribute":"city","eq":"jinan"})").suppressed);
  auto without_old =
      estimate(b, R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})");
  EXPECT_EQ(without_old.outcome, Estimate::Outcome::counted);
  EXPECT_TRUE(without_old.suppressed);
  EXPECT_EQ(without_old.reason, "differencing");
  EXPECT_FALSE(without_old.count);
  now += 25 * 3600;  // past the window: forgotten on every instance
  EXPECT_FALSE(estimate(b, R"({"all":[{"attribute":"city","eq":"jinan"},{"not":{"attribute":"age_band","eq":"65+"}}]})")
                   .suppressed);
}

TEST_F(SharedHistory, OnlyTheNewestQueriesWithinTheLimitAreKept) {
  RedisQueryHistory history(redis_a, "test");
  for (int i = 0; i < 60; ++i) {
    engine::SegmentNode tag;
    tag.kind = engine::SegmentNode::Kind::tag;
    tag.tag = "t" + std::to_string(i);
    history.remember("acme", {tag, "dpv:DirectMarketing", now + i}, 3600, 50);
  }
  const auto recent = history.recent("acme", now + 60, 3600, 50);
  ASSERT_EQ(recent.size(), 50u);
  EXPECT_EQ(recent.front().segment.tag, "t59");
  EXPECT_EQ(recent.back().segment.tag, "t10");
  EXPECT_EQ(recent.front().at, now + 59);
  EXPECT_TRUE(history.recent("beta", now, 3600, 50).empty());
  // Older than the window: not returned, even before Redis expires the list.
  EXPECT_EQ(history.recent("acme", now + 3600 + 20, 3600, 50).size(), 39u);
}

TEST_F(SharedHistory, WithoutRedisCountsAreWithheldUntilItReturns) {
  add(10'000, "jinan", 1);
  server.kill();
  auto e = estimate(a, R"({"attribute":"city","eq":"jinan"})");
  EXPECT_EQ(e.outcome, Estimate::Outcome::history_unavailable);
  EXPECT_FALSE(e.count);
  EXPECT_GE(e.retry_after.count(), 1);
  server.restart();
  Estimate back;
  for (int i = 0; i < 50; ++i) {  // the client's breaker lets a probe through after its back-off
    back = estimate(a, R"({"attribute":"city","eq":"jinan"})");
    if (back.outcome == Estimate::Outcome::counted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(back.outcome, Estimate::Outcome::counted);
  EXPECT_EQ(back.count, 10'000u);
}

}  // namespace
}  // namespace octopus::audiences
