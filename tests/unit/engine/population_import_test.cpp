#include "engine/reference/population_import.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/reference/reference_engine.hpp"

namespace octopus::engine::reference {
namespace {

const std::string kHeader =
    "subscriber_id,city,age_band,gender,plan_type,network,arpu_band,data_usage_band,device_type,device_os,"
    "tenure_band,roaming_status,status,tags,products,consent_granted,consent_withdrawn";

std::string row(const std::string& id, const std::string& city = "jinan",
                const std::string& consent = "dpv:DirectMarketing/sms/internet") {
  return id + "," + city + ",25-34,female,postpaid,5g,100-199,30-59,smartphone,android,5-9,not_roaming,active," +
         "travel;gaming,5G-PLUS," + consent + ",";
}

std::vector<std::size_t> lines_of(const ImportReport& r) {
  std::vector<std::size_t> lines;
  for (const auto& b : r.bad_rows) lines.push_back(b.line);
  return lines;
}

TEST(PopulationImport, AGoodCsvLoadsInIdOrder) {
  std::istringstream in(kHeader + "\n" + row("300", "qingdao") + "\n" + row("100") + "\r\n\n" + row("200", "heze") +
                        "\n");
  const auto result = read_population(in, PopulationFormat::csv, OnBadRow::refuse);
  ASSERT_TRUE(result.population) << (result.report.bad_rows.empty() ? "" : result.report.bad_rows[0].reason);
  EXPECT_EQ(result.report.rows_read, 3u);
  EXPECT_EQ(result.report.rows_loaded, 3u);
  EXPECT_TRUE(result.report.bad_rows.empty());
  const auto& p = *result.population;
  const auto& s = p.schema();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.id(0), 100u);
  EXPECT_EQ(p.id(2), 300u);
  EXPECT_EQ(p.attribute(2, Attr::city), s.code(Attr::city, "qingdao"));
  EXPECT_EQ(p.attribute(1, Attr::city), s.code(Attr::city, "heze"));
  EXPECT_EQ(p.tags(0), (std::uint64_t{1} << *s.tag_index("travel")) | (std::uint64_t{1} << *s.tag_index("gaming")));
  EXPECT_EQ(p.products(0), std::uint64_t{1} << *s.product_index("5G-PLUS"));
  EXPECT_EQ(p.consent_granted(0), std::uint64_t{1} << *s.parse_scope("dpv:DirectMarketing/sms/internet"));
  EXPECT_EQ(p.consent_withdrawn(0), 0u);
}

TEST(PopulationImport, BadCsvRowsAreReportedWithTheirLineNumbersAndSkipped) {
  const std::string text = kHeader + "\n" +                            // line 1
                           row("1") + "\n" +                           // 2 good
                           row("2", "beijing") + "\n" +                // 3 not a Shandong city
                           row("3") + "\n" +                           // 4 good
                           "4,jinan,25-34\n" +                         // 5 too few fields
                           row("1", "zibo") + "\n" +                   // 6 repeats line 2's id
                           row("7", "zibo", "marketing/sms") + "\n" +  // 7 malformed consent scope
                           row("x8") + "\n" +                          // 8 not a number
                           "\"9,jinan\n" +                             // 9 open quote
                           row("10") + "\n";                           // 10 good
  std::istringstream in(text);
  const auto result = read_population(in, PopulationFormat::csv, OnBadRow::skip);
  ASSERT_TRUE(result.population);
  EXPECT_EQ(result.report.rows_read, 9u);
  EXPECT_EQ(result.report.rows_loaded, 3u);
  EXPECT_EQ(result.report.rows_skipped, 6u);
  EXPECT_EQ(lines_of(result.report), (std::vector<std::size_t>{3, 5, 6, 7, 8, 9}));
  EXPECT_EQ(result.report.bad_rows[0].reason, "'beijing' is not a value of city");
  EXPECT_EQ(result.report.bad_rows[2].reason, "subscriber_id 1 repeats line 2");
  EXPECT_EQ(result.population->size(), 3u);
  EXPECT_EQ(result.population->attribute(0, Attr::city), result.population->schema().code(Attr::city, "jinan"));
}

TEST(PopulationImport, RefuseModeLoadsNothingAndStillListsEveryBadRow) {
  std::istringstream in(kHeader + "\n" + row("1") + "\n" + row("2", "beijing") + "\n" + row("3", "x") + "\n");
  const auto result = read_population(in, PopulationFormat::csv, OnBadRow::refuse);
  EXPECT_FALSE(result.population);
  EXPECT_TRUE(result.report.refused);
  EXPECT_EQ(result.report.rows_loaded, 0u);
  EXPECT_EQ(lines_of(result.report), (std::vector<std::size_t>{3, 4}));
}

TEST(PopulationImport, AnUnknownOrMissingColumnRefusesTheFileAtLineOne) {
  std::istringstream unknown(kHeader + ",consent\n" + row("1") + ",\n");
  const auto a = read_population(unknown, PopulationFormat::csv, OnBadRow::skip);
  EXPECT_TRUE(a.report.refused);
  ASSERT_EQ(lines_of(a.report), (std::vector<std::size_t>{1}));
  EXPECT_EQ(a.report.bad_rows[0].reason, "'consent' is not a column");

  std::istringstream missing("subscriber_id,city\n1,jinan\n");
  const auto b = read_population(missing, PopulationFormat::csv, OnBadRow::skip);
  EXPECT_TRUE(b.report.refused);
  EXPECT_EQ(b.report.bad_rows.at(0).reason, "the header has no 'age_band' column");
}

TEST(PopulationImport, JsonLinesLoadWithListsAsArrays) {
  const std::string good =
      R"({"subscriber_id": 42, "city": "yantai", "age_band": "65+", "gender": "male", "plan_type": "prepaid",)"
      R"( "network": "4g", "arpu_band": "0-29", "data_usage_band": "0-1", "device_type": "feature_phone",)"
      R"( "device_os": "other", "tenure_band": "20+", "roaming_status": "not_roaming", "status": "active",)"
      R"( "tags": ["news"], "products": [], "consent_granted": ["dpv:DirectMarketing/sms/agent"],)"
      R"( "consent_withdrawn": ["dpv:DirectMarketing/sms/agent"]})";
  std::string bad_tags = good;
  bad_tags.replace(bad_tags.find(R"(["news"])"), 8, R"("news")");
  std::string extra = good;
  extra.replace(extra.size() - 1, 1, R"(, "msisdn": "13800000000"})");
  std::string dup = good;
  std::istringstream in(good + "\n" + "{not json\n" + bad_tags + "\n\n" + extra + "\n" + dup + "\n");
  const auto result = read_population(in, PopulationFormat::jsonl, OnBadRow::skip);
  ASSERT_TRUE(result.population);
  EXPECT_EQ(result.report.rows_loaded, 1u);
  EXPECT_EQ(lines_of(result.report), (std::vector<std::size_t>{2, 3, 5, 6}));
  EXPECT_EQ(result.report.bad_rows[1].reason, "tags must be an array of strings");
  EXPECT_EQ(result.report.bad_rows[2].reason, "'msisdn' is not a column");
  const auto& p = *result.population;
  EXPECT_EQ(p.id(0), 42u);
  EXPECT_EQ(p.consent_granted(0), p.consent_withdrawn(0));  // granted, then withdrawn: withdrawn wins

  // An imported population is counted like a synthetic one: withdrawn consent is no consent.
  ReferenceEngine e(result.population, {.workers = 0});
  SegmentNode yantai;
  yantai.kind = SegmentNode::Kind::eq;
  yantai.attribute = "city";
  yantai.values = {"yantai"};
  EXPECT_EQ(e.count({yantai, {"dpv:DirectMarketing", "agent", {"sms"}}}).get(), 0u);
}

TEST(PopulationImport, AJsonValueOfTheWrongTypeIsABadRow) {
  std::istringstream in(R"({"subscriber_id": -5, "city": "jinan"})"
                        "\n"
                        R"({"subscriber_id": "7", "age_band": 30})"
                        "\n");
  const auto result = read_population(in, PopulationFormat::jsonl, OnBadRow::refuse);
  EXPECT_TRUE(result.report.refused);
  ASSERT_EQ(lines_of(result.report), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(result.report.bad_rows[0].reason, "subscriber_id must be a whole number or a string of digits");
  EXPECT_EQ(result.report.bad_rows[1].reason, "age_band must be a string");
}

TEST(PopulationImport, LoadsFromAFileAndRefusesAMissingOne) {
  const auto path =
      std::filesystem::temp_directory_path() / ("octopus-population-" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream out(path);
    out << kHeader << "\n" << row("5") << "\n";
  }
  ASSERT_EQ(population_format_of(path), PopulationFormat::csv);
  const auto result = load_population(path, PopulationFormat::csv, OnBadRow::refuse);
  std::filesystem::remove(path);
  ASSERT_TRUE(result.population);
  EXPECT_EQ(result.population->size(), 1u);
  EXPECT_THROW(load_population(path, PopulationFormat::csv, OnBadRow::skip), std::runtime_error);
}

}  // namespace
}  // namespace octopus::engine::reference
