/// @file
/// The two ways a call fails: the gateway answered with a problem (ApiError), or it could
/// not be reached in time (TransportError). Both derive from octopus::Error.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "octopus/sdk/call_options.hpp"

namespace octopus {

/// Base of every error the SDK throws for a call.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One entry of a problem's `errors` member: where in the request, and what is wrong.
struct FieldIssue {
  std::string pointer;  ///< JSON Pointer into the request body (or a header/parameter name)
  std::string detail;   ///< what is wrong there
  std::string rule;     ///< the policy rule that refused it, when a policy did
};

/// An RFC 9457 problem answer (any status outside 2xx), after retries where they apply.
class ApiError : public Error {
 public:
  /// Built from the response; `body` is the problem JSON (or whatever came).
  ApiError(ResponseInfo info, const std::string& body);

  /// The HTTP status of the answer.
  int status() const noexcept { return info_.status; }
  /// The problem type URI, e.g. "https://octopus-gateway.example/problems/rate-limited".
  const std::string& type() const noexcept { return type_; }
  /// The last path segment of type(), e.g. "rate-limited": the stable thing to branch on.
  std::string slug() const;
  /// The problem's short summary, e.g. "Rate limit exceeded".
  const std::string& title() const noexcept { return title_; }
  const std::string& detail() const noexcept { return detail_; }
  /// The gateway's id of this exchange (X-Request-Id / `request_id`).
  const std::string& request_id() const noexcept { return info_.request_id; }
  /// The `errors` member: every issue with the request, when the gateway listed them.
  const std::vector<FieldIssue>& errors() const noexcept { return errors_; }
  /// The `violated-policies` member of a 429 (e.g. "reads", "writes-day").
  const std::vector<std::string>& violated_policies() const noexcept { return violated_policies_; }
  /// Retry-After, in seconds, when the gateway sent one.
  std::optional<long> retry_after() const noexcept { return info_.retry_after; }
  /// The plan's state as this response reported it.
  const RateLimitState& rate_limit() const noexcept { return info_.rate_limit; }
  /// Status, request id, attempts made.
  const ResponseInfo& response() const noexcept { return info_; }
  /// The response body as received.
  const std::string& body() const noexcept { return body_; }

 private:
  ResponseInfo info_;
  std::string body_, type_, title_, detail_;
  std::vector<FieldIssue> errors_;
  std::vector<std::string> violated_policies_;
  friend struct ApiErrorAccess;
};

/// The gateway could not be reached, the TLS handshake failed, or the deadline passed
/// before an answer came. `attempts()` says how many were made.
class TransportError : public Error {
 public:
  /// `what` says what failed last; `attempts` how many were made.
  TransportError(const std::string& what, int attempts) : Error(what), attempts_(attempts) {}
  /// Attempts made before giving up (the retry policy's limit, or fewer at the deadline).
  int attempts() const noexcept { return attempts_; }

 private:
  int attempts_;
};

/// A response that is not what partner.yaml promises (e.g. not JSON): a gateway or proxy fault.
class ProtocolError : public Error {
 public:
  using Error::Error;
};

}  // namespace octopus
