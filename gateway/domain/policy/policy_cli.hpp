// `octopus-gateway policy ...`: the officers' tools: check, test, explain, diff.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace octopus::policy {

// args: what follows "policy" on the command line. Returns the process exit status:
// 0 accepted, 1 refused (each error on its own line on `out`), 2 bad usage (on `err`).
int run_policy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The "policy" section of `octopus-gateway --help`.
extern const char* const kPolicyHelp;

}  // namespace octopus::policy
