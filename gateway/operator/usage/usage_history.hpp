// Usage history: how many requests each partner made, per capability class and outcome
// ("ok" or the problem's slug), hour by hour, kept for 13 months: hourly for 30 days, then
// rolled up into days (UTC). Counting happens on the request path as one increment in
// memory; the counts reach the store off it, every flush interval and at shutdown, so a
// crash loses at most one interval of history (the access log has every request).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "vocabulary/clock.hpp"

namespace octopus::usage {

inline constexpr std::int64_t kHour = 3600;
inline constexpr std::int64_t kDay = 86'400;
inline constexpr std::int64_t kHourlyKeptDays = 30;
inline constexpr std::int64_t kKeptDays = 396;  // 13 months

enum class Granularity { hour, day };

// Requests in one bucket (an hour or a day, by its start in Unix seconds).
struct UsageCount {
  std::int64_t start = 0;
  std::string partner;
  std::string capability_class;
  std::string outcome;
  std::int64_t requests = 0;
};

class UsageRepository {
 public:
  virtual ~UsageRepository() = default;
  // Adds hourly counts to what is stored (one transaction).
  virtual void add_hourly(const std::vector<UsageCount>& counts) = 0;
  // A partner's buckets with from <= start < to, oldest first. Days sum the hours still kept
  // hourly and the days rolled up; hours exist for the last 30 days only.
  virtual std::vector<UsageCount> history(const std::string& partner, std::int64_t from, std::int64_t to,
                                          Granularity granularity) = 0;
  // Rolls hours before `hourly_before` into days and forgets days before `kept_after`.
  virtual void compact(std::int64_t hourly_before, std::int64_t kept_after) = 0;
};

class UsageRecorder {
 public:
  UsageRecorder(UsageRepository& store, const Clock& clock, std::chrono::milliseconds flush_interval);
  ~UsageRecorder();  // the last counts are written
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  // One answered request of an authenticated partner (request path: memory only).
  void record(std::string_view partner, std::string_view capability_class, std::string_view outcome);
  // Writes what was counted so far, and compacts once a day has passed since the last time.
  // Throws store::StoreError (the counts stay pending and are tried again).
  void flush();
  // A partner's history as UsageRepository::history gives it, with what is counted and not
  // yet written added in: a reader sees every request up to now and never writes (no flush
  // commits meanwhile, so nothing is counted twice or missed).
  std::vector<UsageCount> history(const std::string& partner, std::int64_t from, std::int64_t to,
                                  Granularity granularity);

 private:
  using Key = std::tuple<std::int64_t, std::string, std::string, std::string>;
  void run();

  UsageRepository& store_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  std::mutex counting_;
  std::map<Key, std::int64_t> pending_;
  std::mutex flushing_;  // one flush at a time (the thread, a reader, shutdown)
  std::int64_t compacted_day_ = 0;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace octopus::usage
