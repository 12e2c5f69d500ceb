// `octopus-gateway audit verify`: walks a gateway database's audit log (the live one, or a
// copy) and its signed hash chain, and names the first entry that was edited, removed,
// inserted or moved.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace octopus::app {

extern const char* const kAuditHelp;

// Exit status: 0 intact, 1 broken (or unreadable), 2 bad usage.
int run_audit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace octopus::app
