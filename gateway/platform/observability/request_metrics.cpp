#include "observability/request_metrics.hpp"

#include <atomic>
#include <string>

#include "observability/metrics.hpp"

namespace octopus::observability {

namespace {

const MetricFamily kRequests{
    "octopus_requests_total", MetricType::counter,
    "Answered requests by plane, partner (empty when none was authenticated), capability class, status class and "
    "outcome (ok, or the problem type's slug such as signature-invalid, rate-limited, quota-exhausted)."};
const MetricFamily kDuration{"octopus_request_duration_seconds", MetricType::histogram,
                             "Time from the request's arrival to the last byte of its answer written, by plane and "
                             "capability class.",
                             false, latency_buckets()};

std::atomic<bool> g_enabled{true};

}  // namespace

void set_request_metrics_enabled(bool enabled) { g_enabled = enabled; }

void record_request(const AnsweredRequest& r) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  const std::string_view klass = r.capability_class.empty() ? std::string_view("none") : r.capability_class;
  std::string labels = "{plane=\"";
  labels.append(r.plane).append("\",class=\"").append(klass).append("\"");
  const char status_class[] = {static_cast<char>('0' + (r.status / 100) % 10), 'x', 'x', '\0'};
  metrics().increment("octopus_requests_total" + labels + ",partner=\"" + label_value(r.partner) + "\",status=\"" +
                      status_class + "\",outcome=\"" +
                      label_value(r.outcome.empty() ? std::string_view("ok") : r.outcome) + "\"}");
  labels += "}";
  metrics().observe("octopus_request_duration_seconds" + labels, r.seconds);
}

}  // namespace octopus::observability
