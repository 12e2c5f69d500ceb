// Turns checked policy documents into one immutable PolicySnapshot: names become small
// indices, times become minutes, dates become day numbers, the time zone becomes an offset
// table, and every rule gets its id. Call only with documents that passed PolicyLoader and
// check_consistency (load_policies() does both).
#pragma once
#include <memory>
#include <string>

#include "policy/policy_documents.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

std::shared_ptr<const PolicySnapshot> compile_policies(const PolicyDocuments& documents);

// First 16 hex digits of SHA-256 over the canonical JSON of all five files (object keys
// sorted, no whitespace): comments, key order and quoting style do not change it; any
// value does.
std::string policy_version(const PolicyDocuments& documents);

}  // namespace octopus::policy
