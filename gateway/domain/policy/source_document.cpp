#include "policy/source_document.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>

namespace octopus::policy {

namespace {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

using json = nlohmann::json;

constexpr int kMaxDepth = 64;

// Thrown inside the converter only; turned into a PolicyError at the boundary.
struct ConversionError {
  int line;
  std::string pointer;
  std::string message;
};

int line_of_mark(const YAML::Mark& mark) { return mark.is_null() || mark.line < 0 ? 0 : mark.line + 1; }

class YamlToJson {
 public:
  explicit YamlToJson(std::map<std::string, int>& lines) : lines_(lines) {}

  json convert(const YAML::Node& node, const std::string& pointer, int depth) {
    if (depth > kMaxDepth) fail(node, pointer, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: return scalar(node, pointer);
      case YAML::NodeType::Sequence: {
        json array = json::array();
        std::size_t index = 0;
        for (const auto& item : node) {
          const std::string at = pointer + "/" + std::to_string(index++);
          lines_.emplace(at, line_of_mark(item.Mark()));
          array.push_back(convert(item, at, depth + 1));
        }
        return array;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& entry : node) {
          const YAML::Node key = entry.first;  // a copy: entry.first of a temporary would dangle
          if (!key.IsScalar()) fail(key, pointer, "a key must be a plain name, not a list or mapping");
          const std::string& name = key.Scalar();
          if (!valid_utf8(name)) fail(key, pointer, "a key is not valid UTF-8");
          if (name == "<<" && key.Tag() == "?")
            fail(key, pointer, "YAML merge keys (<<) are not supported; write the values out");
          const std::string at = pointer + "/" + escape_pointer_token(name);
          if (object.contains(name)) fail(key, at, "the key '" + name + "' appears twice");
          lines_.emplace(at, line_of_mark(key.Mark()));
          object[name] = convert(entry.second, at, depth + 1);
        }
        return object;
      }
    }
    return nullptr;
  }

 private:
  [[noreturn]] static void fail(const YAML::Node& node, const std::string& pointer, std::string message) {
    throw ConversionError{line_of_mark(node.Mark()), pointer, std::move(message)};
  }

  // A quoted or block scalar (tag "!") is always text; a plain one is typed by the YAML 1.2
  // core schema, so `21:00` and `2026-06-07` stay text (YAML 1.1 would make them numbers
  // and dates) while `100` and `true` become a number and a boolean.
  json scalar(const YAML::Node& node, const std::string& pointer) const {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    // Everything downstream (the schema, the policy version's hash of the canonical JSON, the
    // API) needs text; bytes that are not UTF-8 stop here with the line they are on.
    if (!valid_utf8(text)) fail(node, pointer, "the text is not valid UTF-8");
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
    if (tag != "?" && !tag.empty()) fail(node, pointer, "YAML tags such as '" + tag + "' are not supported");
    static const std::set<std::string> nulls{"", "~", "null", "Null", "NULL"};
    static const std::set<std::string> trues{"true", "True", "TRUE"};
    static const std::set<std::string> falses{"false", "False", "FALSE"};
    static const std::regex decimal(R"([-+]?[0-9]+)");
    static const std::regex real(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    static const std::regex special(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    if (nulls.count(text)) return nullptr;
    if (trues.count(text)) return true;
    if (falses.count(text)) return false;
    if (std::regex_match(text, decimal)) return integer(node, pointer, text);
    if (std::regex_match(text, real)) return std::strtod(text.c_str(), nullptr);
    if (std::regex_match(text, special)) fail(node, pointer, "'" + text + "' is not a usable number");
    return text;
  }

  static json integer(const YAML::Node& node, const std::string& pointer, std::string digits) {
    if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
    std::int64_t value = 0;
    const char* last = digits.data() + digits.size();
    if (auto [ptr, ec] = std::from_chars(digits.data(), last, value); ec == std::errc() && ptr == last) return value;
    fail(node, pointer, "the number " + digits + " is too large");
  }

  std::map<std::string, int>& lines_;
};

}  // namespace

int SourceDocument::line_of(std::string_view pointer) const {
  std::string at(pointer);
  while (true) {
    if (auto it = lines.find(at); it != lines.end() && it->second > 0) return it->second;
    if (at.empty()) return 1;
    at.erase(at.rfind('/'));
  }
}

PolicyError SourceDocument::error(const std::string& pointer, std::string message) const {
  return PolicyError{file, line_of(pointer), pointer, std::move(message)};
}

PolicyErrors parse_yaml_document(std::string_view text, const std::string& file, SourceDocument& out) {
  out = SourceDocument{};
  out.file = file;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return {PolicyError{file, line_of_mark(e.mark), "", "not valid YAML: " + e.msg}};
  }
  try {
    out.lines.emplace("", 1);
    YamlToJson converter(out.lines);
    out.value = converter.convert(root, "", 0);
  } catch (const ConversionError& e) {
    return {PolicyError{file, e.line, e.pointer, e.message}};
  } catch (const YAML::Exception& e) {
    return {PolicyError{file, line_of_mark(e.mark), "", "not valid YAML: " + e.msg}};
  }
  return {};
}

}  // namespace octopus::policy
