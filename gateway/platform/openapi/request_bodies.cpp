// Request bodies from an OpenAPI document, and the schema engine's findings in the words the
// API answers with (request_bodies.hpp).
#include "openapi/request_bodies.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "openapi/openapi_document.hpp"

namespace octopus::openapi {
namespace {

using json = nlohmann::json;

// The quoted name at the end of messages such as "Missing required property 'tier'.".
std::string quoted_name(const std::string& message) {
  const auto close = message.rfind('\'');
  const auto open = close == std::string::npos || close == 0 ? std::string::npos : message.rfind('\'', close - 1);
  return open == std::string::npos ? std::string() : message.substr(open + 1, close - open - 1);
}

std::vector<std::string> tokens_of(const std::string& pointer) {
  std::vector<std::string> tokens;
  std::size_t at = 1;
  while (at <= pointer.size() && !pointer.empty()) {
    const auto next = pointer.find('/', at);
    std::string token = pointer.substr(at, next == std::string::npos ? std::string::npos : next - at);
    for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i)
      token.replace(i, 2, token.compare(i, 2, "~1") == 0 ? "/" : "~");
    tokens.push_back(std::move(token));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return tokens;
}

// The subschema that applies to one member or item of what `schema` describes, looking
// through allOf; nullptr where the schema does not say (anyOf/oneOf forms, no rule).
const json* member_schema(const json& schema, const std::string& token) {
  if (!schema.is_object()) return nullptr;
  if (auto props = schema.find("properties"); props != schema.end() && props->contains(token)) return &(*props)[token];
  if (auto items = schema.find("items"); items != schema.end() && items->is_object() && !token.empty() &&
                                         std::all_of(token.begin(), token.end(), ::isdigit))
    return &*items;
  if (auto all = schema.find("allOf"); all != schema.end()) {
    for (const auto& branch : *all)
      if (const json* found = member_schema(branch, token)) return found;
  }
  if (auto extra = schema.find("additionalProperties"); extra != schema.end() && extra->is_object()) return &*extra;
  return nullptr;
}

const json* schema_at(const json& root, const std::string& pointer) {
  const json* at = &root;
  for (const auto& token : tokens_of(pointer))
    if (!(at = member_schema(*at, token))) return nullptr;
  return at;
}

// A keyword's value in the subschema (or an allOf branch of it).
const json* keyword(const json* schema, const char* name) {
  if (!schema || !schema->is_object()) return nullptr;
  if (auto it = schema->find(name); it != schema->end()) return &*it;
  if (auto all = schema->find("allOf"); all != schema->end())
    for (const auto& branch : *all)
      if (const json* found = keyword(&branch, name)) return found;
  return nullptr;
}

std::string list_of(const json& values, const char* last_separator) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? last_separator : ", ";
    out += values[i].is_string() ? values[i].get<std::string>() : values[i].dump();
  }
  return out;
}

std::string type_detail(const json* type) {
  static const std::map<std::string, std::string> articles{
      {"string", "a string"},  {"integer", "an integer"}, {"number", "a number"}, {"boolean", "a boolean"},
      {"object", "an object"}, {"array", "an array"},     {"null", "null"}};
  if (!type) return "has the wrong type";
  json names = type->is_array() ? *type : json::array({*type});
  for (auto& name : names) {
    const auto article = articles.find(name.get<std::string>());
    if (article != articles.end()) name = article->second;
  }
  return "must be " + list_of(names, " or ");
}

std::string bound(const json* value) { return value ? value->dump() : "the limit"; }

// Length and size limits, said once with both ends when the schema gives both.
std::string range_detail(const json* schema, const char* min, const char* max, const char* unit) {
  const json* low = keyword(schema, min);
  const json* high = keyword(schema, max);
  const std::string verb = std::string(unit) == "member(s)" || std::string(unit) == "items" ? "have " : "be ";
  if (low && high) return "must " + verb + low->dump() + "-" + high->dump() + " " + unit;
  if (low) return "must " + verb + "at least " + low->dump() + " " + unit;
  return "must " + verb + "at most " + bound(high) + " " + unit;
}

// anyOf / oneOf: no form (or more than one) matched.
bool is_alternatives_failure(const std::string& message) {
  return message.starts_with("Failed to validate against any ") ||
         message.starts_with("Failed to validate against exactly one");
}

std::string detail_for(const std::string& message, const json* schema) {
  if (message.starts_with("Value type not permitted")) return type_detail(keyword(schema, "type"));
  if (message.starts_with("Failed to match against any enum")) {
    const json* values = keyword(schema, "enum");
    return values ? "must be one of: " + list_of(*values, ", ") : "is not an allowed value";
  }
  if (message.starts_with("Failed to match expected value set by 'const'"))
    return "must be " + bound(keyword(schema, "const"));
  if (message.starts_with("Failed to match regex")) {
    const json* pattern = keyword(schema, "pattern");
    return pattern ? "must match the pattern " + pattern->get<std::string>() : "has the wrong form";
  }
  if (message.starts_with("String should be a valid date-time")) return "must be an RFC 3339 date-time";
  if (message.starts_with("String should be")) return range_detail(schema, "minLength", "maxLength", "characters");
  if (message.starts_with("Array should contain")) return range_detail(schema, "minItems", "maxItems", "items");
  if (message.starts_with("Object should have"))
    return range_detail(schema, "minProperties", "maxProperties", "member(s)");
  if (message.starts_with("Expected number greater than or equal"))
    return "must be at least " + bound(keyword(schema, "minimum"));
  if (message.starts_with("Expected number greater than"))
    return "must be greater than " + bound(keyword(schema, "exclusiveMinimum"));
  if (message.starts_with("Expected number less than or equal"))
    return "must be at most " + bound(keyword(schema, "maximum"));
  if (message.starts_with("Expected number less than"))
    return "must be less than " + bound(keyword(schema, "exclusiveMaximum"));
  if (is_alternatives_failure(message)) return "does not match any of its allowed forms";
  return message;
}

bool within(const std::string& pointer, const std::string& outer) {
  return pointer == outer || pointer.starts_with(outer + "/");
}

}  // namespace

RequestBody::RequestBody(JsonSchema schema, std::vector<std::string> media_types, bool required)
    : schema_(std::move(schema)), media_types_(std::move(media_types)), required_(required) {}

bool RequestBody::accepts_merge_patch() const {
  return std::find(media_types_.begin(), media_types_.end(), "application/merge-patch+json") != media_types_.end();
}

namespace {

// Every member of the object at `pointer` that its schema does not name.
void unknown_members(const json& body, const json& root_schema, const SchemaViolation& v,
                     std::vector<FieldError>& out) {
  const json* schema = schema_at(root_schema, v.pointer);
  const json* props = keyword(schema, "properties");
  const json::json_pointer at(v.pointer);
  if (!props || !body.contains(at) || !body.at(at).is_object()) {
    out.push_back({child_pointer(v.pointer, quoted_name(v.message)), "is not a known member"});
    return;
  }
  for (const auto& [name, unused] : body.at(at).items())
    if (!props->contains(name)) out.push_back({child_pointer(v.pointer, name), "is not a known member"});
}

// "Elements at indexes #0 and #2 violate uniqueness constraint." → the later one.
FieldError repeated_item(const SchemaViolation& v) {
  static const std::regex indexes(R"(#([0-9]+) and #([0-9]+))");
  std::smatch m;
  if (!std::regex_search(v.message, m, indexes)) return {v.pointer, "has an item listed twice"};
  return {child_pointer(v.pointer, m[2].str()), "is listed twice"};
}

}  // namespace

std::vector<FieldError> RequestBody::check(const json& body) const {
  const auto violations = schema_.violations(body);
  // Where no form of an anyOf/oneOf matched, each form's own complaints say nothing useful.
  std::vector<std::string> alternatives;
  for (const auto& v : violations)
    if (is_alternatives_failure(v.message)) alternatives.push_back(v.pointer);
  std::vector<FieldError> out;
  for (const auto& v : violations) {
    const bool inside_alternative = std::any_of(alternatives.begin(), alternatives.end(), [&](const std::string& a) {
      return within(v.pointer, a) && !is_alternatives_failure(v.message);
    });
    if (inside_alternative) continue;
    if (v.message.starts_with("Missing required property")) {
      out.push_back({child_pointer(v.pointer, quoted_name(v.message)), "is required"});
    } else if (v.message.starts_with("Object contains a property that could not be validated")) {
      unknown_members(body, schema_.definition(), v, out);
    } else if (v.message.find("uniqueness constraint") != std::string::npos) {
      out.push_back(repeated_item(v));
    } else {
      out.push_back({v.pointer, detail_for(v.message, schema_at(schema_.definition(), v.pointer))});
    }
  }
  return out;
}

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The JSON schema of a requestBody, or nullopt when it declares no JSON media type. Every
// JSON media type of one body must share one schema: the gateway checks one.
std::optional<RequestBody> body_of(const json& request_body, const std::string& source, const std::string& where) {
  const auto content = request_body.find("content");
  if (content == request_body.end() || !content->is_object()) return std::nullopt;
  const json* schema = nullptr;
  std::vector<std::string> media_types;
  for (const auto& [type, media] : content->items()) {
    const bool json_type = type == "application/json" || (type.size() > 5 && type.substr(type.size() - 5) == "+json");
    if (!json_type || !media.contains("schema")) continue;
    if (schema && *schema != media["schema"])
      throw std::runtime_error(source + ": " + where + ": JSON media types of one body declare different schemas");
    schema = &media["schema"];
    media_types.push_back(type);
  }
  if (!schema) return std::nullopt;
  const bool required = request_body.value("required", false);  // OpenAPI's default
  return RequestBody(JsonSchema::compile(*schema, source, where), std::move(media_types), required);
}

}  // namespace

RequestBodies RequestBodies::from_document(const json& document, const std::string& source) {
  RequestBodies out;
  const auto paths = document.find("paths");
  if (paths == document.end() || !paths->is_object()) throw std::runtime_error(source + ": /paths: missing");
  for (const auto& [path, item] : paths->items()) {
    if (!item.is_object()) continue;
    for (const auto& [method, operation] : item.items()) {
      if (!operation.is_object() || !operation.contains("requestBody")) continue;
      const std::string where = child_pointer(child_pointer(child_pointer("/paths", path), method), "requestBody");
      if (auto body = body_of(operation["requestBody"], source, where))
        out.bodies_.emplace(std::make_pair(upper(method), path), std::move(*body));
    }
  }
  return out;
}

const RequestBody* RequestBodies::find(std::string_view method, std::string_view path_template) const {
  const auto it = bodies_.find(std::make_pair(std::string(method), std::string(path_template)));
  return it == bodies_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, std::string>> RequestBodies::operations() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, unused] : bodies_) out.push_back(key);
  return out;
}

}  // namespace octopus::openapi
