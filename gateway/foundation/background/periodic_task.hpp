// Runs a task every `interval` on a thread of its own, first one interval after start,
// until stop() or destruction (which wake the thread, let a run in progress finish and
// join it). A task's exception goes to `on_error`, or is dropped: a background thread
// must never end the process.
#pragma once
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace octopus::background {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task,
               std::function<void(const std::exception&)> on_error = {});
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  void stop();  // idempotent

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace octopus::background
