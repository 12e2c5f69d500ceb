// Partner-plane pipeline stage: counts the request against the partner's plan for the
// route's capability class, under the policy version pinned on the request. Adds the IETF
// RateLimit-Policy and RateLimit fields to whatever response the request gets, and refuses
// with 429: `rate-limited` ("slow down") or `quota-exhausted` ("this period's allowance is
// used"), each naming the violated policy, with a Retry-After at which a retry succeeds.
// Part of the gateway core (it speaks the pipeline's Stage interface).
#pragma once
#include "http/stage.hpp"
#include "quota/quota_limiter.hpp"

namespace octopus::quota {

class RateLimitStage final : public http::Stage {
 public:
  explicit RateLimitStage(QuotaLimiter& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "rate_limit"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  QuotaLimiter& limiter_;
};

}  // namespace octopus::quota
