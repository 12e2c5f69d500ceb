#include "policy/policy_error.hpp"

namespace octopus::policy {

std::string PolicyError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!pointer.empty()) out += pointer + ": ";
  out += message;
  return out;
}

}  // namespace octopus::policy
