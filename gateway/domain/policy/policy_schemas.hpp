// The JSON Schemas of policies/schema/, built into the binary (see CMakeLists.txt) so that
// a policy directory is always checked against the rules this gateway enforces, whatever
// the directory itself contains.
#pragma once
#include <string_view>

namespace octopus::policy {

// The schema text for a policy file name without extension ("consent"); empty if unknown.
std::string_view policy_schema(std::string_view name);

}  // namespace octopus::policy
