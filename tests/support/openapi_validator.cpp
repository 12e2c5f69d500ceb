// OpenAPI 3.1 response validator for tests. Pipeline at load time:
//   YAML text → JSON (typed per the YAML 1.2 core schema; quoted scalars stay strings)
//   → every local $ref inlined (cycle guard) → each schema linted against what valijson
//   implements → compiled with valijson (draft 7) → an immutable table of path templates,
//   operations, responses, headers and media types.
// validate_response() only looks things up in that table and runs the compiled schemas.
#include "openapi_validator.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace octopus::testing {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// RFC 6901 escaping of one reference token, for the locations quoted in messages.
std::string escape_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& where, std::string_view token) { return where + "/" + escape_token(token); }

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// YAML → JSON

class YamlToJson {
 public:
  explicit YamlToJson(std::string source) : source_(std::move(source)) {}

  json convert(const YAML::Node& node, int depth = 0) const {
    if (depth > 256) fail(at(node) + ": YAML nesting deeper than 256 levels");
    switch (node.Type()) {
      case YAML::NodeType::Null: return nullptr;
      case YAML::NodeType::Scalar: return scalar(node);
      case YAML::NodeType::Sequence: {
        json array = json::array();
        for (const auto& item : node) array.push_back(convert(item, depth + 1));
        return array;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& entry : node) {  // entry is a value: it->first would dangle
          const YAML::Node key = entry.first;
          if (!key.IsScalar()) fail(at(key) + ": mapping keys must be scalars");
          const std::string& name = key.Scalar();
          if (name == "<<" && key.Tag() == "?") fail(at(key) + ": YAML merge keys (<<) are not supported");
          if (object.contains(name)) fail(at(key) + ": duplicate key '" + name + "'");
          object[name] = convert(entry.second, depth + 1);
        }
        return object;
      }
      case YAML::NodeType::Undefined: break;
    }
    fail(at(node) + ": undefined YAML node");
  }

 private:
  std::string at(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return source_;
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  // Tag "!" marks a non-plain (quoted or block) scalar: always a string. "?" (or no tag) marks
  // a plain scalar, typed by the YAML 1.2 core schema. Explicit !!str/!!int/... are honoured.
  json scalar(const YAML::Node& node) const {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
    if (tag == "?" || tag.empty()) return plain(node, text);
    const std::optional<json> typed = core_schema(node, text);
    if (tag == "tag:yaml.org,2002:null" && typed && typed->is_null()) return nullptr;
    if (tag == "tag:yaml.org,2002:bool" && typed && typed->is_boolean()) return *typed;
    if (tag == "tag:yaml.org,2002:int" && typed && typed->is_number_integer()) return *typed;
    if (tag == "tag:yaml.org,2002:float" && typed && typed->is_number()) {
      return typed->get<double>();
    }
    fail(at(node) + ": unsupported or mismatched YAML tag '" + tag + "' on '" + text + "'");
  }

  json plain(const YAML::Node& node, const std::string& text) const {
    if (auto typed = core_schema(node, text)) return *typed;
    return text;
  }

  // nullopt: not null/bool/int/float, so a string.
  std::optional<json> core_schema(const YAML::Node& node, const std::string& text) const {
    static const std::set<std::string> nulls{"", "~", "null", "Null", "NULL"};
    static const std::set<std::string> trues{"true", "True", "TRUE"};
    static const std::set<std::string> falses{"false", "False", "FALSE"};
    static const std::regex decimal(R"([-+]?[0-9]+)");
    static const std::regex octal(R"(0o[0-7]+)");
    static const std::regex hex(R"(0x[0-9a-fA-F]+)");
    static const std::regex real(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    static const std::regex special(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    if (nulls.count(text)) return json(nullptr);
    if (trues.count(text)) return json(true);
    if (falses.count(text)) return json(false);
    if (std::regex_match(text, decimal)) return integer(node, text, 10);
    if (std::regex_match(text, octal)) return integer(node, text.substr(2), 8);
    if (std::regex_match(text, hex)) return integer(node, text.substr(2), 16);
    if (std::regex_match(text, real)) return json(std::strtod(text.c_str(), nullptr));
    if (std::regex_match(text, special)) fail(at(node) + ": '" + text + "' has no JSON representation");
    return std::nullopt;
  }

  json integer(const YAML::Node& node, std::string digits, int base) const {
    if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    std::int64_t value = 0;
    if (auto [ptr, ec] = std::from_chars(first, last, value, base); ec == std::errc() && ptr == last) {
      return value;
    }
    std::uint64_t unsigned_value = 0;
    if (auto [ptr, ec] = std::from_chars(first, last, unsigned_value, base); ec == std::errc() && ptr == last) {
      return unsigned_value;
    }
    fail(at(node) + ": integer '" + digits + "' is out of range");
  }

  std::string source_;
};

// ------------------------------------------------------------------------------------------
// $ref inlining

// Keys whose object value maps user-chosen names (not keywords) to things.
const std::set<std::string>& name_map_keys() {
  static const std::set<std::string> keys{"properties",
                                          "patternProperties",
                                          "paths",
                                          "schemas",
                                          "responses",
                                          "parameters",
                                          "requestBodies",
                                          "headers",
                                          "securitySchemes",
                                          "links",
                                          "callbacks",
                                          "pathItems",
                                          "content",
                                          "encoding",
                                          "variables",
                                          "webhooks",
                                          "mapping",
                                          "examples",
                                          "x-octopus-unmatched-responses"};
  return keys;
}

// Keys whose value is data (examples, defaults, enumerations): copied verbatim, never resolved.
const std::set<std::string>& data_keys() {
  static const std::set<std::string> keys{"example", "enum", "const", "default", "value"};
  return keys;
}

// Siblings of $ref that only annotate and so may simply override the referenced object's.
const std::set<std::string>& annotation_siblings() {
  static const std::set<std::string> keys{"description", "summary",    "title",    "default",   "example",
                                          "examples",    "deprecated", "readOnly", "writeOnly", "$comment"};
  return keys;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

class RefResolver {
 public:
  RefResolver(const json& root, std::string source) : root_(root), source_(std::move(source)) {}

  json resolve(const json& node, const std::string& where, bool names) {
    if (node.is_array()) {
      json out = json::array();
      for (std::size_t i = 0; i < node.size(); ++i) {
        out.push_back(resolve(node[i], child(where, std::to_string(i)), false));
      }
      return out;
    }
    if (!node.is_object()) return node;
    if (!names) {
      if (auto it = node.find("$ref"); it != node.end()) return follow(node, *it, where);
    }
    json out = json::object();
    for (const auto& [key, value] : node.items()) {
      if (names) {
        out[key] = resolve(value, child(where, key), false);
      } else if (data_keys().count(key) || (key == "examples" && value.is_array())) {
        out[key] = value;
      } else {
        out[key] = resolve(value, child(where, key), name_map_keys().count(key) > 0);
      }
    }
    return out;
  }

 private:
  json follow(const json& node, const json& ref, const std::string& where) {
    if (!ref.is_string()) fail(source_ + ": " + where + ": $ref must be a string");
    const std::string target = ref.get<std::string>();
    if (target != "#" && !starts_with(target, "#/")) {
      fail(source_ + ": " + where + ": $ref '" + target +
           "' is not local ('#/...'); external references are not supported");
    }
    if (std::find(stack_.begin(), stack_.end(), target) != stack_.end()) {
      fail(source_ + ": " + where + ": cyclic $ref chain " + join(stack_, " -> ") + " -> " + target +
           " (recursive schemas cannot be inlined)");
    }
    if (stack_.size() >= 64) fail(source_ + ": " + where + ": $ref chain deeper than 64");
    json::json_pointer pointer;
    try {
      pointer = json::json_pointer(percent_decode(std::string_view(target).substr(1)));
    } catch (const json::exception& e) {
      fail(source_ + ": " + where + ": $ref '" + target + "' is not a valid JSON Pointer: " + e.what());
    }
    if (!root_.contains(pointer)) {
      fail(source_ + ": " + where + ": $ref '" + target + "' points to nothing");
    }
    stack_.push_back(target);
    json resolved = resolve(root_.at(pointer), target.substr(1), false);
    stack_.pop_back();

    json siblings = json::object();
    bool only_annotations = true;
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") continue;
      siblings[key] = value;
      if (!annotation_siblings().count(key) && !starts_with(key, "x-")) only_annotations = false;
    }
    if (siblings.empty()) return resolved;
    if (only_annotations && resolved.is_object()) {
      for (const auto& [key, value] : siblings.items()) resolved[key] = value;
      return resolved;
    }
    // A schema with constraints beside $ref (legal in 3.1): both apply.
    json combined = resolve(siblings, where, false);
    combined["allOf"] = json::array({resolved});
    return combined;
  }

  const json& root_;
  std::string source_;
  std::vector<std::string> stack_;
};

// ------------------------------------------------------------------------------------------
// Schema lint: refuse what valijson would silently ignore or get wrong.

class SchemaLinter {
 public:
  explicit SchemaLinter(std::string source) : source_(std::move(source)) {}

  void lint(const json& schema, const std::string& where) const {
    if (schema.is_boolean()) return;
    if (!schema.is_object()) error(where, "a schema must be an object or a boolean");
    for (const auto& [key, value] : schema.items()) {
      const std::string at = child(where, key);
      if (starts_with(key, "x-") || annotations().count(key)) continue;
      if (key == "type") {
        check_type(value, at);
      } else if (key == "enum") {
        if (!value.is_array() || value.empty()) error(at, "'enum' must be a non-empty array");
      } else if (key == "const") {
        // any value
      } else if (key == "required") {
        if (!value.is_array()) error(at, "'required' must be an array of strings");
        for (const auto& item : value) {
          if (!item.is_string()) error(at, "'required' must be an array of strings");
        }
      } else if (key == "properties" || key == "patternProperties") {
        if (!value.is_object()) error(at, "'" + key + "' must be an object");
        for (const auto& [name, sub] : value.items()) {
          if (key == "patternProperties") compile_regex(name, at);
          lint(sub, child(at, name));
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
        for (std::size_t i = 0; i < value.size(); ++i) lint(value[i], child(at, std::to_string(i)));
      } else if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems" ||
                 key == "minProperties" || key == "maxProperties") {
        if (!value.is_number_integer() || value.get<long long>() < 0)
          error(at, "'" + key + "' must be a non-negative integer");
      } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum" ||
                 key == "multipleOf") {
        if (!value.is_number()) {
          error(at, "'" + key + "' must be a number (the boolean form is draft 4)");
        }
      } else if (key == "uniqueItems") {
        if (!value.is_boolean()) error(at, "'uniqueItems' must be a boolean");
      } else if (key == "pattern") {
        if (!value.is_string()) error(at, "'pattern' must be a string");
        compile_regex(value.get<std::string>(), at);
      } else if (key == "format") {
        // valijson applies 'format' to every instance type (a null fails 'date-time'), so it
        // is only safe where the value can only be a string.
        const auto type = schema.find("type");
        if (!value.is_string() || type == schema.end() || *type != "string") {
          error(at,
                "'format' needs 'type: string' beside it (valijson checks formats on "
                "non-strings too); for a nullable value use anyOf [{type: string, "
                "format: ...}, {type: 'null'}]");
        }
      } else if (key == "$ref") {
        error(at, "unresolved $ref");
      } else if (key == "nullable") {
        error(at, "'nullable' is OpenAPI 3.0; in 3.1 write type: [T, 'null']");
      } else {
        error(at, "JSON Schema keyword '" + key +
                      "' is not supported (valijson implements draft 7; the spec must stay "
                      "within keywords draft 7 and 2020-12 share)");
      }
    }
  }

 private:
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

// ------------------------------------------------------------------------------------------
// Compiled document

struct CompiledSchema {
  std::shared_ptr<const json> source;  // kept alive for the compiled schema's sake
  std::shared_ptr<valijson::Schema> schema;
};

std::string json_pointer_of(const std::vector<std::string>& context) {
  // valijson context: "<root>", then "[name]" or "[index]" per step.
  std::string out;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view step = context[i];
    if (step.size() >= 2 && step.front() == '[' && step.back() == ']') {
      step = step.substr(1, step.size() - 2);
    }
    out += "/" + escape_token(step);
  }
  return out.empty() ? "(root)" : out;
}

std::vector<std::string> run_schema(const CompiledSchema& compiled, const json& value) {
  std::vector<std::string> errors;
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  const valijson::adapters::NlohmannJsonAdapter target(value);
  try {
    if (validator.validate(*compiled.schema, target, &results)) return errors;
  } catch (const std::exception& e) {
    errors.push_back(std::string("validator failed: ") + e.what());
    return errors;
  }
  // valijson reports each failure once where it happens and again at every enclosing
  // property, item and allOf/anyOf branch; keep only the leaves unless there are none.
  static const std::vector<std::string> wrappers{"Failed to validate against schema associated with property name",
                                                 "Failed to validate item #",
                                                 "Failed to validate against child schema #"};
  auto is_wrapper = [](const std::string& description) {
    return std::any_of(wrappers.begin(), wrappers.end(),
                       [&](const std::string& w) { return starts_with(description, w); });
  };
  std::vector<std::string> leaves;
  std::vector<std::string> all;
  std::set<std::string> seen;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string message = json_pointer_of(error.context) + ": " + error.description;
    if (!seen.insert(message).second) continue;
    if (!is_wrapper(error.description)) leaves.push_back(message);
    all.push_back(std::move(message));
  }
  errors = leaves.empty() ? std::move(all) : std::move(leaves);
  if (errors.empty()) errors.push_back("(root): does not match the schema");
  return errors;
}

bool is_json_media_type(std::string_view media_type) {
  return media_type == "application/json" ||
         (media_type.size() > 5 && media_type.substr(media_type.size() - 5) == "+json");
}

std::string media_type_of(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  return lower(trim(content_type.substr(0, semicolon)));
}

struct Header {
  std::string name;
  bool required = false;
  std::optional<CompiledSchema> schema;
};

struct Media {
  std::string type;  // lowercase, without parameters
  std::optional<CompiledSchema> schema;
};

struct Response {
  std::string key;
  std::vector<Header> headers;
  bool has_content = false;
  std::vector<Media> content;
};

using Responses = std::map<std::string, Response>;

struct Segment {
  std::string literal;
  std::optional<std::regex> pattern;  // set when the segment holds {parameters}
};

struct PathTemplate {
  std::string text;
  std::vector<Segment> segments;
  int literal_segments = 0;
  std::map<std::string, Responses> operations;  // lowercase method → responses
};

struct ExampleCheck {
  std::string where;
  CompiledSchema schema;
  json value;
};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

std::string regex_escape(std::string_view s) {
  static const std::string special = R"(\^$.|?*+()[]{}-)";
  std::string out;
  for (char c : s) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

const std::vector<std::string>& http_methods() {
  static const std::vector<std::string> methods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  return methods;
}

}  // namespace

struct OpenApiValidator::Impl {
  std::string source;
  json document;
  std::vector<PathTemplate> paths;
  Responses unmatched;  // x-octopus-unmatched-responses
  std::vector<ExampleCheck> examples;
};

namespace {

class Compiler {
 public:
  explicit Compiler(OpenApiValidator::Impl& impl) : impl_(impl), linter_(impl.source) {}

  void run() {
    const json& doc = impl_.document;
    if (!doc.is_object()) fail(impl_.source + ": the document is not a mapping");
    const auto version = doc.find("openapi");
    if (version == doc.end() || !version->is_string() || !starts_with(version->get<std::string>(), "3.1.")) {
      fail(impl_.source + ": /openapi: expected an OpenAPI 3.1.x document");
    }
    const auto paths = doc.find("paths");
    if (paths == doc.end() || !paths->is_object()) fail(impl_.source + ": /paths: missing or not a mapping");
    for (const auto& [text, item] : paths->items()) compile_path(text, item);

    if (auto components = doc.find("components"); components != doc.end()) {
      compile_components(*components);
    }
    if (auto unmatched = doc.find("x-octopus-unmatched-responses"); unmatched != doc.end()) {
      impl_.unmatched = compile_responses(*unmatched, "/x-octopus-unmatched-responses", false);
    }
  }

 private:
  [[noreturn]] void error(const std::string& where, const std::string& what) const {
    fail(impl_.source + ": " + where + ": " + what);
  }

  CompiledSchema compile_schema(const json& schema, const std::string& where) const {
    linter_.lint(schema, where);
    CompiledSchema compiled{std::make_shared<const json>(schema), std::make_shared<valijson::Schema>()};
    try {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      const valijson::adapters::NlohmannJsonAdapter adapter(*compiled.source);
      parser.populateSchema(adapter, *compiled.schema);
    } catch (const std::exception& e) {
      error(where, std::string("valijson cannot parse the schema: ") + e.what());
    }
    return compiled;
  }

  void compile_path(const std::string& text, const json& item) {
    const std::string where = child("/paths", text);
    if (text.empty() || text.front() != '/') error(where, "path templates must start with '/'");
    if (!item.is_object()) error(where, "a path item must be a mapping");
    PathTemplate tmpl;
    tmpl.text = text;
    for (const std::string& segment : split_path(text)) {
      Segment compiled;
      if (segment.find('{') == std::string::npos) {
        compiled.literal = segment;
        ++tmpl.literal_segments;
      } else {
        static const std::regex parameter(R"(\{[^{}/]+\})");
        std::string pattern;
        std::size_t last = 0;
        for (auto it = std::sregex_iterator(segment.begin(), segment.end(), parameter); it != std::sregex_iterator();
             ++it) {
          pattern += regex_escape(segment.substr(last, it->position() - last)) + "([^/]+)";
          last = it->position() + it->length();
        }
        pattern += regex_escape(segment.substr(last));
        try {
          compiled.pattern.emplace(pattern);
        } catch (const std::regex_error&) {
          error(where, "cannot turn segment '" + segment + "' into a matcher");
        }
      }
      tmpl.segments.push_back(std::move(compiled));
    }
    if (auto params = item.find("parameters"); params != item.end()) {
      compile_parameters(*params, child(where, "parameters"), true);
    }
    for (const std::string& method : http_methods()) {
      const auto op = item.find(method);
      if (op == item.end()) continue;
      const std::string op_where = child(where, method);
      if (!op->is_object()) error(op_where, "an operation must be a mapping");
      if (auto params = op->find("parameters"); params != op->end()) {
        compile_parameters(*params, child(op_where, "parameters"), true);
      }
      if (auto body = op->find("requestBody"); body != op->end()) {
        compile_request_body(*body, child(op_where, "requestBody"), true);
      }
      const auto responses = op->find("responses");
      if (responses == op->end()) error(op_where, "an operation needs 'responses'");
      tmpl.operations[method] = compile_responses(*responses, child(op_where, "responses"), true);
    }
    impl_.paths.push_back(std::move(tmpl));
  }

  void compile_components(const json& components) {
    if (!components.is_object()) error("/components", "must be a mapping");
    if (auto schemas = components.find("schemas"); schemas != components.end()) {
      for (const auto& [name, schema] : schemas->items()) {
        const std::string where = child("/components/schemas", name);
        CompiledSchema compiled = compile_schema(schema, where);
        if (schema.is_object()) {
          if (auto examples = schema.find("examples"); examples != schema.end() && examples->is_array()) {
            for (std::size_t i = 0; i < examples->size(); ++i) {
              impl_.examples.push_back({child(child(where, "examples"), std::to_string(i)), compiled, (*examples)[i]});
            }
          }
        }
      }
    }
    // The rest is inlined where used (and checked there); compile it anyway so that an
    // unused but broken component still fails loudly.
    if (auto responses = components.find("responses"); responses != components.end()) {
      for (const auto& [name, response] : responses->items()) {
        compile_response(name, response, child("/components/responses", name), false);
      }
    }
    if (auto params = components.find("parameters"); params != components.end()) {
      for (const auto& [name, param] : params->items()) {
        compile_parameter(param, child("/components/parameters", name), false);
      }
    }
    if (auto headers = components.find("headers"); headers != components.end()) {
      for (const auto& [name, header] : headers->items()) {
        compile_header(name, header, child("/components/headers", name));
      }
    }
    if (auto bodies = components.find("requestBodies"); bodies != components.end()) {
      for (const auto& [name, body] : bodies->items()) {
        compile_request_body(body, child("/components/requestBodies", name), false);
      }
    }
  }

  void compile_parameters(const json& params, const std::string& where, bool record) {
    if (!params.is_array()) error(where, "'parameters' must be a list");
    for (std::size_t i = 0; i < params.size(); ++i) {
      compile_parameter(params[i], child(where, std::to_string(i)), record);
    }
  }

  void compile_parameter(const json& param, const std::string& where, bool record) {
    if (!param.is_object()) error(where, "a parameter must be a mapping");
    const auto schema = param.find("schema");
    if (schema == param.end()) return;
    CompiledSchema compiled = compile_schema(*schema, child(where, "schema"));
    if (record) record_examples(param, where, compiled);
  }

  void compile_request_body(const json& body, const std::string& where, bool record) {
    if (!body.is_object()) error(where, "a request body must be a mapping");
    if (auto content = body.find("content"); content != body.end()) {
      compile_content(*content, child(where, "content"), record);
    }
  }

  Header compile_header(const std::string& name, const json& header, const std::string& where) {
    if (!header.is_object()) error(where, "a header must be a mapping");
    Header compiled;
    compiled.name = name;
    if (auto required = header.find("required"); required != header.end()) {
      if (!required->is_boolean()) error(child(where, "required"), "must be a boolean");
      compiled.required = required->get<bool>();
    }
    if (auto schema = header.find("schema"); schema != header.end()) {
      compiled.schema = compile_schema(*schema, child(where, "schema"));
    }
    return compiled;
  }

  std::vector<Media> compile_content(const json& content, const std::string& where, bool record) {
    if (!content.is_object()) error(where, "'content' must be a mapping");
    std::vector<Media> out;
    for (const auto& [type, media] : content.items()) {
      const std::string media_where = child(where, type);
      if (!media.is_object()) error(media_where, "a media type object must be a mapping");
      Media compiled;
      compiled.type = media_type_of(type);
      for (const auto& other : out) {
        if (other.type == compiled.type) error(media_where, "media type declared twice");
      }
      if (auto schema = media.find("schema"); schema != media.end()) {
        compiled.schema = compile_schema(*schema, child(media_where, "schema"));
        if (record) record_examples(media, media_where, *compiled.schema);
      }
      out.push_back(std::move(compiled));
    }
    return out;
  }

  Response compile_response(const std::string& key, const json& response, const std::string& where, bool record) {
    if (!response.is_object()) error(where, "a response must be a mapping");
    Response compiled;
    compiled.key = key;
    if (auto headers = response.find("headers"); headers != response.end()) {
      if (!headers->is_object()) error(child(where, "headers"), "must be a mapping");
      for (const auto& [name, header] : headers->items()) {
        if (lower(name) == "content-type") continue;  // ignored by OpenAPI
        compiled.headers.push_back(compile_header(name, header, child(child(where, "headers"), name)));
      }
    }
    if (auto content = response.find("content"); content != response.end()) {
      compiled.has_content = true;
      compiled.content = compile_content(*content, child(where, "content"), record);
    }
    return compiled;
  }

  Responses compile_responses(const json& responses, const std::string& where, bool record) {
    if (!responses.is_object() || responses.empty()) error(where, "must be a non-empty mapping");
    static const std::regex status_key(R"([1-5]([0-9][0-9]|XX))");
    Responses out;
    for (const auto& [key, response] : responses.items()) {
      std::string normalized = key;
      std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                     [](unsigned char c) { return static_cast<char>(c == 'x' ? 'X' : c); });
      if (normalized != "default" && !std::regex_match(normalized, status_key)) {
        error(child(where, key), "response keys must be a status, '4XX'-style range or 'default'");
      }
      out[normalized] = compile_response(normalized, response, child(where, key), record);
    }
    return out;
  }

  void record_examples(const json& holder, const std::string& where, const CompiledSchema& schema) {
    if (auto example = holder.find("example"); example != holder.end()) {
      impl_.examples.push_back({child(where, "example"), schema, *example});
    }
    if (auto examples = holder.find("examples"); examples != holder.end() && examples->is_object()) {
      for (const auto& [name, example] : examples->items()) {
        if (example.is_object() && example.contains("value")) {
          impl_.examples.push_back({child(child(child(where, "examples"), name), "value"), schema, example["value"]});
        }
      }
    }
  }

  OpenApiValidator::Impl& impl_;
  SchemaLinter linter_;
};

const Response* find_response(const Responses& responses, int status) {
  const std::string exact = std::to_string(status);
  if (auto it = responses.find(exact); it != responses.end()) return &it->second;
  if (auto it = responses.find(exact.substr(0, 1) + "XX"); it != responses.end()) return &it->second;
  if (auto it = responses.find("default"); it != responses.end()) return &it->second;
  return nullptr;
}

std::vector<std::string> keys_of(const Responses& responses) {
  std::vector<std::string> keys;
  for (const auto& [key, response] : responses) keys.push_back(key);
  return keys;
}

const PathTemplate* match_path(const std::vector<PathTemplate>& paths, std::string_view path) {
  const std::vector<std::string> segments = split_path(path);
  const PathTemplate* best = nullptr;
  for (const auto& tmpl : paths) {
    if (tmpl.segments.size() != segments.size()) continue;
    bool matches = !segments.empty();
    for (std::size_t i = 0; matches && i < segments.size(); ++i) {
      const Segment& segment = tmpl.segments[i];
      matches = segment.pattern ? std::regex_match(segments[i], *segment.pattern) : segment.literal == segments[i];
    }
    if (matches && (best == nullptr || tmpl.literal_segments > best->literal_segments)) {
      best = &tmpl;
    }
  }
  return best;
}

const std::string* find_header(const OpenApiValidator::Headers& headers, std::string_view name) {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (lower(key) == wanted) return &value;
  }
  return nullptr;
}

json header_value_as_json(const CompiledSchema& schema, const std::string& value) {
  const json& source = *schema.source;
  const auto type = source.is_object() ? source.find("type") : source.end();
  if (type != source.end() && type->is_string()) {
    if (*type == "integer" || *type == "number" || *type == "boolean") {
      const json parsed = json::parse(value, nullptr, false);
      if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean())) return parsed;
    }
  }
  return value;
}

std::string shorten(std::string_view body) {
  constexpr std::size_t kMax = 120;
  if (body.size() <= kMax) return std::string(body);
  return std::string(body.substr(0, kMax)) + "...";
}

}  // namespace

OpenApiValidator::OpenApiValidator(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

OpenApiValidator OpenApiValidator::load(const std::string& yaml_path) {
  std::ifstream in(yaml_path, std::ios::binary);
  if (!in) fail(yaml_path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(yaml_path + ": cannot read the file");
  return load_from_string(text.str(), yaml_path);
}

OpenApiValidator OpenApiValidator::load_from_string(std::string_view yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    fail(source_name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
         ": YAML error: " + e.msg);
  }
  auto impl = std::make_shared<Impl>();
  impl->source = source_name;
  const json raw = YamlToJson(source_name).convert(root);
  RefResolver resolver(raw, source_name);
  impl->document = resolver.resolve(raw, "", false);
  Compiler(*impl).run();
  return OpenApiValidator(std::move(impl));
}

std::vector<std::string> OpenApiValidator::validate_response(std::string_view method, std::string_view path, int status,
                                                             std::string_view content_type, std::string_view body,
                                                             const Headers& headers) const {
  const Impl& impl = *impl_;
  std::vector<std::string> errors;
  path = path.substr(0, path.find_first_of("?#"));
  const std::string prefix = std::string(method) + " " + std::string(path) + " -> " + std::to_string(status) + ": ";
  auto report = [&](const std::string& message) { errors.push_back(prefix + message); };

  if (status < 100 || status > 599) {
    report("status " + std::to_string(status) + " is not an HTTP status code");
    return errors;
  }

  const PathTemplate* tmpl = match_path(impl.paths, path);
  const Responses* responses = nullptr;
  std::string operation;
  if (tmpl == nullptr) {
    if (find_response(impl.unmatched, status) == nullptr) {
      report("no path in " + impl.source + " matches '" + std::string(path) +
             "' (and x-octopus-unmatched-responses does not declare " + std::to_string(status) + ")");
      return errors;
    }
    responses = &impl.unmatched;
    operation = "unmatched request";
  } else {
    const auto op = tmpl->operations.find(lower(method));
    if (op == tmpl->operations.end()) {
      if (find_response(impl.unmatched, status) == nullptr) {
        std::vector<std::string> declared;
        for (const auto& [name, unused] : tmpl->operations) declared.push_back(lower(name));
        report("method " + std::string(method) + " is not declared for " + tmpl->text + " (declared: " +
               join(declared) + "; x-octopus-unmatched-responses does not declare " + std::to_string(status) + ")");
        return errors;
      }
      responses = &impl.unmatched;
      operation = "unmatched request";
    } else {
      responses = &op->second;
      operation = lower(method) + " " + tmpl->text;
    }
  }

  const Response* response = find_response(*responses, status);
  if (response == nullptr) {
    report("status " + std::to_string(status) + " is not declared for " + operation +
           " (declared: " + join(keys_of(*responses)) + ")");
    return errors;
  }

  for (const Header& header : response->headers) {
    const std::string* value = find_header(headers, header.name);
    if (value == nullptr) {
      if (header.required) report("missing required header " + header.name);
      continue;
    }
    if (header.schema) {
      for (const auto& problem : run_schema(*header.schema, header_value_as_json(*header.schema, *value))) {
        report("header " + header.name + " '" + *value + "' " + problem);
      }
    }
  }

  if (!response->has_content) {
    if (!body.empty()) {
      report("a body of " + std::to_string(body.size()) + " bytes where " + operation + " " + response->key +
             " declares none");
    }
    return errors;
  }

  std::string_view type_header = content_type;
  if (type_header.empty()) {
    if (const std::string* value = find_header(headers, "content-type")) type_header = *value;
  }
  std::vector<std::string> declared;
  for (const Media& media : response->content) declared.push_back(media.type);
  const std::string media_type = media_type_of(type_header);
  if (media_type.empty()) {
    report("missing Content-Type (declared: " + join(declared) + ")");
    return errors;
  }
  const Media* media = nullptr;
  const std::string wildcard = media_type.substr(0, media_type.find('/')) + "/*";
  for (const std::string& candidate : {media_type, wildcard, std::string("*/*")}) {
    for (const Media& m : response->content) {
      if (m.type == candidate) {
        media = &m;
        break;
      }
    }
    if (media != nullptr) break;
  }
  if (media == nullptr) {
    report("Content-Type '" + std::string(type_header) + "' is not declared (declared: " + join(declared) + ")");
    return errors;
  }
  if (!is_json_media_type(media_type)) return errors;  // only JSON bodies are checked

  json document;
  try {
    document = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    report(std::string("body is not JSON (") + e.what() + "): " + shorten(body));
    return errors;
  }
  if (media->schema) {
    for (const auto& problem : run_schema(*media->schema, document)) report("body " + problem);
  }
  if (media_type == "application/problem+json" && document.is_object()) {
    const auto member = document.find("status");
    if (member != document.end() && member->is_number_integer() && member->get<long long>() != status) {
      report("problem member status " + member->dump() + " differs from the HTTP status");
    }
  }
  return errors;
}

std::vector<std::string> OpenApiValidator::check_examples() const {
  std::vector<std::string> errors;
  for (const ExampleCheck& check : impl_->examples) {
    for (const auto& problem : run_schema(check.schema, check.value)) {
      errors.push_back(impl_->source + ": " + check.where + ": " + problem);
    }
  }
  return errors;
}

const nlohmann::json& OpenApiValidator::document() const { return impl_->document; }

const std::string& OpenApiValidator::source() const { return impl_->source; }

}  // namespace octopus::testing
