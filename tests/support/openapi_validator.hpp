// Checks HTTP responses received in tests against the OpenAPI 3.1 documents in api-spec/, so
// the integration tests prove that the gateway answers what partner.yaml and admin.yaml
// promise. Test-only: loaded once per test suite, then asked about each response.
//
// Loading is strict and throws on anything it cannot check faithfully: YAML it cannot type,
// a dangling, external or cyclic $ref, a schema keyword the underlying JSON Schema engine
// (valijson, draft 7) does not implement, a regex std::regex cannot compile. Every schema is
// compiled at load time, so a broken spec fails the first test, not a random later one.
//
// What a document may use (see api-spec/README.md): local "#/..." $refs only; JSON Schema
// keywords common to draft 7 and 2020-12 (type, enum, const, properties, required,
// additionalProperties, patternProperties, propertyNames, min/maxProperties, items as one
// schema, contains, min/maxItems, uniqueItems, min/maxLength, pattern, format, minimum,
// maximum, numeric exclusiveMinimum/Maximum, multipleOf, allOf, anyOf, oneOf, not,
// if/then/else) plus annotations; `format` only beside `type: string`; `type: [T, "null"]`
// for nullable values. The root extension `x-octopus-unmatched-responses` (status → response)
// describes answers to requests that match no operation (unknown path → 404, known path with
// another method → 405, ...).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace octopus::testing {

class OpenApiValidator {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Reads and compiles an OpenAPI 3.1 YAML (or JSON) file. Throws std::runtime_error whose
  // message starts with the file name and says what is wrong and where.
  static OpenApiValidator load(const std::string& yaml_path);
  // The same from text; `source_name` is used in messages.
  static OpenApiValidator load_from_string(std::string_view yaml_text, const std::string& source_name = "<string>");

  // Validates one received response against the operation's declared response.
  // `path` is the concrete request path without query (e.g. "/admin/v1/partners/p-1"; a
  // "?query" suffix is ignored), matched against the spec's path templates, literal segments
  // winning over templated ones. The response is looked up by exact status, then "4XX"-style
  // ranges, then "default". Header names match case-insensitively; `content_type` may carry
  // parameters ("application/json; charset=utf-8").
  // Returns an empty vector when valid, otherwise one human-readable message per problem:
  // unknown path or method, undeclared status, wrong or missing content type, body not JSON,
  // schema violations (with the JSON Pointer of the offending value), a problem+json `status`
  // that differs from the HTTP status, missing required headers or header values that break
  // their schema, a body where none is declared.
  std::vector<std::string> validate_response(std::string_view method, std::string_view path, int status,
                                             std::string_view content_type, std::string_view body,
                                             const Headers& headers) const;

  // Checks the document against itself: every media-type `example`/`examples` (request and
  // response), every parameter example and every `examples` entry of a component schema
  // must validate against its schema. Returns one message per failing example.
  std::vector<std::string> check_examples() const;

  // The document as JSON with every local $ref inlined.
  const nlohmann::json& document() const;
  // The file name (or source name) it was loaded from.
  const std::string& source() const;

  struct Impl;

 private:
  explicit OpenApiValidator(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;  // immutable after load; copies share it
};

}  // namespace octopus::testing
