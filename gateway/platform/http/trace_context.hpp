// W3C Trace Context (traceparent) and CAMARA x-correlator parsing. Invalid values are
// ignored, never refused: tracing must not break a partner's call.
#pragma once
#include <string>
#include <string_view>

namespace octopus::http {

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex
  std::string parent_id;  // 16 lowercase hex
  unsigned flags = 0;
};

// Parses a traceparent; false when invalid (version ff, bad length, upper-case hex,
// all-zero ids). Versions above 00 are parsed by their first three fields.
bool parse_traceparent(std::string_view value, TraceParent& out);

// CAMARA x-correlator: ^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$
bool valid_correlator(std::string_view value);

// A new request id: 32 lowercase hex characters from a per-thread random generator.
std::string new_request_id();

}  // namespace octopus::http
