// A policy file turned into JSON, remembering the line each value came from, so that any
// later check (schema or cross-file) can name the line an officer has to change.
#pragma once
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policy/policy_error.hpp"

namespace octopus::policy {

struct SourceDocument {
  std::string file;                  // "consent.yaml"
  nlohmann::json value;              // the content, typed per the YAML 1.2 core schema
  std::map<std::string, int> lines;  // JSON pointer → 1-based line (of the key, for members)

  // The line of `pointer`, or of its nearest ancestor that has one (1 for the whole file).
  int line_of(std::string_view pointer) const;
  PolicyError error(const std::string& pointer, std::string message) const;
};

// Parses YAML text into a SourceDocument. Malformed YAML, duplicate keys, merge keys (<<),
// non-scalar keys and numbers JSON cannot hold are refused: the returned errors are then
// non-empty and the document must not be used.
PolicyErrors parse_yaml_document(std::string_view text, const std::string& file, SourceDocument& out);

}  // namespace octopus::policy
