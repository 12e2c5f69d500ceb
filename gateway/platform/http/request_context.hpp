// Everything the pipeline knows about one request while it is being served: the
// request itself, its ids, the authenticated principal (filled by an auth stage) and
// the notes the access log reports. One per request, owned by the session.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.hpp"
#include "vocabulary/operator_roles.hpp"

namespace octopus::policy {
struct PolicySnapshot;
}

namespace octopus::http {

struct Route;

// Who is calling, once a stage has proven it. Kept generic so that `http` does not
// depend on the partner registry or the admin plane.
struct Principal {
  std::string id;      // partner id, or operator account name
  std::string key_id;  // the key that signed the request (partners only)
  std::string display_name;
  std::string tier;
  std::string category;
  std::vector<std::string> scopes;
  std::string organisation;              // partners of one organisation share a privacy budget; empty: none
  std::optional<vocabulary::Role> role;  // an operator account's role (admin plane)
  // Whose privacy budget pays for what this principal is shown.
  const std::string& privacy_account() const { return organisation.empty() ? id : organisation; }
};

struct RequestContext {
  Request request;
  std::string request_id;  // ours, always set; sent back as X-Request-Id
  std::string trace_id;    // from a valid W3C traceparent, else empty
  std::string parent_id;   // the caller's span id from traceparent
  std::string correlator;  // CAMARA x-correlator, echoed back when valid
  std::string remote;      // peer address, for the access log
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  const Route* route = nullptr;                    // set by the router
  std::map<std::string, std::string> path_params;  // "{id}" captures
  std::optional<Principal> principal;              // set by an auth stage

  // The policy this request is decided under, pinned once by the policy stage so that a
  // reload mid-request cannot mix two versions; its version is sent back on the response.
  std::shared_ptr<const policy::PolicySnapshot> policy;
  std::string_view policy_version;  // points into *policy

  // The JSON body once the pipeline has checked it against the route's schema; json_body()
  // hands it to the handler instead of parsing the text again.
  std::optional<nlohmann::json> checked_body;

  // The Idempotency-Key this request claimed (empty when none): its answer is stored.
  std::string idempotency_key;

  // Headers a stage wants on the final response, whoever produces it (rate-limit fields).
  std::vector<std::pair<std::string, std::string>> response_headers;

  // Why the request was refused (problem slug) or a short outcome note: for the access
  // log and counters, never sent to the client beyond the problem itself.
  std::string outcome;
};

}  // namespace octopus::http
