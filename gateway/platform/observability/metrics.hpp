// Process-wide counters, gauges and histograms in the Prometheus text format, served at
// /metrics. Names carry their labels ("octopus_quota_refusals_total{kind=\"rate\"}"); label
// values never hold partner secrets, resource ids or subscriber data, so the number of
// series is bounded by the partner registry. A mutex-guarded map is enough: the busiest
// writer is one counter and one histogram per answered request (docs/performance.md has
// the cost, measured against the same load with metrics off).
//
// Every family is described where it is counted (a namespace-scope MetricFamily), so that
// /metrics gives each one its HELP and TYPE from start, with a 0 sample for an unlabelled
// family nothing has touched yet: a scraper and `promtool check metrics` see the whole set
// before the first event. Values only known at scrape time (quota headroom, process
// figures) come from collectors, asked on each render.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace octopus::observability {

enum class MetricType { counter, gauge, histogram };

// One sample a collector reports at scrape time: its full name with labels, and its value.
struct Sample {
  std::string name;
  double value = 0;
};
using Collector = std::function<void(std::vector<Sample>&)>;

// Upper bounds, in seconds, for request and call latencies: 1 ms to 10 s.
const std::vector<double>& latency_buckets();

class Metrics {
 public:
  // Declares a family (its name without labels). `zero_at_start`: render "name 0" until
  // the first sample (for an unlabelled family whose zero is true from start). A histogram
  // declares its bucket bounds (ascending; +Inf is implied).
  void describe(const std::string& family, MetricType type, const std::string& help, bool zero_at_start,
                std::vector<double> buckets = {});
  void increment(const std::string& name, double by = 1);
  void set(const std::string& name, double value);
  // Adds one observation to a histogram series (its family must be described as one).
  void observe(const std::string& name, double value);
  // Asked for its samples on every render until removed; it must not call back here.
  // Removing waits for a render that is asking it, so what it captured may then go.
  std::uint64_t add_collector(Collector collector);
  void remove_collector(std::uint64_t id);
  double value(const std::string& name) const;  // 0 when never set
  std::uint64_t observations(const std::string& name) const;
  std::string render() const;  // text exposition format 0.0.4

 private:
  struct Description {
    MetricType type;
    std::string help;
    bool zero_at_start;
    std::vector<double> buckets;
  };
  struct Distribution {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; last one is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, double> values_;
  std::map<std::string, Distribution> distributions_;
  std::map<std::string, Description> families_;
  mutable std::mutex collectors_mutex_;  // held through a render's collection (see remove_collector)
  std::map<std::uint64_t, Collector> collectors_;
  std::uint64_t next_collector_ = 1;
};

Metrics& metrics();

// Describes a family at static initialisation: `const MetricFamily kX{"octopus_x_total", ...};`
// beside the code that counts it.
struct MetricFamily {
  MetricFamily(const char* family, MetricType type, const char* help, bool zero_at_start = false,
               std::vector<double> buckets = {}) {
    metrics().describe(family, type, help, zero_at_start, std::move(buckets));
  }
};

// A counter family with one label whose values are all known beforehand, described at
// static initialisation with every series at 0 (so a rate or increase over any of them
// exists before its first event): `const LabelledCounter kX{"octopus_x_total", "...",
// "outcome", {"ok", "failed"}};`. `series("ok")` names one of them.
class LabelledCounter {
 public:
  LabelledCounter(const char* family, const char* help, const char* label, std::initializer_list<const char*> values);
  std::string series(std::string_view value) const;

 private:
  std::string family_, label_;
};

// Owns a collector's registration: it stops being asked when this goes.
class ScopedCollector {
 public:
  explicit ScopedCollector(Collector collector) : id_(metrics().add_collector(std::move(collector))) {}
  ~ScopedCollector() { metrics().remove_collector(id_); }
  ScopedCollector(const ScopedCollector&) = delete;
  ScopedCollector& operator=(const ScopedCollector&) = delete;

 private:
  std::uint64_t id_;
};

// A collector whose samples are gathered on a thread of its own, once at once and then every
// `interval`, and served from memory at scrape time: for figures that take longer to read
// than a scrape should wait (quota counters in Redis for a thousand partners). A gathering
// that throws leaves no samples until the next one succeeds (stale figures are worse than
// none). The thread stops when the returned owner goes.
std::unique_ptr<ScopedCollector> refreshed_collector(Collector gather, std::chrono::milliseconds interval);

// A label value as the text format wants it: backslash, quote and newline escaped.
std::string label_value(std::string_view value);

}  // namespace octopus::observability
