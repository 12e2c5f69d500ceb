#include "policy/policy_loader.hpp"

#include <fstream>
#include <sstream>

#include "policy/policy_schemas.hpp"
#include "policy/schema_validator.hpp"

namespace octopus::policy {

namespace {

constexpr std::uintmax_t kMaxFileBytes = 1 << 20;  // policies are hand-written; refuse anything huge

const SchemaValidator& validator_for(std::size_t index) {
  // Built once per process: the schemas are part of the binary.
  static const std::array<SchemaValidator, kPolicyFileNames.size()> validators = [] {
    auto make = [](std::string_view name) { return SchemaValidator(policy_schema(name)); };
    return std::array<SchemaValidator, kPolicyFileNames.size()>{make("consent"), make("privacy"), make("fatigue"),
                                                                make("content"), make("quotas"),  make("settlement")};
  }();
  return validators[index];
}

}  // namespace

PolicyErrors PolicyLoader::load(const std::filesystem::path& dir, PolicyDocuments& out) const {
  PolicyErrors errors;
  out.sound.fill(false);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({dir.string(), 0, "", "is not a directory of policy files"});
    return errors;
  }
  for (std::size_t i = 0; i < kPolicyFileNames.size(); ++i) {
    const std::string file = std::string(kPolicyFileNames[i]) + ".yaml";
    const auto path = dir / file;
    if (!std::filesystem::is_regular_file(path, ec)) {
      errors.push_back({file, 0, "", "file is missing (expected " + path.string() + ")"});
      continue;
    }
    if (std::filesystem::file_size(path, ec) > kMaxFileBytes) {
      errors.push_back({file, 0, "", "file is larger than 1 MiB"});
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      errors.push_back({file, 0, "", "file cannot be read"});
      continue;
    }
    SourceDocument& document = out.files[i];
    if (auto parse_errors = parse_yaml_document(text.str(), file, document); !parse_errors.empty()) {
      errors.insert(errors.end(), parse_errors.begin(), parse_errors.end());
      continue;
    }
    auto violations = validator_for(i).validate(document.value);
    for (auto& v : violations) errors.push_back(document.error(v.pointer, std::move(v.message)));
    out.sound[i] = violations.empty();
  }
  return errors;
}

}  // namespace octopus::policy
