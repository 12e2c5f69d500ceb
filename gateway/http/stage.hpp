// One step of a plane's request pipeline (authenticate, authorize, later rate limits,
// idempotency, policy). A stage either lets the request continue (returns nullopt) or
// answers it (returns the response, usually a problem, which also records the outcome).
// Stages are built once with their configuration and shared by all requests, so
// on_request must be thread-safe and must not block on disk or network.
#pragma once
#include <optional>
#include <string_view>

#include "http/message.hpp"
#include "http/request_context.hpp"

namespace octopus::http {

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  virtual std::optional<Response> on_request(RequestContext& ctx) = 0;
};

}  // namespace octopus::http
