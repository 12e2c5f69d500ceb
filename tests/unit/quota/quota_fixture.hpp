// Test support: the shipped policy set with two extra plans small enough to exhaust in a
// test ("tiny" for partner tiny-partner, "strict" for strict-partner, which refuses reads
// when the counters are down), loaded into a snapshot; and instants in Asia/Shanghai.
#pragma once
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "policy/policy_set.hpp"

namespace octopus::quota::testing {

inline std::shared_ptr<const policy::PolicySnapshot> small_plans_snapshot() {
  static const auto snapshot = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("octopus-quota-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir, std::filesystem::copy_options::recursive);
    std::ifstream in(dir / "quotas.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = s.find(from);
      if (at == std::string::npos) throw std::runtime_error("quotas.yaml no longer holds: " + from);
      s.replace(at, from.size(), to);
    };
    replace("plans:\n  starter:",
            "plans:\n"
            "  tiny:\n"
            "    reads:            { per_second: 1, burst: 2, per_day: 5, per_month: 7 }\n"
            "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
            "    deliveries:       { per_second: 100, burst: 100, per_day: 500, per_month: 600 }\n"
            "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
            "  strict:\n"
            "    reads:            { per_second: 1, burst: 2, per_day: 5, per_month: 7, on_counter_outage: refuse }\n"
            "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
            "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1, on_counter_outage: admit }\n"
            "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
            "  starter:");
    replace("partner_plans: {}", "partner_plans:\n  tiny-partner: tiny\n  strict-partner: strict");
    std::ofstream(dir / "quotas.yaml", std::ios::trunc) << s;
    auto result = policy::load_policies(dir);
    std::filesystem::remove_all(dir);
    if (!result.ok()) {
      std::string all;
      for (const auto& e : result.errors) all += e.to_string() + "\n";
      throw std::runtime_error("test plans refused:\n" + all);
    }
    return result.snapshot;
  }();
  return snapshot;
}

// Unix nanoseconds of a wall-clock time in Asia/Shanghai (UTC+8, no daylight saving).
inline std::int64_t shanghai_ns(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  using namespace std::chrono;
  const auto utc = sys_days(year{y} / month{m} / day{d}) + hours(hh - 8) + minutes(mm) + seconds(ss);
  return duration_cast<nanoseconds>(utc.time_since_epoch()).count();
}

}  // namespace octopus::quota::testing
