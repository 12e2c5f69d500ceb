// YAML → JSON and $ref inlining for OpenAPI documents (openapi_document.hpp).
#include "openapi/openapi_document.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace octopus::openapi {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::string join(const std::vector<std::string>& items, std::string_view sep) {
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
        out.push_back(resolve(node[i], child_pointer(where, std::to_string(i)), false));
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
        out[key] = resolve(value, child_pointer(where, key), false);
      } else if (data_keys().count(key) || (key == "examples" && value.is_array())) {
        out[key] = value;
      } else {
        out[key] = resolve(value, child_pointer(where, key), name_map_keys().count(key) > 0);
      }
    }
    return out;
  }

 private:
  json follow(const json& node, const json& ref, const std::string& where) {
    if (!ref.is_string()) fail(source_ + ": " + where + ": $ref must be a string");
    const std::string target = ref.get<std::string>();
    if (target != "#" && !target.starts_with("#/")) {
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
      if (!annotation_siblings().count(key) && !key.starts_with("x-")) only_annotations = false;
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

}  // namespace

json load_document(std::string_view yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    fail(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
         ": YAML error: " + e.msg);
  }
  const json raw = YamlToJson(source).convert(root);
  RefResolver resolver(raw, source);
  return resolver.resolve(raw, "", false);
}

}  // namespace octopus::openapi
