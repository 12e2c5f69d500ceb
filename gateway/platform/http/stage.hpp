// One step of a plane's request pipeline (authenticate, authorize, rate limits,
// idempotency, policy). A stage either lets the request continue (returns nullopt) or
// answers it (returns the response, usually a problem, which also records the outcome).
// Once the request is answered, every stage that let it continue sees the answer
// (on_response, in reverse order), e.g. to store it.
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
  virtual void on_response(RequestContext&, const Response&) {}
};

}  // namespace octopus::http
