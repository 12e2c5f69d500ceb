#include "observability/metrics.hpp"

#include <gtest/gtest.h>

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
