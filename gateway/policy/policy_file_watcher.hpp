// Reloads the policy when its files change on disk. Polls a cheap fingerprint (sizes and
// modification times) rather than using inotify: it works the same on every file system,
// including the bind mounts and network shares operators keep policies on, and editors that
// save by rename. A change is acted on once it has held still for one interval, so a
// half-saved set is not loaded, and the same refused set is not retried on every poll.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace octopus::policy {

class PolicyFileWatcher {
 public:
  using Fingerprint = std::function<std::string()>;
  using OnChange = std::function<void()>;

  // Starts watching at once; the current fingerprint counts as already loaded.
  PolicyFileWatcher(Fingerprint fingerprint, OnChange on_change, std::chrono::milliseconds interval);
  ~PolicyFileWatcher();
  PolicyFileWatcher(const PolicyFileWatcher&) = delete;
  PolicyFileWatcher& operator=(const PolicyFileWatcher&) = delete;

 private:
  void run();

  Fingerprint fingerprint_;
  OnChange on_change_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace octopus::policy
