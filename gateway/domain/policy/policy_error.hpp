// One reason a policy set was refused, located so that a compliance officer can find it:
// "consent.yaml:12: /channels/3: must be one of sms, push, outbound_call, not 'fax'".
#pragma once
#include <string>
#include <vector>

#include "vocabulary/json_pointer.hpp"

namespace octopus::policy {

struct PolicyError {
  std::string file;     // file name inside the policy directory, e.g. "consent.yaml"
  int line = 0;         // 1-based; 0 when no line applies (a missing file)
  std::string pointer;  // RFC 6901 JSON pointer into the file's content; empty for none
  std::string message;  // what rule is broken, in plain words

  std::string to_string() const;
};

using PolicyErrors = std::vector<PolicyError>;

// RFC 6901: "~" → "~0", "/" → "~1", so names such as "dpv:X" or "a/b" stay one token.
using vocabulary::escape_pointer_token;

}  // namespace octopus::policy
