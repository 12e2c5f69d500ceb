// Follows one of the engine's streams on its own thread — subscriber events (for opt-outs
// and real-time triggers), conversions (for settlement) — hands each batch to the gateway's
// listeners, and records how far it got in the store (every `save_every`, by a second thread so the disk flushes of a
// save never hold up an event, and when it stops), so a restart resumes there and loses nothing the engine still
// retains. Events handled after the last save are handed over again after a crash: listeners must tolerate that (an
// opt-out recorded twice changes nothing; a trigger's cooldown, rebuilt from the sink, stops a second message). Saving
// per batch would put a disk flush between every event and its message. An engine outage
// pauses the follower; it retries with back-off.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "background/periodic_task.hpp"
#include "engine/engine.hpp"
#include "vocabulary/clock.hpp"
#include "events/stream_cursor_repository.hpp"

namespace octopus::events {

struct StreamFollowerOptions {
  std::string cursor_name = "engine.events";  // where the position is saved: one name per stream
  std::size_t batch = 1000;
  std::chrono::milliseconds wait{250};  // how long one read waits for a new event
  std::chrono::milliseconds engine_timeout{5000};
  std::chrono::milliseconds save_every{250};  // how often the position is saved (by hand: 0, after every batch)
  // Called before the position is saved: makes what the listeners did with the events
  // durable first (the message sink's sync), so a saved position never covers work a power
  // loss could take back.
  std::function<void()> before_save;
  // What the lag (octopus_stream_lag_seconds: how old the newest record handled was, and
  // through a stall how long since a read was last handled) is measured against.
  const Clock* clock = &system_clock();
  // Whether this instance follows the stream now (instances sharing a store: the one holding
  // the background lease). Empty: always. When it starts to, it resumes from the position
  // saved in the store (the previous follower's), and it never saves while it may not.
  std::function<bool()> may_run;
};

template <typename Record>
class StreamFollower {
 public:
  // One read of the stream: the records after a position, at most `limit`, waiting up to
  // `wait` for one (Engine::events, Engine::conversions).
  using Read = std::function<std::future<engine::StreamBatch<Record>>(std::uint64_t after, std::size_t limit,
                                                                      std::chrono::milliseconds wait)>;
  // Called with each batch read, empty ones included (at least every `wait`).
  using Listener = std::function<void(const std::vector<Record>&)>;

  StreamFollower(Read read, StreamCursorRepository& cursors, std::vector<Listener> listeners,
                 StreamFollowerOptions options = {});
  ~StreamFollower();  // stops the thread
  void start();
  // One read and dispatch (tests; before start(), it also saves the position when due);
  // returns the number of events handled.
  std::size_t poll_once(std::chrono::milliseconds wait);
  std::uint64_t position() const { return position_.load(); }

 private:
  Read read_;
  StreamCursorRepository& cursors_;
  std::vector<Listener> listeners_;
  StreamFollowerOptions options_;
  void save();
  void count(const engine::StreamBatch<Record>& batch);
  void count_stall();
  bool allowed_now();
  bool paused_ = false;  // the follower's thread only
  std::string lag_metric_, records_metric_, skipped_metric_;
  std::atomic<std::int64_t> handled_at_ms_{0};  // when a read was last handled, by options_.clock
  std::atomic<std::uint64_t> position_{0};
  std::mutex save_mutex_;
  std::uint64_t saved_ = 0;                           // under save_mutex_
  std::chrono::steady_clock::time_point saved_at_{};  // under save_mutex_
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::optional<background::PeriodicTask> saver_;
};

using EventFollowerOptions = StreamFollowerOptions;
using EventListener = StreamFollower<engine::SubscriberEvent>::Listener;
using ConversionListener = StreamFollower<engine::Conversion>::Listener;

// The subscriber event stream's follower.
class EventFollower : public StreamFollower<engine::SubscriberEvent> {
 public:
  EventFollower(engine::Engine& engine, StreamCursorRepository& cursors, std::vector<Listener> listeners,
                StreamFollowerOptions options = {})
      : StreamFollower([&engine](std::uint64_t after, std::size_t limit,
                                 std::chrono::milliseconds wait) { return engine.events(after, limit, wait); },
                       cursors, std::move(listeners), std::move(options)) {}
};

// The conversion stream's follower (position saved as "engine.conversions" unless told).
class ConversionFollower : public StreamFollower<engine::Conversion> {
 public:
  ConversionFollower(engine::Engine& engine, StreamCursorRepository& cursors, std::vector<Listener> listeners,
                     StreamFollowerOptions options = {.cursor_name = "engine.conversions"})
      : StreamFollower([&engine](std::uint64_t after, std::size_t limit,
                                 std::chrono::milliseconds wait) { return engine.conversions(after, limit, wait); },
                       cursors, std::move(listeners), std::move(options)) {}
};

}  // namespace octopus::events
