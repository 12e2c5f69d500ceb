// Reads an OpenAPI 3.1 document into JSON the gateway and its tests can use directly:
//   YAML text → JSON (typed per the YAML 1.2 core schema; quoted scalars stay strings)
//   → every local $ref inlined (cycle guard).
// The spec in api-spec/ is the contract; the gateway checks request bodies against it
// (request_bodies.hpp) and the integration tests check responses against it.
//
// What a document may use (see api-spec/README.md): local "#/..." $refs only, no recursion
// (recursive schemas cannot be inlined), no YAML merge keys. Anything else throws.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vocabulary/json_pointer.hpp"

namespace octopus::openapi {

// The document with every $ref replaced by what it points to. Throws std::runtime_error
// whose message starts with `source` (and the line and column for YAML errors) and says
// what is wrong and where.
nlohmann::json load_document(std::string_view yaml_text, const std::string& source);

using vocabulary::child_pointer;  // RFC 6901
using vocabulary::escape_pointer_token;

}  // namespace octopus::openapi
