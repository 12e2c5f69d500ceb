// Process-wide counters and gauges in the Prometheus text format, served on the admin plane
// at /metrics. Only events that matter to operators are counted (refusals, outages,
// reloads), never per-request hot-path work, so a mutex-guarded map is enough. Names carry
// their labels ("octopus_quota_refusals_total{kind=\"rate\"}"); label values never hold
// partner secrets or subscriber data.
//
// Every family is described where it is counted (a namespace-scope MetricFamily), so that
// /metrics gives each one its HELP and TYPE from start, with a 0 sample for an unlabelled
// family nothing has touched yet: a scraper and `promtool check metrics` see the whole set
// before the first event.
#pragma once
#include <map>
#include <mutex>
#include <string>

namespace octopus::observability {

enum class MetricType { counter, gauge };

class Metrics {
 public:
  // Declares a family (its name without labels). `zero_at_start`: render "name 0" until
  // the first sample (for an unlabelled family whose zero is true from start).
  void describe(const std::string& family, MetricType type, const std::string& help, bool zero_at_start);
  void increment(const std::string& name, double by = 1);
  void set(const std::string& name, double value);
  double value(const std::string& name) const;  // 0 when never set
  std::string render() const;                   // text exposition format 0.0.4

 private:
  struct Description {
    MetricType type;
    std::string help;
    bool zero_at_start;
  };
  mutable std::mutex mutex_;
  std::map<std::string, double> values_;
  std::map<std::string, Description> families_;
};

Metrics& metrics();

// Describes a family at static initialisation: `const MetricFamily kX{"octopus_x_total", ...};`
// beside the code that counts it.
struct MetricFamily {
  MetricFamily(const char* family, MetricType type, const char* help, bool zero_at_start = false) {
    metrics().describe(family, type, help, zero_at_start);
  }
};

}  // namespace octopus::observability
