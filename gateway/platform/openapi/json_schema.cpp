// Linting and compiling JSON Schemas with valijson (json_schema.hpp).
#include "openapi/json_schema.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "openapi/openapi_document.hpp"

namespace octopus::openapi {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

// ------------------------------------------------------------------------------------------
// Schema lint: refuse what valijson would silently ignore or get wrong.

class SchemaLinter {
 public:
  explicit SchemaLinter(std::string source) : source_(std::move(source)) {}

  void lint(const json& schema, const std::string& where) const {
    if (schema.is_boolean()) return;
    if (!schema.is_object()) error(where, "a schema must be an object or a boolean");
    for (const auto& [key, value] : schema.items()) {
      const std::string at = child_pointer(where, key);
      if (key.starts_with("x-") || annotations().count(key)) continue;
      if (!lint_subschemas(key, value, at) && !lint_value_keyword(schema, key, value, at)) {
        error(at, "JSON Schema keyword '" + key +
                      "' is not supported (valijson implements draft 7; the spec must stay "
                      "within keywords draft 7 and 2020-12 share)");
      }
    }
  }

 private:
  // Keywords whose value holds schemas; false when `key` is not one of them.
  bool lint_subschemas(const std::string& key, const json& value, const std::string& at) const {
    if (key == "properties" || key == "patternProperties") {
      if (!value.is_object()) error(at, "'" + key + "' must be an object");
      for (const auto& [name, sub] : value.items()) {
        if (key == "patternProperties") compile_regex(name, at);
        lint(sub, child_pointer(at, name));
      }
    } else if (key == "additionalProperties" || key == "propertyNames" || key == "contains" || key == "not" ||
               key == "if" || key == "then" || key == "else") {
      lint(value, at);
    } else if (key == "items") {
      if (value.is_array()) {
        error(at,
              "'items' as an array is a tuple in draft 7 but not in 2020-12 "
              "(prefixItems, which valijson lacks); use one schema");
      }
      lint(value, at);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!value.is_array() || value.empty()) error(at, "'" + key + "' must be a non-empty array");
      for (std::size_t i = 0; i < value.size(); ++i) lint(value[i], child_pointer(at, std::to_string(i)));
    } else {
      return false;
    }
    return true;
  }

  // Keywords that constrain values; false when `key` is not one valijson implements.
  bool lint_value_keyword(const json& schema, const std::string& key, const json& value, const std::string& at) const {
    if (key == "type") {
      check_type(value, at);
    } else if (key == "enum") {
      if (!value.is_array() || value.empty()) error(at, "'enum' must be a non-empty array");
    } else if (key == "const") {
      // any value
    } else if (key == "required") {
      const bool strings = value.is_array() &&
                           std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_string(); });
      if (!strings) error(at, "'required' must be an array of strings");
    } else if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems" ||
               key == "minProperties" || key == "maxProperties") {
      if (!value.is_number_integer() || value.get<long long>() < 0)
        error(at, "'" + key + "' must be a non-negative integer");
    } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum" ||
               key == "multipleOf") {
      if (!value.is_number()) error(at, "'" + key + "' must be a number (the boolean form is draft 4)");
    } else if (key == "uniqueItems") {
      if (!value.is_boolean()) error(at, "'uniqueItems' must be a boolean");
    } else if (key == "pattern") {
      if (!value.is_string()) error(at, "'pattern' must be a string");
      compile_regex(value.get<std::string>(), at);
    } else if (key == "format") {
      check_format(schema, value, at);
    } else if (key == "$ref") {
      error(at, "unresolved $ref");
    } else if (key == "nullable") {
      error(at, "'nullable' is OpenAPI 3.0; in 3.1 write type: [T, 'null']");
    } else {
      return false;
    }
    return true;
  }

  // valijson applies 'format' to every instance type (a null fails 'date-time'), so it is
  // only safe where the value can only be a string.
  void check_format(const json& schema, const json& value, const std::string& at) const {
    const auto type = schema.find("type");
    if (!value.is_string() || type == schema.end() || *type != "string") {
      error(at,
            "'format' needs 'type: string' beside it (valijson checks formats on "
            "non-strings too); for a nullable value use anyOf [{type: string, "
            "format: ...}, {type: 'null'}]");
    }
  }

  static const std::set<std::string>& annotations() {
    static const std::set<std::string> keys{"title",    "description",     "default",          "examples",
                                            "example",  "readOnly",        "writeOnly",        "deprecated",
                                            "$comment", "contentEncoding", "contentMediaType", "externalDocs",
                                            "xml",      "discriminator"};
    return keys;
  }

  void check_type(const json& value, const std::string& at) const {
    static const std::set<std::string> types{"null", "boolean", "object", "array", "number", "integer", "string"};
    auto check_one = [&](const json& t) {
      if (!t.is_string() || !types.count(t.get<std::string>())) {
        error(at, "'type' must name JSON Schema types, got " + t.dump());
      }
    };
    if (value.is_array()) {
      if (value.empty()) error(at, "'type' must not be an empty array");
      for (const auto& t : value) check_one(t);
    } else {
      check_one(value);
    }
  }

  void compile_regex(const std::string& pattern, const std::string& at) const {
    try {
      std::regex compiled(pattern);  // as valijson compiles it: ECMAScript, regex_search
      (void)compiled;
    } catch (const std::regex_error& e) {
      error(at, "pattern '" + pattern + "' does not compile with std::regex: " + e.what());
    }
  }

  [[noreturn]] void error(const std::string& at, const std::string& what) const {
    fail(source_ + ": " + at + ": " + what);
  }

  std::string source_;
};

std::string pointer_of(const std::vector<std::string>& context) {
  // valijson context: "<root>", then "[name]" or "[index]" per step.
  std::string out;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view step = context[i];
    if (step.size() >= 2 && step.front() == '[' && step.back() == ']') step = step.substr(1, step.size() - 2);
    out = child_pointer(out, step);
  }
  return out;
}

// valijson reports each failure once where it happens and again at every enclosing
// property, item and allOf/anyOf branch.
bool is_echo(const std::string& message) {
  static const std::vector<std::string> echoes{"Failed to validate against schema associated with property name",
                                               "Failed to validate item #",
                                               "Failed to validate against child schema #"};
  return std::any_of(echoes.begin(), echoes.end(), [&](const std::string& e) { return message.starts_with(e); });
}

}  // namespace

JsonSchema::JsonSchema(std::shared_ptr<const json> definition, std::shared_ptr<const valijson::Schema> compiled)
    : definition_(std::move(definition)), compiled_(std::move(compiled)) {}

JsonSchema JsonSchema::compile(const json& schema, const std::string& source, const std::string& where) {
  SchemaLinter(source).lint(schema, where);
  auto definition = std::make_shared<const json>(schema);
  auto compiled = std::make_shared<valijson::Schema>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    const valijson::adapters::NlohmannJsonAdapter adapter(*definition);
    parser.populateSchema(adapter, *compiled);
  } catch (const std::exception& e) {
    fail(source + ": " + where + ": valijson cannot parse the schema: " + e.what());
  }
  return JsonSchema(std::move(definition), std::move(compiled));
}

std::vector<SchemaViolation> JsonSchema::violations(const json& value) const {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  const valijson::adapters::NlohmannJsonAdapter target(value);
  try {
    if (validator.validate(*compiled_, target, &results)) return {};
  } catch (const std::exception& e) {
    return {{"", std::string("validator failed: ") + e.what()}};
  }
  std::vector<SchemaViolation> leaves;
  std::vector<SchemaViolation> all;
  std::set<std::pair<std::string, std::string>> seen;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    SchemaViolation violation{pointer_of(error.context), error.description};
    if (!seen.emplace(violation.pointer, violation.message).second) continue;
    if (!is_echo(violation.message)) leaves.push_back(violation);
    all.push_back(std::move(violation));
  }
  if (!leaves.empty()) return leaves;
  if (!all.empty()) return all;
  return {{"", "does not match the schema"}};
}

}  // namespace octopus::openapi
