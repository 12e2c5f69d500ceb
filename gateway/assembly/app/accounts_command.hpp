// `octopus-gateway accounts …`: operator accounts managed on a gateway's data directory
// directly (the way in when no admin account exists yet, or its tokens are lost). A running
// gateway sees the changes at once: it reads accounts from the same store.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace octopus::app {

extern const char* const kAccountsHelp;

// Exit status: 0 done, 1 refused or failed, 2 bad usage.
int run_accounts_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace octopus::app
