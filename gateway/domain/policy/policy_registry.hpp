// The running gateway's policy: the active snapshot, swapped atomically on reload, and the
// record of how it got there. Requests take current() once and keep that snapshot to the
// end, so a reload never changes the rules under a request in flight, and an invalid set is
// refused whole while the old snapshot keeps serving.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/policy_snapshot.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::policy {

struct PolicyFileInfo {
  std::string name;    // "consent.yaml"
  std::string sha256;  // lower-case hex of the bytes that were loaded
  std::uint64_t bytes = 0;
};

// What GET /admin/v1/policies shows.
struct ActivePolicyInfo {
  std::string version;
  std::string directory;
  std::int64_t loaded_at = 0;  // Unix seconds
  std::string loaded_by;       // "startup", "admin", "signal:SIGHUP", "file-watch"
  std::vector<PolicyFileInfo> files;
};

// One reload attempt, as audited.
struct ReloadReport {
  enum class Outcome { accepted, unchanged, refused };
  Outcome outcome = Outcome::refused;
  std::string previous_version;   // empty at startup
  std::string version;            // the version now serving (the previous one when refused)
  std::string attempted_version;  // the candidate's version; empty when it did not compile
  std::string actor;
  std::string reason;      // free text the operator gave, if any
  std::string request_id;  // the admin request that asked for it; empty otherwise
  std::int64_t at = 0;
  PolicyErrors errors;

  bool ok() const { return outcome != Outcome::refused; }
};

std::string_view to_string(ReloadReport::Outcome outcome);

class PolicyRegistry {
 public:
  using AuditSink = std::function<void(const ReloadReport&)>;

  // Does not load: call reload("startup") and refuse to start when it fails.
  PolicyRegistry(std::filesystem::path directory, AuditSink audit = {}, const Clock& clock = system_clock());

  // Loads the directory again. Accepted → swapped in; unchanged (same version) → nothing
  // swaps but the attempt is audited; refused → the running snapshot stays. Serialised:
  // concurrent reloads run one after the other. Never throws for bad policy files.
  ReloadReport reload(const std::string& actor, const std::string& reason = {}, const std::string& request_id = {});

  // The snapshot serving now; null only before the first accepted load.
  std::shared_ptr<const PolicySnapshot> current() const { return current_.load(std::memory_order_acquire); }
  ActivePolicyInfo info() const;
  const std::filesystem::path& directory() const { return directory_; }

  // A cheap fingerprint of the files on disk (names, sizes, modification times), for the
  // watcher to notice edits without reading them.
  std::string disk_fingerprint() const;

 private:
  std::filesystem::path directory_;
  AuditSink audit_;
  const Clock& clock_;
  std::mutex reload_mutex_;  // one reload at a time; readers never take it
  std::atomic<std::shared_ptr<const PolicySnapshot>> current_;
  mutable std::mutex info_mutex_;
  ActivePolicyInfo info_;
};

}  // namespace octopus::policy
