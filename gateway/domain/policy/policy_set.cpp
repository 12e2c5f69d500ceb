#include "policy/policy_set.hpp"

#include "policy/consistency_checker.hpp"
#include "policy/policy_compiler.hpp"
#include "policy/policy_loader.hpp"

namespace octopus::policy {

PolicyLoadResult load_policies(const std::filesystem::path& dir) {
  PolicyDocuments documents;
  return load_policies(dir, documents);
}

PolicyLoadResult load_policies(const std::filesystem::path& dir, PolicyDocuments& documents) {
  PolicyLoadResult result;
  result.errors = PolicyLoader().load(dir, documents);
  // Checks of the sound files run even when others are refused: one run shows all it can.
  const auto inconsistencies = check_consistency(documents);
  result.errors.insert(result.errors.end(), inconsistencies.begin(), inconsistencies.end());
  if (result.errors.empty()) result.snapshot = compile_policies(documents);
  return result;
}

}  // namespace octopus::policy
