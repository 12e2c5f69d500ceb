#include "policy/schema_validator.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "policy/policy_error.hpp"

namespace octopus::policy {

namespace {

using json = nlohmann::json;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// valijson's context is "<root>" followed by "[name]" or "[index]" per step.
std::vector<std::string> tokens_of(const std::vector<std::string>& context) {
  std::vector<std::string> tokens;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view step = context[i];
    if (step.size() >= 2 && step.front() == '[' && step.back() == ']') step = step.substr(1, step.size() - 2);
    tokens.emplace_back(step);
  }
  return tokens;
}

std::string pointer_of(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += "/" + escape_pointer_token(t);
  return out;
}

std::string quoted(const json& value) {
  if (value.is_string()) return "'" + value.get<std::string>() + "'";
  return value.dump();
}

// How a value looks to someone who wrote YAML.
std::string describe_value(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "empty";
    case json::value_t::boolean: return value.dump();
    case json::value_t::string: return "the text '" + value.get<std::string>() + "'";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a mapping (key: value lines)";
    case json::value_t::number_float: return "the decimal number " + value.dump();
    default: return "the number " + value.dump();
  }
}

std::string describe_type(const std::string& type) {
  if (type == "integer") return "a whole number";
  if (type == "number") return "a number";
  if (type == "string") return "text";
  if (type == "boolean") return "true or false";
  if (type == "object") return "a mapping (key: value lines)";
  if (type == "array") return "a list";
  return type;
}

// A bound written 1.0 in a schema reads "1" in a message.
std::string number_text(const json& n) {
  if (n.is_number_float() && n.get<double>() == static_cast<double>(static_cast<long long>(n.get<double>())))
    return std::to_string(static_cast<long long>(n.get<double>()));
  return n.dump();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Finds the schema that governs a location in the document, following the keywords our
// policy schemas use ($ref to #/definitions, properties, patternProperties, items).
class SchemaWalker {
 public:
  explicit SchemaWalker(const json& root) : root_(root) {}

  const json* resolve(const json* schema) const {
    for (int hops = 0; schema && schema->is_object() && schema->contains("$ref") && hops < 16; ++hops) {
      const std::string ref = (*schema)["$ref"].get<std::string>();
      if (!starts_with(ref, "#/")) return nullptr;
      schema = &root_.at(json::json_pointer(ref.substr(1)));
    }
    return schema;
  }

  const json* member_schema(const json& object_schema, const std::string& name) const {
    if (auto p = object_schema.find("properties"); p != object_schema.end() && p->contains(name))
      return resolve(&(*p)[name]);
    if (auto pp = object_schema.find("patternProperties"); pp != object_schema.end()) {
      for (const auto& [pattern, sub] : pp->items())
        if (std::regex_search(name, std::regex(pattern))) return resolve(&sub);
    }
    if (auto ap = object_schema.find("additionalProperties"); ap != object_schema.end() && ap->is_object())
      return resolve(&*ap);
    return nullptr;
  }

  const json* at(const std::vector<std::string>& tokens) const {
    const json* schema = resolve(&root_);
    for (const auto& token : tokens) {
      if (!schema || !schema->is_object()) return nullptr;
      if (auto items = schema->find("items");
          items != schema->end() && !schema->contains("properties") && !schema->contains("patternProperties")) {
        schema = resolve(&*items);
      } else {
        schema = member_schema(*schema, token);
      }
    }
    return schema;
  }

 private:
  const json& root_;
};

class MessageWriter {
 public:
  MessageWriter(const SchemaWalker& walker, const json& document) : walker_(walker), document_(document) {}

  // Adds the officer-facing violations for one valijson leaf error.
  void add(const std::vector<std::string>& tokens, const std::string& raw, std::vector<SchemaViolation>& out) const {
    const std::string pointer = pointer_of(tokens);
    const json* schema = walker_.at(tokens);
    const json* value = instance_at(tokens);
    auto push = [&](std::string at, std::string message) { out.push_back({std::move(at), std::move(message)}); };
    auto keyword = [&](const char* name) -> const json* {
      if (!schema || !schema->is_object()) return nullptr;
      auto it = schema->find(name);
      return it == schema->end() ? nullptr : &*it;
    };
    const std::string got = value ? describe_value(*value) : "nothing";

    if (starts_with(raw, "Value type not permitted")) {
      const json* type = keyword("type");
      std::string expected =
          type && type->is_string() ? describe_type(type->get<std::string>()) : "another kind of value";
      push(pointer, "must be " + expected + ", not " + got);
    } else if (starts_with(raw, "Object contains a property that could not be validated")) {
      unknown_keys(tokens, schema, value, out);
    } else if (starts_with(raw, "Missing required property '")) {
      const auto name = raw.substr(27, raw.find('\'', 27) - 27);
      push(pointer, "the required key '" + name + "' is missing");
    } else if (starts_with(raw, "Failed to match against any enum values")) {
      std::vector<std::string> allowed;
      if (const json* e = keyword("enum"))
        for (const auto& v : *e) allowed.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      push(pointer, "must be one of " + join_names(allowed) + ", not " + (value ? quoted(*value) : got));
    } else if (starts_with(raw, "Failed to match expected value set by 'const'")) {
      const json* c = keyword("const");
      std::string message =
          "must be " + (c ? quoted(*c) : std::string("a fixed value")) + ", not " + (value ? quoted(*value) : got);
      if (const json* d = keyword("description")) message += " (" + d->get<std::string>() + ")";
      push(pointer, message);
    } else if (starts_with(raw, "Failed to match regex")) {
      const json* d = keyword("description");
      push(pointer,
           (value ? quoted(*value) : got) + " is not " +
               (d ? d->get<std::string>() : "in the expected form (" + keyword("pattern")->get<std::string>() + ")"));
    } else if (starts_with(raw, "Elements at indexes #")) {
      const auto second = std::stoul(raw.substr(raw.find('#', 22) + 1));
      const json* item = value && value->is_array() && second < value->size() ? &(*value)[second] : nullptr;
      push(pointer + "/" + std::to_string(second),
           (item ? quoted(*item) : std::string("an item")) + " is listed twice");
    } else if (auto bounded = bound_message(raw, keyword, got)) {
      push(pointer, *bounded);
    } else {
      push(pointer, raw);
    }
  }

 private:
  // Numbers out of range, strings, lists and maps of the wrong size.
  template <typename Keyword>
  static std::optional<std::string> bound_message(const std::string& raw, const Keyword& keyword,
                                                  const std::string& got) {
    if (starts_with(raw, "Expected number greater than or equal to"))
      return "must be at least " + bound_text(keyword("minimum")) + ", not " + got;
    if (starts_with(raw, "Expected number greater than"))
      return "must be more than " + bound_of(keyword("exclusiveMinimum"), keyword("minimum")) + ", not " + got;
    if (starts_with(raw, "Expected number less than or equal to"))
      return "must be at most " + bound_text(keyword("maximum")) + ", not " + got;
    if (starts_with(raw, "Expected number less than"))
      return "must be less than " + bound_of(keyword("exclusiveMaximum"), keyword("maximum")) + ", not " + got;
    if (starts_with(raw, "Array should contain no fewer than"))
      return "must list at least " + bound_text(keyword("minItems")) + " item(s)";
    if (starts_with(raw, "Array should contain no more than"))
      return "must list at most " + bound_text(keyword("maxItems")) + " item(s)";
    if (starts_with(raw, "String should be no fewer than"))
      return "must not be empty (at least " + bound_text(keyword("minLength")) + " character(s))";
    if (starts_with(raw, "String should be no more than"))
      return "must be at most " + bound_text(keyword("maxLength")) + " characters long";
    if (starts_with(raw, "Object should have no fewer than"))
      return "must have at least " + bound_text(keyword("minProperties")) + " entry(ies)";
    if (starts_with(raw, "Object should have no more than"))
      return "must have at most " + bound_text(keyword("maxProperties")) + " entries";
    return std::nullopt;
  }

  static std::string bound_text(const json* n) { return n ? number_text(*n) : "the limit"; }
  static std::string bound_of(const json* preferred, const json* fallback) {
    if (preferred && preferred->is_number()) return number_text(*preferred);
    return bound_text(fallback);
  }

  const json* instance_at(const std::vector<std::string>& tokens) const {
    const json* v = &document_;
    for (const auto& t : tokens) {
      if (v->is_object() && v->contains(t)) {
        v = &(*v)[t];
      } else if (v->is_array()) {
        const auto i = std::stoul(t);
        if (i >= v->size()) return nullptr;
        v = &(*v)[i];
      } else {
        return nullptr;
      }
    }
    return v;
  }

  // valijson names only the first unknown key of an object; report every one, each at
  // its own line, with what is allowed instead.
  void unknown_keys(const std::vector<std::string>& tokens, const json* schema, const json* object,
                    std::vector<SchemaViolation>& out) const {
    if (!schema || !object || !object->is_object()) return;
    std::vector<std::string> known;
    if (auto p = schema->find("properties"); p != schema->end())
      for (const auto& [name, _] : p->items()) known.push_back(name);
    std::vector<std::regex> patterns;
    if (auto pp = schema->find("patternProperties"); pp != schema->end())
      for (const auto& [pattern, _] : pp->items()) patterns.emplace_back(pattern);
    for (const auto& item : object->items()) {
      const std::string& name = item.key();  // a plain reference: lambdas may capture it on every compiler
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      if (std::any_of(patterns.begin(), patterns.end(),
                      [&](const std::regex& r) { return std::regex_search(name, r); }))
        continue;
      const std::string at = pointer_of(tokens) + "/" + escape_pointer_token(name);
      if (patterns.empty()) {
        out.push_back({at, "unknown key '" + name + "'; the keys allowed here are " + join_names(known)});
      } else {
        auto d = schema->find("description");
        out.push_back({at, "'" + name + "' is not an accepted name here" +
                               (d != schema->end() ? ": " + d->get<std::string>() : std::string())});
      }
    }
  }

  const SchemaWalker& walker_;
  const json& document_;
};

}  // namespace

SchemaValidator::SchemaValidator(std::string_view schema_text) {
  try {
    schema_json_ = json::parse(schema_text);
    schema_ = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    const valijson::adapters::NlohmannJsonAdapter adapter(schema_json_);
    parser.populateSchema(adapter, *schema_);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("policy schema cannot be used: ") + e.what());
  }
}

SchemaValidator::~SchemaValidator() = default;
SchemaValidator::SchemaValidator(SchemaValidator&&) noexcept = default;
SchemaValidator& SchemaValidator::operator=(SchemaValidator&&) noexcept = default;

std::vector<SchemaViolation> SchemaValidator::validate(const json& document) const {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  const valijson::adapters::NlohmannJsonAdapter target(document);
  if (validator.validate(*schema_, target, &results)) return {};

  // valijson reports a failure where it happens and again at every enclosing property, item
  // and sub-schema; only the innermost report says what is wrong.
  static const std::vector<std::string> wrappers{"Failed to validate against schema associated with",
                                                 "Failed to validate item #",
                                                 "Failed to validate against child schema",
                                                 "Failed to validate against additional properties schema",
                                                 "Failed to validate against any schemas",
                                                 "Failed to validate against exactly one"};
  const SchemaWalker walker(schema_json_);
  const MessageWriter writer(walker, document);
  std::vector<SchemaViolation> violations;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    const bool wrapper = std::any_of(wrappers.begin(), wrappers.end(),
                                     [&](const std::string& w) { return starts_with(error.description, w); });
    if (!wrapper) writer.add(tokens_of(error.context), error.description, violations);
  }
  // The same leaf can be reached twice (e.g. through a $ref); keep the first.
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<SchemaViolation> unique;
  for (auto& v : violations)
    if (seen.insert({v.pointer, v.message}).second) unique.push_back(std::move(v));
  if (unique.empty()) unique.push_back({"", "does not match its schema"});
  return unique;
}

}  // namespace octopus::policy
