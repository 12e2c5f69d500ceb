// Process-wide counters and gauges in the Prometheus text format, served on the admin plane
// at /metrics. Only events that matter to operators are counted (refusals, outages,
// reloads), never per-request hot-path work, so a mutex-guarded map is enough. Names carry
// their labels ("octopus_quota_refusals_total{kind=\"rate\"}"); label values never hold
// partner secrets or subscriber data.
#pragma once
#include <map>
#include <mutex>
#include <string>

namespace octopus::observability {

class Metrics {
 public:
  void increment(const std::string& name, double by = 1);
  void set(const std::string& name, double value);
  double value(const std::string& name) const;  // 0 when never set
  std::string render() const;                   // text exposition format 0.0.4

 private:
  mutable std::mutex mutex_;
  std::map<std::string, double> values_;
};

Metrics& metrics();

}  // namespace octopus::observability
