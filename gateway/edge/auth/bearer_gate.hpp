// What every stage that takes a bearer token shares (the engine API's shared token, the
// admin plane's operator accounts): reading `Authorization: Bearer <token>`, slowing
// guessing per client network (after 10 failures one try every 6 s; a throttled network
// gets 429 before any token is compared), and the 401 that names the realm and counts the
// failure.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/failure_throttle.hpp"
#include "http/request_context.hpp"

namespace octopus::auth {

class BearerGate {
 public:
  // `realm` names the protected plane in WWW-Authenticate ("octopus-admin", "octopus-engine").
  // `on_throttled` hears of each failure that leaves an address throttled (for the audit log).
  BearerGate(std::string realm, std::function<void(std::string_view address)> on_throttled);

  // The presented token; empty when the header is missing or not a Bearer one.
  static std::string_view presented(const http::RequestContext& ctx);
  // 429 while the caller's network is throttled.
  std::optional<http::Response> throttled(http::RequestContext& ctx);
  // 401 with `detail`; the failure counts against the caller's network.
  http::Response refuse(http::RequestContext& ctx, const std::string& detail);

 private:
  std::string realm_;
  std::function<void(std::string_view)> on_throttled_;
  FailureThrottle throttle_{10, std::chrono::seconds(6)};
};

}  // namespace octopus::auth
