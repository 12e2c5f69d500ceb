#include "observability/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <thread>

using octopus::observability::Metrics;
using octopus::observability::MetricType;

TEST(Metrics, EveryDescribedFamilyHasHelpAndTypeFromStartAndAnUnlabelledOneAZero) {
  Metrics m;
  m.describe("octopus_trims_total", MetricType::counter, "Trims.", true);
  m.describe("octopus_refusals_total", MetricType::counter, "Refusals, by policy.", false);
  m.describe("octopus_thing_up", MetricType::gauge, "1 when up.", false);
  EXPECT_EQ(m.render(),
            "# HELP octopus_refusals_total Refusals, by policy.\n# TYPE octopus_refusals_total counter\n"
            "# HELP octopus_thing_up 1 when up.\n# TYPE octopus_thing_up gauge\n"
            "# HELP octopus_trims_total Trims.\n# TYPE octopus_trims_total counter\noctopus_trims_total 0\n");
}

TEST(Metrics, SamplesSitUnderTheirFamilyEvenWhenAnotherNameSortsBetween) {
  Metrics m;
  m.describe("octopus_x_total", MetricType::counter, "X.", true);
  m.describe("octopus_x_total_extra", MetricType::gauge, "Extra.", false);
  m.increment("octopus_x_total{k=\"a\"}", 2);
  m.set("octopus_x_total_extra", 1.5);
  EXPECT_EQ(m.render(),
            "# HELP octopus_x_total X.\n# TYPE octopus_x_total counter\noctopus_x_total{k=\"a\"} 2\n"
            "# HELP octopus_x_total_extra Extra.\n# TYPE octopus_x_total_extra gauge\noctopus_x_total_extra 1.5\n");
}

TEST(Metrics, HelpIsEscapedAndAFamilyCountedWithoutADescriptionIsStillWellFormed) {
  Metrics m;
  m.describe("octopus_a", MetricType::gauge, "line one\nback\\slash", false);
  m.increment("octopus_undescribed_total");
  const auto text = m.render();
  EXPECT_NE(text.find("# HELP octopus_a line one\\nback\\\\slash\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE octopus_undescribed_total counter\noctopus_undescribed_total 1\n"), std::string::npos)
      << text;
}

TEST(Metrics, AHistogramRendersCumulativeBucketsWithInfSumAndCountPerSeries) {
  Metrics m;
  m.describe("octopus_wait_seconds", MetricType::histogram, "Waits.", false, {0.1, 1});
  m.observe("octopus_wait_seconds{plane=\"a\"}", 0.05);
  m.observe("octopus_wait_seconds{plane=\"a\"}", 0.1);  // on a bound: counted in it (le)
  m.observe("octopus_wait_seconds{plane=\"a\"}", 3);
  m.observe("octopus_wait_seconds", 0.5);
  EXPECT_EQ(
      m.render(),
      "# HELP octopus_wait_seconds Waits.\n# TYPE octopus_wait_seconds histogram\n"
      "octopus_wait_seconds_bucket{le=\"0.1\"} 0\noctopus_wait_seconds_bucket{le=\"1\"} 1\n"
      "octopus_wait_seconds_bucket{le=\"+Inf\"} 1\noctopus_wait_seconds_sum 0.5\noctopus_wait_seconds_count 1\n"
      "octopus_wait_seconds_bucket{plane=\"a\",le=\"0.1\"} 2\noctopus_wait_seconds_bucket{plane=\"a\",le=\"1\"} 2\n"
      "octopus_wait_seconds_bucket{plane=\"a\",le=\"+Inf\"} 3\noctopus_wait_seconds_sum{plane=\"a\"} 3.15\n"
      "octopus_wait_seconds_count{plane=\"a\"} 3\n");
  EXPECT_EQ(m.observations("octopus_wait_seconds{plane=\"a\"}"), 3u);
  EXPECT_THROW(m.observe("octopus_not_a_histogram", 1), std::logic_error);
  EXPECT_THROW(m.describe("octopus_h", MetricType::histogram, "No buckets.", false), std::logic_error);
  EXPECT_THROW(m.describe("octopus_c_total", MetricType::counter, "Buckets.", false, {1}), std::logic_error);
}

TEST(Metrics, CollectorsAreAskedAtEachRenderUntilRemovedAndLabelValuesAreEscaped) {
  Metrics m;
  m.describe("octopus_headroom", MetricType::gauge, "Headroom.", false);
  int asked = 0;
  const auto id = m.add_collector([&](std::vector<octopus::observability::Sample>& out) {
    ++asked;
    out.push_back({"octopus_headroom{partner=\"" + octopus::observability::label_value("a\"b\\c") + "\"}", 7});
  });
  const auto first = m.render();
  EXPECT_NE(first.find("octopus_headroom{partner=\"a\\\"b\\\\c\"} 7\n"), std::string::npos) << first;
  m.render();
  EXPECT_EQ(asked, 2);
  m.remove_collector(id);
  EXPECT_EQ(m.render(), "# HELP octopus_headroom Headroom.\n# TYPE octopus_headroom gauge\n");
  EXPECT_EQ(asked, 2);
}

TEST(Metrics, LargeAndOddValuesKeepEveryDigitAPrometheusReaderNeeds) {
  Metrics m;
  m.describe("octopus_g", MetricType::gauge, "G.", false);
  m.set("octopus_g{k=\"a\"}", 1234567.891);
  m.set("octopus_g{k=\"b\"}", std::numeric_limits<double>::quiet_NaN());
  const auto text = m.render();
  EXPECT_NE(text.find("octopus_g{k=\"a\"} 1234567.891\n"), std::string::npos) << text;
  EXPECT_NE(text.find("octopus_g{k=\"b\"} NaN\n"), std::string::npos) << text;
}

// Figures too slow to read at scrape time are gathered on their own thread and served from
// memory: a scrape does not ask the source; a failed gathering shows nothing, not old figures.
TEST(Metrics, ARefreshedCollectorServesItsLastGatheringAndNeverWaitsOnTheSource) {
  auto& m = octopus::observability::metrics();
  m.describe("octopus_test_refreshed", MetricType::gauge, "Refreshed.", false);
  const auto scraping_thread = std::this_thread::get_id();
  std::atomic<int> gathered{0}, gathered_while_scraping{0};
  {
    auto slow = octopus::observability::refreshed_collector(
        [&](std::vector<octopus::observability::Sample>& out) {
          ++gathered;
          out.push_back({"octopus_test_refreshed", 42});
        },
        std::chrono::hours(1));
    EXPECT_EQ(gathered.load(), 1);  // once at once: the first scrape has figures
    for (int i = 0; i < 20; ++i) EXPECT_NE(m.render().find("\noctopus_test_refreshed 42\n"), std::string::npos);
    EXPECT_EQ(gathered.load(), 1);  // scrapes never gather
  }
  EXPECT_EQ(m.render().find("\noctopus_test_refreshed "), std::string::npos);  // gone with its owner
  std::atomic<bool> failing{false};
  auto owner = octopus::observability::refreshed_collector(
      [&](std::vector<octopus::observability::Sample>& out) {
        if (std::this_thread::get_id() == scraping_thread) ++gathered_while_scraping;
        if (failing) throw std::runtime_error("source down");
        out.push_back({"octopus_test_refreshed", 7});
      },
      std::chrono::milliseconds(30));
  failing = true;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (m.render().find("\noctopus_test_refreshed ") != std::string::npos && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(m.render().find("\noctopus_test_refreshed "), std::string::npos)
      << "a failed gathering still shows figures";
  EXPECT_EQ(gathered_while_scraping.load(), 1);  // only the first gathering, at creation, ran here
}

TEST(Metrics, ALabelledCounterStartsEveryKnownSeriesAtZero) {
  const octopus::observability::LabelledCounter outcomes{
      "octopus_test_outcomes_total", "Outcomes.", "outcome", {"ok", "failed"}};
  auto& m = octopus::observability::metrics();
  const auto text = m.render();
  EXPECT_NE(text.find("\noctopus_test_outcomes_total{outcome=\"ok\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\noctopus_test_outcomes_total{outcome=\"failed\"} 0\n"), std::string::npos);
  m.increment(outcomes.series("failed"));
  EXPECT_EQ(m.value("octopus_test_outcomes_total{outcome=\"failed\"}"), 1);
  EXPECT_EQ(outcomes.series("a\"b"), "octopus_test_outcomes_total{outcome=\"a\\\"b\"}");
}
