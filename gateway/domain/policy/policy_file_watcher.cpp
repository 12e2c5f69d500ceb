#include "policy/policy_file_watcher.hpp"

namespace octopus::policy {

PolicyFileWatcher::PolicyFileWatcher(Fingerprint fingerprint, OnChange on_change, std::chrono::milliseconds interval)
    : fingerprint_(std::move(fingerprint)),
      on_change_(std::move(on_change)),
      acted_on_(fingerprint_()),
      previous_(acted_on_),
      // The callback reports its own failures; a failed poll is retried at the next one.
      task_(interval, [this] { poll(); }) {}

void PolicyFileWatcher::poll() {
  const std::string now = fingerprint_();
  // Act only when the files differ from what was last loaded and have not moved since the
  // previous poll: an editor's save is over.
  if (now != acted_on_ && now == previous_) {
    acted_on_ = now;
    on_change_();
  }
  previous_ = now;
}

}  // namespace octopus::policy
