#include "background/periodic_task.hpp"

namespace octopus::background {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task,
                           std::function<void(const std::exception&)> on_error) {
  thread_ = std::thread([this, interval, task = std::move(task), on_error = std::move(on_error)] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        if (on_error) on_error(e);
      } catch (...) {
      }
      lock.lock();
    }
  });
}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace octopus::background
