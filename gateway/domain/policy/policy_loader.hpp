// Reads <dir>/{consent,privacy,fatigue,content,quotas}.yaml, converts each to JSON with a
// line for every value, and checks each against its built-in schema. Every problem in every
// file is reported, each as "file:line: /pointer: rule broken".
#pragma once
#include <filesystem>

#include "policy/policy_documents.hpp"
#include "policy/policy_error.hpp"

namespace octopus::policy {

class PolicyLoader {
 public:
  // Fills `out` (see PolicyDocuments::sound); returns the errors (empty: every file was
  // read and matches its schema).
  PolicyErrors load(const std::filesystem::path& dir, PolicyDocuments& out) const;
};

}  // namespace octopus::policy
