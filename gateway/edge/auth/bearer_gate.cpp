#include "auth/bearer_gate.hpp"

#include "http/connection_limiter.hpp"
#include "http/problem.hpp"

namespace octopus::auth {

namespace {
std::string network_of(const http::RequestContext& ctx) {
  return http::client_network(FailureThrottle::address_of(ctx.remote));
}
}  // namespace

BearerGate::BearerGate(std::string realm, std::function<void(std::string_view)> on_throttled)
    : realm_(std::move(realm)), on_throttled_(std::move(on_throttled)) {}

std::string_view BearerGate::presented(const http::RequestContext& ctx) {
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view header = ctx.request.header("authorization");
  if (header.size() <= kBearer.size() || !http::iequals(header.substr(0, kBearer.size()), kBearer)) return {};
  return header.substr(kBearer.size());
}

std::optional<http::Response> BearerGate::throttled(http::RequestContext& ctx) {
  const auto wait = throttle_.wait(network_of(ctx), FailureThrottle::Clock::now());
  if (wait <= FailureThrottle::Clock::duration::zero()) return std::nullopt;
  return http::make_unavailable(ctx, http::problems::rate_limited,
                                "Too many failed attempts from this address; wait before trying again.",
                                std::chrono::ceil<std::chrono::seconds>(wait));
}

http::Response BearerGate::refuse(http::RequestContext& ctx, const std::string& detail) {
  const auto network = network_of(ctx);
  if (throttle_.failed(network, FailureThrottle::Clock::now()) && on_throttled_) on_throttled_(network);
  auto r = http::make_problem(ctx, http::problems::unauthorized, detail);
  r.set_header("WWW-Authenticate", "Bearer realm=\"" + realm_ + "\"");
  return r;
}

}  // namespace octopus::auth
