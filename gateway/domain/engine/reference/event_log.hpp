// A bounded, numbered log of stream records (subscriber events, conversions) that readers
// follow by cursor. Appends number records 1, 2, 3, …; the oldest fall off past `capacity`,
// and a reader whose cursor fell behind is told how many it missed. A read with nothing new
// waits (without holding any thread of the caller's) until a record arrives or its wait
// passes: one timer thread per log answers expired reads.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.hpp"

namespace octopus::engine::reference {

template <typename Record>
class EventLog {
 public:
  explicit EventLog(std::size_t capacity) : capacity_(capacity), timer_([this] { expire_loop(); }) {}
  ~EventLog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    timer_.join();
    for (auto& w : waiters_) w.promise.set_value({{}, w.after, 0});
  }
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Numbers the record, keeps it, and answers every waiting read it satisfies.
  std::uint64_t append(Record record) {
    std::lock_guard lock(mutex_);
    record.sequence = ++last_;
    records_.push_back(std::move(record));
    if (records_.size() > capacity_) records_.pop_front();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      it->promise.set_value(collect(it->after, it->limit));
      it = waiters_.erase(it);
    }
    return last_;
  }

  std::future<StreamBatch<Record>> read(std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) {
    std::promise<StreamBatch<Record>> promise;
    auto future = promise.get_future();
    std::lock_guard lock(mutex_);
    // A cursor beyond the last record belongs to an earlier life of the log (the engine
    // restarted and numbers from 1 again): read from the oldest record retained.
    if (after > last_) after = 0;
    if (last_ > after || wait.count() <= 0 || limit == 0) {
      promise.set_value(collect(after, limit));
      return future;
    }
    waiters_.push_back({std::move(promise), after, limit, std::chrono::steady_clock::now() + wait});
    changed_.notify_all();
    return future;
  }

  std::uint64_t last_sequence() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  struct Waiter {
    std::promise<StreamBatch<Record>> promise;
    std::uint64_t after;
    std::size_t limit;
    std::chrono::steady_clock::time_point deadline;
  };

  // Under the lock. Sequences are consecutive, so the first record after `after` is found
  // by arithmetic, not by search.
  StreamBatch<Record> collect(std::uint64_t after, std::size_t limit) const {
    StreamBatch<Record> batch;
    batch.next = after;
    if (records_.empty() || after >= last_) return batch;
    const std::uint64_t oldest = records_.front().sequence;
    std::uint64_t from = after + 1;
    if (from < oldest) {
      batch.skipped = oldest - from;
      from = oldest;
    }
    for (std::size_t i = from - oldest; i < records_.size() && batch.records.size() < limit; ++i)
      batch.records.push_back(records_[i]);
    batch.next = batch.records.empty() ? after : batch.records.back().sequence;
    return batch;
  }

  void expire_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (waiters_.empty()) {
        changed_.wait(lock);
        continue;
      }
      auto earliest = waiters_.front().deadline;
      for (const auto& w : waiters_) earliest = std::min(earliest, w.deadline);
      changed_.wait_until(lock, earliest);
      const auto now = std::chrono::steady_clock::now();
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->deadline <= now) {
          it->promise.set_value({{}, it->after, 0});
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Record> records_;
  std::uint64_t last_ = 0;
  std::vector<Waiter> waiters_;
  bool stopping_ = false;
  std::thread timer_;  // last: started once everything above exists
};

}  // namespace octopus::engine::reference
