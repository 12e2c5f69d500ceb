#include "policy/policy_cli.hpp"

#include "policy/policy_set.hpp"

namespace octopus::policy {

const char* const kPolicyHelp = R"(policy check DIR
  Checks the policy files in DIR (consent.yaml, privacy.yaml, fatigue.yaml,
  content.yaml, quotas.yaml) against their schemas and against each other.
  Prints "policies OK, version V" and exits 0, or prints each problem on its
  own line as FILE:LINE: /WHERE: WHAT and exits 1.
  See docs/compliance-guide.md.
)";

namespace {

int usage(std::ostream& err, const std::string& message) {
  err << "octopus-gateway policy: " << message << "\nUsage: octopus-gateway policy check DIR\n";
  return 2;
}

int check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) return usage(err, "policy check needs exactly one directory");
  const auto result = load_policies(args[0]);
  if (!result.ok()) {
    for (const auto& e : result.errors) out << e.to_string() << "\n";
    return 1;
  }
  out << "policies OK, version " << result.snapshot->version << "\n";
  return 0;
}

}  // namespace

int run_policy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usage(err, "missing subcommand");
  if (args[0] == "--help" || args[0] == "-h") {
    out << kPolicyHelp;
    return 0;
  }
  if (args[0] == "check") return check({args.begin() + 1, args.end()}, out, err);
  return usage(err, "unknown subcommand '" + args[0] + "'");
}

}  // namespace octopus::policy
