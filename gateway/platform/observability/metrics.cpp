#include "observability/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "background/periodic_task.hpp"

namespace octopus::observability {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return bounds;
}

namespace {

std::string family_of(const std::string& name) { return name.substr(0, name.find('{')); }

// The shortest text that reads back as the same double: a large histogram sum keeps every
// digit it has (the stream default of 6 would turn 1234567.8 into 1.23457e+06).
void write_value(std::ostream& out, double v) {
  if (std::isnan(v)) {
    out << "NaN";
  } else if (std::isinf(v)) {
    out << (v > 0 ? "+Inf" : "-Inf");
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out << static_cast<long long>(v);
  } else {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, v).ptr;
    out.write(text, end - text);
  }
}

// HELP text escapes backslashes and newlines (text format 0.0.4).
std::string escaped(const std::string& help) {
  std::string out;
  for (const char c : help) out += c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

// "family{a=\"b\"}" + suffix and an extra label: "family_bucket{a=\"b\",le=\"0.1\"}".
std::string series(const std::string& name, const char* suffix, const std::string& extra_label = {}) {
  const auto brace = name.find('{');
  std::string labels = brace == std::string::npos ? std::string() : name.substr(brace + 1, name.size() - brace - 2);
  if (!extra_label.empty()) labels += (labels.empty() ? "" : ",") + extra_label;
  std::string out = family_of(name) + suffix;
  if (!labels.empty()) out += "{" + labels + "}";
  return out;
}

std::string bound_text(double bound) {
  std::ostringstream out;
  write_value(out, bound);
  return out.str();
}

}  // namespace

std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

void Metrics::describe(const std::string& family, MetricType type, const std::string& help, bool zero_at_start,
                       std::vector<double> buckets) {
  if ((type == MetricType::histogram) == buckets.empty() || !std::is_sorted(buckets.begin(), buckets.end()))
    throw std::logic_error(family + ": a histogram, and only a histogram, declares ascending buckets");
  std::lock_guard lock(mutex_);
  families_[family] = {type, help, zero_at_start, std::move(buckets)};
}

void Metrics::increment(const std::string& name, double by) {
  std::lock_guard lock(mutex_);
  values_[name] += by;
}

void Metrics::set(const std::string& name, double value) {
  std::lock_guard lock(mutex_);
  values_[name] = value;
}

void Metrics::observe(const std::string& name, double value) {
  std::lock_guard lock(mutex_);
  auto it = distributions_.find(name);
  if (it == distributions_.end()) {
    const auto family = families_.find(family_of(name));
    if (family == families_.end() || family->second.type != MetricType::histogram)
      throw std::logic_error(name + " is not a described histogram");
    it = distributions_.emplace(name, Distribution{std::vector<std::uint64_t>(family->second.buckets.size() + 1), 0, 0})
             .first;
  }
  const auto& bounds = families_.find(family_of(name))->second.buckets;
  const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  ++it->second.counts[static_cast<std::size_t>(bucket)];
  it->second.sum += value;
  ++it->second.count;
}

std::uint64_t Metrics::add_collector(Collector collector) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.emplace(next_collector_, std::move(collector));
  return next_collector_++;
}

void Metrics::remove_collector(std::uint64_t id) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.erase(id);
}

double Metrics::value(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

std::uint64_t Metrics::observations(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = distributions_.find(name);
  return it == distributions_.end() ? 0 : it->second.count;
}

std::string Metrics::render() const {
  std::vector<Sample> collected;
  {
    std::lock_guard lock(collectors_mutex_);
    for (const auto& [id, collect] : collectors_) collect(collected);
  }

  std::lock_guard lock(mutex_);
  // Every family, described or only counted, with its samples grouped under its HELP/TYPE.
  std::map<std::string, std::vector<std::pair<const std::string*, double>>> samples;
  for (const auto& [name, v] : values_) samples[family_of(name)].emplace_back(&name, v);
  for (const auto& s : collected) samples[family_of(s.name)].emplace_back(&s.name, s.value);
  std::map<std::string, std::vector<std::pair<const std::string*, const Distribution*>>> histograms;
  for (const auto& [name, d] : distributions_) histograms[family_of(name)].emplace_back(&name, &d);

  std::map<std::string, Description> all = families_;
  for (const auto& [family, _] : samples)
    if (!all.count(family))  // counted but never described: still a well-formed family
      all[family] = {family.ends_with("_total") ? MetricType::counter : MetricType::gauge, family, false, {}};

  std::ostringstream out;
  for (const auto& [family, d] : all) {
    out << "# HELP " << family << ' ' << escaped(d.help) << "\n# TYPE " << family << ' ' << type_name(d.type) << "\n";
    if (d.type == MetricType::histogram) {
      for (const auto& [name, dist] : histograms[family]) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < dist->counts.size(); ++i) {
          cumulative += dist->counts[i];
          const auto le = i < d.buckets.size() ? bound_text(d.buckets[i]) : std::string("+Inf");
          out << series(*name, "_bucket", "le=\"" + le + "\"") << ' ' << cumulative << "\n";
        }
        out << series(*name, "_sum") << ' ';
        write_value(out, dist->sum);
        out << "\n" << series(*name, "_count") << ' ' << dist->count << "\n";
      }
      continue;
    }
    const auto found = samples.find(family);
    if (found == samples.end()) {
      if (d.zero_at_start) out << family << " 0\n";
      continue;
    }
    for (const auto& [name, v] : found->second) {
      out << *name << ' ';
      write_value(out, v);
      out << "\n";
    }
  }
  return out.str();
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

LabelledCounter::LabelledCounter(const char* family, const char* help, const char* label,
                                 std::initializer_list<const char*> values)
    : family_(family), label_(label) {
  metrics().describe(family_, MetricType::counter, help, false);
  for (const auto* value : values) metrics().increment(series(value), 0);
}

std::string LabelledCounter::series(std::string_view value) const {
  return family_ + "{" + label_ + "=\"" + label_value(value) + "\"}";
}

namespace {
// What a refreshed collector serves, and the thread that refreshes it (declared last: it
// stops before the samples go).
struct RefreshedSamples {
  Collector gather;
  std::mutex mutex;
  std::vector<Sample> samples;
  std::optional<background::PeriodicTask> refresher;

  void refresh() {
    std::vector<Sample> fresh;
    try {
      gather(fresh);
    } catch (...) {  // whatever went wrong, no old figures are served as new
      fresh.clear();
    }
    std::lock_guard lock(mutex);
    samples.swap(fresh);
  }
};
}  // namespace

std::unique_ptr<ScopedCollector> refreshed_collector(Collector gather, std::chrono::milliseconds interval) {
  auto state = std::make_shared<RefreshedSamples>();
  state->gather = std::move(gather);
  state->refresh();
  state->refresher.emplace(interval, [raw = state.get()] { raw->refresh(); });
  return std::make_unique<ScopedCollector>([state](std::vector<Sample>& out) {
    std::lock_guard lock(state->mutex);
    out.insert(out.end(), state->samples.begin(), state->samples.end());
  });
}

}  // namespace octopus::observability
