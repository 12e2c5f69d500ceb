// The one entry point for turning a policy directory into a snapshot:
// read + schema check (PolicyLoader) → cross-file checks (check_consistency) → compile.
// Nothing is compiled unless every check passes, so a set is either wholly valid or refused.
#pragma once
#include <filesystem>
#include <memory>

#include "policy/policy_error.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct PolicyLoadResult {
  std::shared_ptr<const PolicySnapshot> snapshot;  // null when refused
  PolicyErrors errors;                             // empty when accepted

  bool ok() const { return snapshot != nullptr; }
};

PolicyLoadResult load_policies(const std::filesystem::path& dir);

struct PolicyDocuments;
// The same, also handing back the checked documents: `policy diff` needs what the snapshot
// drops (descriptions, reasons). `documents` is filled whether or not the set is accepted.
PolicyLoadResult load_policies(const std::filesystem::path& dir, PolicyDocuments& documents);

}  // namespace octopus::policy
