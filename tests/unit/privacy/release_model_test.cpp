// The release model: what a partner sees of a figure (threshold, noise, rounding), the same
// figure for the same question, the budget that bounds new questions, and the books kept in
// the store (append-only, surviving a restart).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "policy/policy_set.hpp"
#include "privacy/release_model.hpp"
#include "app/sql_repositories.hpp"
#include "test_clock.hpp"

namespace octopus::privacy {
namespace {

policy::PrivacyPolicy shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot->privacy;
}

class Releases : public ::testing::Test {
 protected:
  std::int64_t now = 1'800'000'000;  // 2027-01-15T08:00:00Z
  octopus::testing::SecondsClock clock{now};
  policy::PrivacyPolicy rules = shipped();
  MemoryReleaseLedger books;
  ReleaseModel model{Secret{9}, books, clock};
};

TEST_F(Releases, ACountBelowKIsWithheldAndCostsNothing) {
  const auto r = model.count(rules, "acme", "q", 99);
  EXPECT_TRUE(r.withheld);
  EXPECT_EQ(r.reason, "below_threshold");
  EXPECT_TRUE(r.figures.empty());
  EXPECT_EQ(model.budget(rules, "acme").spent_milli, 0u);
}

TEST_F(Releases, AShownCountIsRoundedAtLeastKAndTheSameOnEveryLookAtOneCost) {
  const auto first = model.count(rules, "acme", "q", 12'345);
  ASSERT_FALSE(first.withheld);
  EXPECT_EQ(first.value("count"), 12'000u);
  EXPECT_EQ(model.count(rules, "acme", "small", 100).value("count") % 100, 0u);
  EXPECT_GE(model.count(rules, "acme", "small", 100).value("count"), 100u);
  EXPECT_EQ(model.count(rules, "acme", "q", 12'345).figures, first.figures);
  const auto use = model.budget(rules, "acme");
  EXPECT_EQ(use.releases, 2u);
  EXPECT_EQ(use.spent_milli, 2 * rules.epsilon_milli);
}

// The noise is real: the same true count near a rounding boundary is shown on either side
// of it depending on the draw, so the shown figure does not pin the true one.
TEST_F(Releases, NoiseMovesAFigureAcrossRoundingBoundaries) {
  std::set<std::uint64_t> shown;
  for (unsigned char s = 1; s <= 60; ++s) {
    MemoryReleaseLedger own;
    ReleaseModel m(Secret{s}, own, clock);
    shown.insert(m.count(rules, "acme", "q", 1'250).value("count"));
  }
  EXPECT_EQ(shown, (std::set<std::uint64_t>{1'200, 1'300}));
}

TEST_F(Releases, TheBudgetBoundsNewQuestionsNotRepeatsAndRenewsNextPeriod) {
  rules.budget_milli = 4 * rules.epsilon_milli;
  std::vector<Release> answered;
  for (int i = 0; i < 4; ++i) answered.push_back(model.count(rules, "acme", "q" + std::to_string(i), 5'000));
  for (const auto& r : answered) EXPECT_FALSE(r.withheld);
  const auto fifth = model.count(rules, "acme", "q4", 5'000);
  EXPECT_TRUE(fifth.withheld);
  EXPECT_EQ(fifth.reason, "privacy_budget_exhausted");
  // Repeats stay free; another account has its own budget.
  EXPECT_EQ(model.count(rules, "acme", "q2", 5'000).figures, answered[2].figures);
  EXPECT_FALSE(model.count(rules, "beta", "q4", 5'000).withheld);
  auto report = model.budget(rules, "acme");
  EXPECT_EQ(report.period, "2027-01-15");
  EXPECT_EQ(report.spent_milli, report.budget_milli);
  EXPECT_EQ(report.resets_at, 1'800'000'000 - 8 * 3600 + 86400);
  now += 86400;  // the next UTC day
  EXPECT_FALSE(model.count(rules, "acme", "q4", 5'000).withheld);
  EXPECT_EQ(model.budget(rules, "acme").releases, 1u);
}

TEST_F(Releases, AMonthlyBudgetIsLabelledAndResetsOnTheFirst) {
  rules.budget_period = policy::PrivacyPolicy::BudgetPeriod::month;
  std::int64_t next = 0;
  EXPECT_EQ(ReleaseModel::period_of(rules, now, &next), "2027-01");
  EXPECT_EQ(next, 1'801'440'000);                                                  // 2027-02-01T00:00:00Z
  EXPECT_EQ(ReleaseModel::period_of(rules, 1'798'761'600 - 1, &next), "2026-12");  // 2026-12-31T23:59:59Z
  EXPECT_EQ(next, 1'798'761'600);                                                  // across the year
}

TEST_F(Releases, PartsAreEachNoisyAndRoundedWithoutAThresholdEachAndFrozenOnceShown) {
  const std::vector<Figure> outcome{{"delivered", 2'054}, {"no_consent", 6}, {"capped", 0}};
  EXPECT_EQ(model.parts(rules, "acme", "delivery|d1", 99, outcome, 1).reason, "below_threshold");
  const auto shown = model.parts(rules, "acme", "delivery|d1", 2'060, outcome, 1);
  ASSERT_FALSE(shown.withheld);
  ASSERT_EQ(shown.figures.size(), 3u);
  EXPECT_EQ(shown.figures[0].name, "delivered");
  EXPECT_NEAR(static_cast<double>(shown.value("delivered")), 2'054, 150);
  EXPECT_EQ(shown.value("delivered") % 100, 0u);
  EXPECT_EQ(shown.value("no_consent") % 100, 0u) << "a small part is rounded like any other";
  // Later looks get the same figures even when the data moved.
  EXPECT_EQ(
      model.parts(rules, "acme", "delivery|d1", 2'060, {{"delivered", 2'060}, {"no_consent", 0}, {"capped", 0}}, 1)
          .figures,
      shown.figures);
}

// Inclusion–exclusion over delivery outcomes. Audiences A and P (hundreds each) and
// C = (A ∧ ¬arpu 400+) ∨ P pass the pairwise guard; one offer is delivered to each. With
// exact outcomes, sum(A) + sum(P) − sum(C) = |A ∧ arpu 400+| = 6, and the split says how many
// of the six lack SMS consent. Two worlds: the six are in A ∧ arpu 400+ ("six"), or have a
// lower ARPU ("none"). A and P are the same in both; only C differs.
TEST(InclusionExclusion, DeliveryOutcomesNoLongerSizeTheSmallGroup) {
  const std::int64_t fixed_now = 1'800'000'000;
  const octopus::testing::SecondsClock fixed{fixed_now};
  const auto rules = shipped();
  constexpr int kTrials = 200;
  int same_views = 0, exact_views_differ = 0;
  for (int t = 0; t < kTrials; ++t) {
    // Audience sizes vary by trial, as a partner's would; so does the operator's secret.
    const std::uint64_t a_delivered = 200 + (t * 37) % 600, a_refused = 40 + (t * 11) % 90;
    const std::uint64_t p_delivered = 250 + (t * 53) % 500, p_refused = 30 + (t * 17) % 70;
    const std::uint64_t six_delivered = 4, six_refused = 2;  // the group an attacker wants to size
    auto outcome = [](std::uint64_t delivered, std::uint64_t refused) {
      return std::vector<Figure>{{"delivered", delivered}, {"no_consent", refused}};
    };
    std::vector<std::uint64_t> views[2];
    for (int world = 0; world < 2; ++world) {
      const bool six = world == 1;
      MemoryReleaseLedger books;
      ReleaseModel model(Secret{static_cast<unsigned char>(t % 250 + 1), static_cast<unsigned char>(t / 250)}, books,
                         fixed);
      const auto a = outcome(a_delivered, a_refused);
      const auto p = outcome(p_delivered, p_refused);
      const auto c = outcome(a_delivered + p_delivered - (six ? six_delivered : 0),
                             a_refused + p_refused - (six ? six_refused : 0));
      for (const auto& [id, raw] : {std::pair{"dlv_a", a}, std::pair{"dlv_p", p}, std::pair{"dlv_c", c}}) {
        const auto total = raw[0].value + raw[1].value;
        const auto shown = model.parts(rules, "acme", std::string("delivery|") + id, total, raw, 1);
        ASSERT_FALSE(shown.withheld);
        for (const auto& f : shown.figures) views[world].push_back(f.value);
      }
      if (six) exact_views_differ += c[0].value != a_delivered + p_delivered;  // what exact outcomes would show
    }
    same_views += views[0] == views[1];
    // The attacker's arithmetic on what it sees: a multiple of the rounding step, never "6".
    const auto inferred = static_cast<std::int64_t>(views[1][0] + views[1][2] + views[1][1] + views[1][3]) -
                          static_cast<std::int64_t>(views[1][4] + views[1][5]);
    EXPECT_EQ(inferred % 100, 0);
  }
  std::printf("inclusion-exclusion: the worlds look alike in %d of %d trials (exact outcomes: 0 of %d)\n", same_views,
              kTrials, kTrials);
  EXPECT_EQ(exact_views_differ, kTrials) << "baseline: exact outcomes give the group away every time";
  EXPECT_GE(same_views, kTrials * 80 / 100) << "the two worlds look alike in " << same_views << " of " << kTrials;
}

class StoreBooks : public ::testing::Test {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("octopus-books-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "gateway.db").string(); }
};

TEST_F(StoreBooks, ReleasesSurviveARestartAndTheCapHolds) {
  {
    octopus::app::SqlRepositories store(db());
    auto& books = store.privacy_releases;
    EXPECT_EQ(books.record({"acme", "k1", "2027-01-15", 250, R"([["count",300]])", 1}, 500), R"([["count",300]])");
    EXPECT_EQ(books.record({"acme", "k1", "2027-01-15", 250, R"([["count",400]])", 2}, 500), R"([["count",300]])")
        << "a question already answered keeps its first answer";
    EXPECT_TRUE(books.record({"acme", "k2", "2027-01-15", 250, "[]", 3}, 500));
    EXPECT_FALSE(books.record({"acme", "k3", "2027-01-15", 250, "[]", 4}, 500)) << "over the cap";
    EXPECT_TRUE(books.record({"acme", "k3", "2027-01-16", 250, "[]", 5}, 500)) << "the next period";
  }
  octopus::app::SqlRepositories reopened(db());
  auto& again = reopened.privacy_releases;
  EXPECT_EQ(again.find("acme", "k1"), R"([["count",300]])");
  EXPECT_FALSE(again.find("beta", "k1"));
  const auto use = again.use("acme", "2027-01-15");
  EXPECT_EQ(use.spent_milli, 500u);
  EXPECT_EQ(use.releases, 2u);
}

TEST_F(StoreBooks, TheBooksAreAppendOnlyInTheFileItself) {
  { octopus::app::SqlRepositories(db()).privacy_releases.record({"acme", "k1", "2027-01-15", 250, "[]", 1}, 500); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "UPDATE privacy_releases SET epsilon_milli = 1", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "DELETE FROM privacy_releases", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(octopus::app::SqlRepositories(db()).privacy_releases.use("acme", "2027-01-15").spent_milli, 250u);
}

}  // namespace
}  // namespace octopus::privacy
