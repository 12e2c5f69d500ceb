// Which answers a call is retried on, and how long to wait before the next attempt.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "octopus/sdk/client.hpp"

namespace octopus::detail {

// Retried: 408; 409 idempotency-key-in-flight; 429 rate-limited (never quota-exhausted,
// which only a new period cures); 502, 503, 504. `problem_slug` is the last segment of the
// problem type URI.
bool is_retryable(int status, const std::string& problem_slug);

// The wait before attempt `next_attempt` (2 for the first retry): Retry-After when the
// gateway sent one, else full jitter, uniform in [0, min(max, initial * 2^(n-2))].
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt, std::optional<long> retry_after);

// Retry-After as delta-seconds (the only form the gateway sends); nullopt otherwise.
std::optional<long> parse_retry_after(const std::string& value);

}  // namespace octopus::detail
