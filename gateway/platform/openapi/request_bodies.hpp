// The JSON request bodies an API accepts, read from its OpenAPI document, so that a body is
// checked against the published schema before any handler sees it. The handlers keep only
// the checks a schema cannot express (a tier the policies define, a key that is a usable
// curve point, an offer that is still valid).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "openapi/json_schema.hpp"

namespace octopus::openapi {

// One field of a refused body, as the API reports it in a problem's `errors[]`.
struct FieldError {
  std::string pointer;  // RFC 6901 into the body ("/scopes/1"); "" for the body itself
  std::string detail;   // what is wrong, for a person ("is required", "must be one of: a, b")
};

// The body one operation accepts.
class RequestBody {
 public:
  RequestBody(JsonSchema schema, std::vector<std::string> media_types, bool required);

  // Every way `body` breaks the schema, one entry per field: a missing member at its own
  // pointer, every unknown member (not only the first), an anyOf/oneOf that no form
  // matches once (not once per form).
  std::vector<FieldError> check(const nlohmann::json& body) const;
  // The media types declared for the body (application/json, application/merge-patch+json).
  const std::vector<std::string>& media_types() const { return media_types_; }
  bool accepts_merge_patch() const;
  // False when the operation may be called with no body at all (requestBody.required).
  bool required() const { return required_; }

 private:
  JsonSchema schema_;
  std::vector<std::string> media_types_;
  bool required_;
};

class RequestBodies {
 public:
  // Every operation of the document that declares a JSON request body. Throws
  // std::runtime_error (naming `source` and where) for a schema that cannot be compiled or
  // media types of one body with different schemas.
  static RequestBodies from_document(const nlohmann::json& document, const std::string& source);

  // The body of `method` (upper case) on `path_template` ("/v1/offers/{id}"), or nullptr when
  // the operation takes none.
  const RequestBody* find(std::string_view method, std::string_view path_template) const;
  // (method, path template) of every operation with a body.
  std::vector<std::pair<std::string, std::string>> operations() const;

 private:
  std::map<std::pair<std::string, std::string>, RequestBody, std::less<>> bodies_;
};

}  // namespace octopus::openapi
