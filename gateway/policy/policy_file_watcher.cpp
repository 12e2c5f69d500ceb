#include "policy/policy_file_watcher.hpp"

namespace octopus::policy {

PolicyFileWatcher::PolicyFileWatcher(Fingerprint fingerprint, OnChange on_change, std::chrono::milliseconds interval)
    : fingerprint_(std::move(fingerprint)), on_change_(std::move(on_change)), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

PolicyFileWatcher::~PolicyFileWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PolicyFileWatcher::run() {
  std::string acted_on = fingerprint_();
  std::string previous = acted_on;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    const std::string now = fingerprint_();
    // Act only when the files differ from what was last loaded and have not moved since
    // the previous poll: an editor's save is over.
    if (now != acted_on && now == previous) {
      acted_on = now;
      try {
        on_change_();
      } catch (...) {
        // The callback reports its own failures; a watcher thread must never end the process.
      }
    }
    previous = now;
    lock.lock();
  }
}

}  // namespace octopus::policy
