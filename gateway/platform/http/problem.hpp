// RFC 9457 problem responses: the one place where an error becomes HTTP. Each kind of
// error has a stable type URI (documented in the API specs, api-spec/*.yaml), a fixed
// title and a status; the detail says what to fix for this occurrence and never carries
// key material, signatures or subscriber data.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "http/message.hpp"
#include "http/request_context.hpp"

namespace octopus::http {

struct ProblemType {
  std::string_view slug;
  int status;
  std::string_view title;
};

inline constexpr std::string_view kProblemBase = "https://octopus-gateway.example/problems/";

namespace problems {
inline constexpr ProblemType malformed_request{"malformed-request", 400, "Malformed request"};
inline constexpr ProblemType unauthorized{"unauthorized", 401, "Authentication required"};
inline constexpr ProblemType not_found{"not-found", 404, "Resource not found"};
inline constexpr ProblemType method_not_allowed{"method-not-allowed", 405, "Method not allowed"};
inline constexpr ProblemType conflict{"conflict", 409, "Conflict"};
inline constexpr ProblemType payload_too_large{"payload-too-large", 413, "Payload too large"};
inline constexpr ProblemType unsupported_media_type{"unsupported-media-type", 415, "Unsupported media type"};
inline constexpr ProblemType validation_error{"validation-error", 422, "Validation failed"};
inline constexpr ProblemType idempotency_key_in_flight{"idempotency-key-in-flight", 409,
                                                       "A request with this Idempotency-Key is outstanding"};
inline constexpr ProblemType idempotency_key_reused{"idempotency-key-reused", 422, "Idempotency-Key is already used"};
inline constexpr ProblemType segment_not_allowed{"segment-not-allowed", 422, "Segment not allowed"};
inline constexpr ProblemType engine_unavailable{"engine-unavailable", 503, "Engine unavailable"};
inline constexpr ProblemType rate_limited{"rate-limited", 429, "Rate limit exceeded"};
inline constexpr ProblemType quota_exhausted{"quota-exhausted", 429, "Quota exhausted"};
inline constexpr ProblemType offer_not_deliverable{"offer-not-deliverable", 409, "Offer cannot be delivered"};
inline constexpr ProblemType policy_denied{"policy-denied", 403, "Denied by policy"};
inline constexpr ProblemType policy_set_refused{"policy-set-refused", 422, "Policy set refused"};
inline constexpr ProblemType internal_error{"internal-error", 500, "Internal error"};
inline constexpr ProblemType service_unavailable{"service-unavailable", 503, "Service unavailable"};
inline constexpr ProblemType not_ready{"not-ready", 503, "Not ready"};
}  // namespace problems

std::string problem_type_uri(const ProblemType& type);

// Builds the problem+json response and records the slug as the request's outcome.
// `extensions` (an object) adds members such as "errors".
Response make_problem(RequestContext& ctx, const ProblemType& type, std::string detail);
Response make_problem(RequestContext& ctx, const ProblemType& type, std::string detail,
                      const nlohmann::json& extensions);

// A 503-style problem with Retry-After: `retry_after` seconds, at least 1.
Response make_unavailable(RequestContext& ctx, const ProblemType& type, std::string detail,
                          std::chrono::seconds retry_after);

// A problem for a request that never reached the pipeline (e.g. body over the limit at
// the socket): only the ids are known.
Response make_problem(const ProblemType& type, std::string detail, std::string_view request_id,
                      std::string_view instance);

// What a client sent, quoted for a problem's detail: at most `max` bytes of it (cut on a
// UTF-8 boundary, "…" appended), so a megabyte value is not sent back a megabyte long.
std::string quote_input(std::string_view value, std::size_t max = 64);

// Every string in a problem (detail, and each string of its extensions) is cut to this many
// bytes, and every array to kMaxProblemItems entries, whatever the handler put there.
inline constexpr std::size_t kMaxProblemText = 1024;
inline constexpr std::size_t kMaxProblemItems = 100;

// A JSON response with the right content type.
Response make_json(int status, const nlohmann::json& body);

}  // namespace octopus::http
