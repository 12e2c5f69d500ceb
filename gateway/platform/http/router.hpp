// Maps (method, path) to a route. Patterns are literal segments and "{name}" captures,
// e.g. "/admin/v1/partners/{id}/keys/{key_id}". Matching is on the raw path (never
// percent-decoded), so what is routed is exactly what was signed.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "http/request_context.hpp"
#include "vocabulary/operator_roles.hpp"
#include "vocabulary/partner_access.hpp"

#include "openapi/request_bodies.hpp"

namespace octopus::http {

using Handler = std::function<Response(RequestContext&)>;
// Checks of a request body that its schema cannot express (a name the policies must
// define). The pipeline runs them beside the schema, so a caller hears of every problem at
// once; they may therefore see a body that breaks the schema and must read it defensively.
using BodyRules = std::function<std::vector<openapi::FieldError>(RequestContext&, const nlohmann::json&)>;

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  // Skips the plane's stages (health probes).
  bool public_route = false;
  // The handler may touch disk or network: run it on the worker pool, not an I/O thread.
  bool blocking = false;
  // A partner POST that creates or spends: an Idempotency-Key makes retries safe (the
  // idempotency stage). Such routes must be blocking (the stage reads the store).
  bool idempotent = false;
  // Scope a partner must hold (checked by the authorization stage).
  vocabulary::Scope required_scope = vocabulary::Scope::none;
  // The quota class the request counts against (quotas.yaml). Every partner route declares
  // one (the pipeline refuses it otherwise); other planes' routes declare none.
  std::optional<vocabulary::CapabilityClass> capability_class;
  // The body the API document declares for this operation, checked before the handler runs
  // (set by Pipeline::add_route from the plane's document; nullptr: the route takes none).
  const openapi::RequestBody* request_body = nullptr;
  BodyRules body_rules;
  // The operator roles that may call it: every admin route declares some (the pipeline
  // refuses it otherwise); other planes' routes declare none.
  vocabulary::RoleSet roles;
};

class Router {
 public:
  enum class Result { found, not_found, method_not_allowed };

  void add(Route route);

  // On `found`, `route` and `params` are set. On `method_not_allowed`, `allowed` lists the
  // methods that exist for the path (for the Allow header).
  Result match(std::string_view method, std::string_view path, const Route*& route,
               std::map<std::string, std::string>& params, std::string& allowed) const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
  };
  std::vector<Entry> entries_;
};

}  // namespace octopus::http
