#include "usage/usage_history.hpp"

#include <algorithm>

#include "observability/log.hpp"

namespace octopus::usage {

UsageRecorder::UsageRecorder(UsageRepository& store, const Clock& clock, std::chrono::milliseconds flush_interval)
    : store_(store), clock_(clock), interval_(flush_interval), thread_([this] { run(); }) {}

UsageRecorder::~UsageRecorder() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  try {
    flush();
  } catch (const std::exception& e) {
    observability::log_error("usage_flush_failed", {{"what", e.what()}, {"at", "shutdown"}});
  }
}

void UsageRecorder::record(std::string_view partner, std::string_view capability_class, std::string_view outcome) {
  const auto hour = clock_.unix_seconds() / kHour * kHour;
  std::lock_guard lock(counting_);
  ++pending_[Key{hour, std::string(partner), std::string(capability_class), std::string(outcome)}];
}

void UsageRecorder::flush() {
  std::lock_guard one_at_a_time(flushing_);
  std::map<Key, std::int64_t> taken;
  {
    std::lock_guard lock(counting_);
    taken.swap(pending_);
  }
  std::vector<UsageCount> counts;
  counts.reserve(taken.size());
  for (const auto& [key, n] : taken)
    counts.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), n});
  try {
    if (!counts.empty()) store_.add_hourly(counts);
  } catch (...) {
    std::lock_guard lock(counting_);  // not lost: counted again with what came meanwhile
    for (const auto& [key, n] : taken) pending_[key] += n;
    throw;
  }
  const auto today = clock_.unix_seconds() / kDay * kDay;
  if (today != compacted_day_) {
    store_.compact(today - kHourlyKeptDays * kDay, today - kKeptDays * kDay);
    compacted_day_ = today;
  }
}

std::vector<UsageCount> UsageRecorder::history(const std::string& partner, std::int64_t from, std::int64_t to,
                                               Granularity granularity) {
  std::lock_guard no_flush_meanwhile(flushing_);
  auto rows = store_.history(partner, from, to, granularity);
  std::map<std::tuple<std::int64_t, std::string, std::string>, std::int64_t> unwritten;
  {
    std::lock_guard lock(counting_);
    for (const auto& [key, n] : pending_) {
      const auto& [hour, who, klass, outcome] = key;
      // As the store does: the hours in [from, to), then grouped by their day.
      if (who != partner || hour < from || hour >= to) continue;
      unwritten[{granularity == Granularity::day ? hour / kDay * kDay : hour, klass, outcome}] += n;
    }
  }
  for (auto& row : rows) {
    const auto it = unwritten.find({row.start, row.capability_class, row.outcome});
    if (it == unwritten.end()) continue;
    row.requests += it->second;
    unwritten.erase(it);
  }
  for (const auto& [key, n] : unwritten)
    rows.push_back({std::get<0>(key), partner, std::get<1>(key), std::get<2>(key), n});
  // The store's order: by bucket, then class, then outcome.
  std::sort(rows.begin(), rows.end(), [](const UsageCount& a, const UsageCount& b) {
    return std::tie(a.start, a.capability_class, a.outcome) < std::tie(b.start, b.capability_class, b.outcome);
  });
  return rows;
}

void UsageRecorder::run() {
  std::unique_lock lock(wake_mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& e) {
      observability::log_warn("usage_flush_failed", {{"what", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace octopus::usage
