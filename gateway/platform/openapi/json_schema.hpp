// One JSON Schema from an OpenAPI document, linted and compiled once (valijson, draft 7),
// then checked against many values.
//
// Linting refuses what valijson would silently ignore or get wrong: a keyword it does not
// implement, `items` as a tuple, `format` where the value need not be a string, OpenAPI
// 3.0's `nullable`, a regex std::regex cannot compile. The spec may use the keywords draft 7
// and 2020-12 share (see api-spec/README.md), so a schema means the same to every reader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace valijson {
class Schema;
}

namespace octopus::openapi {

// One way a value breaks a schema, where it happens.
struct SchemaViolation {
  std::string pointer;  // RFC 6901 into the value; "" is the value itself
  std::string message;  // what the schema engine says
};

class JsonSchema {
 public:
  // Throws std::runtime_error "<source>: <where>: <what is wrong>" for a schema the engine
  // cannot check faithfully.
  static JsonSchema compile(const nlohmann::json& schema, const std::string& source, const std::string& where);

  // Empty when `value` is valid. Otherwise the failures where they happen: the engine also
  // reports each one again at every enclosing property, item and allOf branch, and those
  // echoes are left out.
  std::vector<SchemaViolation> violations(const nlohmann::json& value) const;

  // The schema as written (after $ref inlining).
  const nlohmann::json& definition() const { return *definition_; }

 private:
  JsonSchema(std::shared_ptr<const nlohmann::json> definition, std::shared_ptr<const valijson::Schema> compiled);

  std::shared_ptr<const nlohmann::json> definition_;
  std::shared_ptr<const valijson::Schema> compiled_;
};

}  // namespace octopus::openapi
