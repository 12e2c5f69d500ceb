/// @file
/// Per-call options and what every response reports besides its body.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace octopus {

/// One policy of the partner's plan as the gateway reports it (RateLimit-Policy and
/// RateLimit headers): its quota `q` per window `w`, what remains `r` and the seconds `t`
/// until more is available.
struct RateLimitPolicy {
  std::string name;                         ///< e.g. "reads", "reads-day"
  std::optional<std::int64_t> quota;        ///< q
  std::optional<std::int64_t> window;       ///< w, seconds
  std::optional<std::int64_t> burst;        ///< octopus-burst
  std::optional<std::int64_t> remaining;    ///< r
  std::optional<std::int64_t> reset_after;  ///< t, seconds
};

/// The plan's state after a response; empty when the gateway sent no RateLimit headers.
struct RateLimitState {
  std::vector<RateLimitPolicy> policies;  ///< in the order RateLimit-Policy lists them
  /// The policy with the least remaining; nullptr when no policy said what remains.
  const RateLimitPolicy* tightest() const;
};

/// What a response said besides its body.
struct ResponseInfo {
  int status = 0;                   ///< HTTP status of the last attempt
  std::string request_id;           ///< X-Request-Id: quote it when reporting an issue
  std::string policy_version;       ///< Octopus-Policy-Version: the policy set that decided
  bool idempotent_replay = false;   ///< the kept answer to an earlier call with the same key
  int attempts = 0;                 ///< attempts made, retries included
  std::optional<long> retry_after;  ///< Retry-After, seconds, when sent
  RateLimitState rate_limit;        ///< RateLimit / RateLimit-Policy, parsed
};

/// Options for one call; all optional.
struct CallOptions {
  /// Idempotency-Key for a POST (ignored for GET and DELETE, which are idempotent).
  /// Default: a fresh random key per logical call, sent unchanged on every retry. Pass your
  /// own (1 to 255 visible ASCII characters, no quotes or backslashes; otherwise the call
  /// throws std::invalid_argument) to make a call idempotent across restarts.
  std::optional<std::string> idempotency_key;
  /// Overrides ClientOptions::call_deadline for this call (all attempts together).
  std::optional<std::chrono::milliseconds> deadline;
  /// x-correlator to send (echoed back; appears in the gateway's logs).
  std::string correlator;
  /// When set, filled in with the last response's details, also when it was a problem
  /// (ApiError); left untouched when no answer came at all (TransportError).
  ResponseInfo* response = nullptr;
};

}  // namespace octopus
