// What every answered request adds to /metrics: one count by plane, partner, capability
// class, status class and outcome, and its duration (to the last byte written) in the
// plane × class histogram. Recorded once per request, after its response is written.
#pragma once
#include <string_view>

namespace octopus::observability {

struct AnsweredRequest {
  std::string_view plane;
  std::string_view partner;           // the authenticated caller; empty when none was proven
  std::string_view capability_class;  // the route's quota class; empty off the partner plane
  unsigned status = 0;
  std::string_view outcome;  // problem slug or note; empty: the request succeeded
  double seconds = 0;
};

void record_request(const AnsweredRequest& request);
// Off only to measure what the counting costs (tests/load); on by default.
void set_request_metrics_enabled(bool enabled);

}  // namespace octopus::observability
