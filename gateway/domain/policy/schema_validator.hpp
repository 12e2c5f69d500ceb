// Checks one policy document against its JSON Schema (draft 7, via valijson) and words each
// failure for a compliance officer: "must be at least 1, not 0" rather than valijson's
// "Expected number greater than or equal to 1.000000".
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace valijson {
class Schema;
}

namespace octopus::policy {

struct SchemaViolation {
  std::string pointer;  // where in the document (RFC 6901)
  std::string message;
};

class SchemaValidator {
 public:
  // Throws std::invalid_argument if the schema text is not a usable draft-7 schema: the
  // schemas are built into the binary, so that is a defect, not an officer's mistake.
  explicit SchemaValidator(std::string_view schema_text);
  ~SchemaValidator();
  SchemaValidator(SchemaValidator&&) noexcept;
  SchemaValidator& operator=(SchemaValidator&&) noexcept;

  std::vector<SchemaViolation> validate(const nlohmann::json& document) const;

 private:
  nlohmann::json schema_json_;
  std::unique_ptr<valijson::Schema> schema_;
};

}  // namespace octopus::policy
