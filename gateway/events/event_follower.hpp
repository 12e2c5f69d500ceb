// Follows the engine's subscriber event stream on its own thread and hands each batch to
// the gateway's listeners (opt-outs, real-time triggers), then records how far it got in
// the Store, so a restart resumes after the last batch handled and loses nothing the
// engine still retains. An engine outage pauses the follower; it retries with back-off.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "store/store.hpp"

namespace octopus::events {

// Called with each batch read, empty ones included (at least every `wait`).
using EventListener = std::function<void(const std::vector<engine::SubscriberEvent>&)>;

struct EventFollowerOptions {
  std::string cursor_name = "engine.events";
  std::size_t batch = 1000;
  std::chrono::milliseconds wait{250};  // how long one read waits for a new event
  std::chrono::milliseconds engine_timeout{5000};
};

class EventFollower {
 public:
  EventFollower(engine::Engine& engine, store::Store& store, std::vector<EventListener> listeners,
                EventFollowerOptions options = {});
  ~EventFollower();  // stops the thread
  void start();
  // One read and dispatch (tests); returns the number of events handled.
  std::size_t poll_once(std::chrono::milliseconds wait);
  std::uint64_t position() const { return position_.load(); }

 private:
  engine::Engine& engine_;
  store::Store& store_;
  std::vector<EventListener> listeners_;
  EventFollowerOptions options_;
  std::atomic<std::uint64_t> position_{0};
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace octopus::events
