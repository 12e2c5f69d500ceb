// `policy diff`: what a change to the policy files does, one plain-words line per change,
// e.g. "privacy: minimum audience size k: 100 → 200".
//
// It compares what the sets mean, not their text: the compiled snapshots (lists taken as
// sets, times as minutes, dates as days), plus the few values the snapshot does not keep
// because they decide nothing but still change the version (descriptions, blackout reasons),
// read from the checked documents. A comment or the order of keys or list items shows nothing.
#pragma once
#include <string>
#include <vector>

#include "policy/policy_documents.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct PolicySide {
  const PolicySnapshot& snapshot;
  const PolicyDocuments& documents;
};

// Lines in file order (consent, privacy, fatigue, content, quotas); empty when nothing changed.
std::vector<std::string> diff_policies(const PolicySide& before, const PolicySide& after);

}  // namespace octopus::policy
