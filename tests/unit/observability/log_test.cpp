// Log lines as a log pipeline reads them: one JSON object per line, numbers as numbers, and
// the request id on every line written while a request is being served.
#include "observability/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace octopus::observability {
namespace {

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(Log, LinesWrittenWhileARequestIsServedCarryItsIdAndOthersDoNot) {
  ::testing::internal::CaptureStderr();
  log_info("before");
  {
    const RequestLogScope request("req-outer");
    log_warn("store_slow", {{"ms", 1500}});
    {
      const RequestLogScope inner("req-inner");
      log_info("nested");
    }
    log_info("outer_again");
    log_info("own_id", {{"request_id", "req-given"}});  // a line naming its own keeps it
  }
  log_info("after");
  const auto lines = lines_of(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_FALSE(lines[0].contains("request_id"));
  EXPECT_EQ(lines[1]["request_id"], "req-outer");
  EXPECT_EQ(lines[1]["ms"], 1500);  // a number, not text
  EXPECT_EQ(lines[2]["request_id"], "req-inner");
  EXPECT_EQ(lines[3]["request_id"], "req-outer");
  EXPECT_EQ(lines[4]["request_id"], "req-given");
  EXPECT_FALSE(lines[5].contains("request_id"));
}

}  // namespace
}  // namespace octopus::observability
