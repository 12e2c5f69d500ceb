// Reloads the policy when its files change on disk. Polls a cheap fingerprint (sizes and
// modification times) rather than using inotify: it works the same on every file system,
// including the bind mounts and network shares operators keep policies on, and editors that
// save by rename. A change is acted on once it has held still for one interval, so a
// half-saved set is not loaded, and the same refused set is not retried on every poll.
#pragma once
#include <chrono>
#include <functional>
#include <string>

#include "background/periodic_task.hpp"

namespace octopus::policy {

class PolicyFileWatcher {
 public:
  using Fingerprint = std::function<std::string()>;
  using OnChange = std::function<void()>;

  // Starts watching at once; the current fingerprint counts as already loaded.
  PolicyFileWatcher(Fingerprint fingerprint, OnChange on_change, std::chrono::milliseconds interval);
  PolicyFileWatcher(const PolicyFileWatcher&) = delete;
  PolicyFileWatcher& operator=(const PolicyFileWatcher&) = delete;

 private:
  void poll();

  Fingerprint fingerprint_;
  OnChange on_change_;
  std::string acted_on_, previous_;  // only the polling thread touches them once it runs
  background::PeriodicTask task_;    // last: stops before the state above goes
};

}  // namespace octopus::policy
