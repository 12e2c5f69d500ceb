#include "policy/policy_cli.hpp"

#include <algorithm>
#include <filesystem>

#include "policy/policy_case_runner.hpp"
#include "policy/policy_cases.hpp"
#include "policy/policy_diff.hpp"
#include "policy/policy_documents.hpp"
#include "policy/policy_explain.hpp"
#include "policy/policy_set.hpp"

namespace octopus::policy {

const char* const kPolicyHelp = R"(policy check DIR
  Checks the policy files in DIR (consent.yaml, privacy.yaml, fatigue.yaml,
  content.yaml, quotas.yaml) against their schemas and against each other.
  Prints "policies OK, version V" and exits 0, or prints each problem on its
  own line as FILE:LINE: /WHERE: WHAT and exits 1.

policy test DIR
  Runs every case in DIR/tests/*.yaml against the policy set in DIR and prints
  PASS or FAIL per case (with expected and actual values on failure) and a
  summary. Exits 0 when all pass, 1 when any fails or the set is refused,
  2 on bad usage or a missing, unreadable or malformed case file
  (FILE:LINE: /WHERE: WHAT).

policy explain --case FILE [--policies DIR]
  For each case in FILE (same format as the test cases; expect: optional),
  prints every rule the gateway applies, in order, with the policy's values and
  the case's, which rule decided, and the policy version. DIR defaults to
  policies. Exits 0, 1 if the set is refused, 2 on bad usage or a bad FILE.

policy diff OLD_DIR NEW_DIR
  Prints what changes from OLD_DIR to NEW_DIR, one plain line per change
  ("privacy: minimum audience size k: 100 → 200"), with both versions. Compares
  meaning, not text: comments and the order of keys show nothing. Exits 0,
  or 1 (with each problem, as in check) if either set is refused.

  See docs/compliance-guide.md.
)";

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "Usage: octopus-gateway policy check DIR\n"
    "       octopus-gateway policy test DIR\n"
    "       octopus-gateway policy explain --case FILE [--policies DIR]\n"
    "       octopus-gateway policy diff OLD_DIR NEW_DIR\n";

int usage(std::ostream& err, const std::string& message) {
  err << "octopus-gateway policy: " << message << "\n" << kUsage;
  return 2;
}

void print_errors(const PolicyErrors& errors, std::ostream& out) {
  for (const auto& e : errors) out << e.to_string() << "\n";
}

int check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) return usage(err, "policy check needs exactly one directory");
  const auto result = load_policies(args[0]);
  if (!result.ok()) {
    print_errors(result.errors, out);
    return 1;
  }
  out << "policies OK, version " << result.snapshot->version << "\n";
  return 0;
}

// Every DIR/tests/*.yaml, in name order so the output is the same on every machine.
int read_cases(const fs::path& dir, std::vector<PolicyCase>& cases, std::ostream& err) {
  const fs::path tests = dir / "tests";
  std::error_code ec;
  if (!fs::is_directory(tests, ec)) {
    err << "octopus-gateway policy: " << tests.generic_string() << " is not a directory of test cases\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(tests, ec))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    err << "octopus-gateway policy: no case files (*.yaml) in " << tests.generic_string() << "\n";
    return 2;
  }
  PolicyErrors errors;
  for (const auto& file : files) {
    auto e = read_case_file(file, file.generic_string(), ExpectRequired::yes, cases);
    errors.insert(errors.end(), e.begin(), e.end());
  }
  if (errors.empty()) return 0;
  print_errors(errors, err);
  err << "octopus-gateway policy: no case was run; correct the case files above\n";
  return 2;
}

int test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) return usage(err, "policy test needs exactly one directory");
  const fs::path dir = args[0];
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return usage(err, dir.generic_string() + " is not a directory");
  std::vector<PolicyCase> cases;
  if (int status = read_cases(dir, cases, err)) return status;
  const auto policies = load_policies(dir);
  if (!policies.ok()) {
    out << "the policy set in " << dir.generic_string() << " is refused, so no case was run:\n";
    print_errors(policies.errors, out);
    return 1;
  }
  const auto summary = run_cases(*policies.snapshot, cases, out);
  out << cases.size() << " cases: " << summary.passed << " passed, " << summary.failed << " failed (policy version "
      << policies.snapshot->version << ")\n";
  return summary.failed == 0 ? 0 : 1;
}

int explain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string case_file, dir = "policies";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--case" || args[i] == "--policies") && i + 1 < args.size()) {
      (args[i] == "--case" ? case_file : dir) = args[i + 1];
      ++i;
    } else {
      return usage(err, "policy explain: unexpected argument '" + args[i] + "'");
    }
  }
  if (case_file.empty()) return usage(err, "policy explain needs --case FILE");
  std::vector<PolicyCase> cases;
  if (auto errors = read_case_file(case_file, case_file, ExpectRequired::no, cases); !errors.empty()) {
    print_errors(errors, err);
    return 2;
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return usage(err, dir + " is not a directory of policy files");
  const auto policies = load_policies(dir);
  if (!policies.ok()) {
    out << "the policy set in " << dir << " is refused:\n";
    print_errors(policies.errors, out);
    return 1;
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i > 0) out << "\n";
    print_explanation(*policies.snapshot, cases[i], explain_case(*policies.snapshot, cases[i]), out);
  }
  return 0;
}

int diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2) return usage(err, "policy diff needs two directories, the old set and the new one");
  PolicyDocuments old_documents, new_documents;
  const auto before = load_policies(args[0], old_documents);
  const auto after = load_policies(args[1], new_documents);
  bool refused = false;
  for (const auto& [dir, result] : {std::pair{&args[0], &before}, std::pair{&args[1], &after}}) {
    if (result->ok()) continue;
    out << *dir << " is refused:\n";
    print_errors(result->errors, out);
    refused = true;
  }
  if (refused) return 1;
  const auto lines = diff_policies({*before.snapshot, old_documents}, {*after.snapshot, new_documents});
  out << "old: " << args[0] << " (version " << before.snapshot->version << ")\n";
  out << "new: " << args[1] << " (version " << after.snapshot->version << ")\n";
  for (const auto& line : lines) out << line << "\n";
  if (!lines.empty()) {
    out << lines.size() << (lines.size() == 1 ? " change\n" : " changes\n");
  } else if (before.snapshot->version == after.snapshot->version) {
    out << "no changes\n";
  } else {
    // The version hashes the values as written, so list order or 10 vs 10.0 changes it
    // without changing what the set decides.
    out << "no changes in meaning (the versions differ only in how the files are written, e.g. the order of a list)\n";
  }
  return 0;
}

}  // namespace

int run_policy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usage(err, "missing subcommand");
  if (args[0] == "--help" || args[0] == "-h") {
    out << kPolicyHelp;
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "check") return check(rest, out, err);
  if (args[0] == "test") return test(rest, out, err);
  if (args[0] == "explain") return explain(rest, out, err);
  if (args[0] == "diff") return diff(rest, out, err);
  return usage(err, "unknown subcommand '" + args[0] + "'");
}

}  // namespace octopus::policy
