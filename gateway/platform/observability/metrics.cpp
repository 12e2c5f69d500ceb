#include "observability/metrics.hpp"

#include <cmath>
#include <sstream>

namespace octopus::observability {

void Metrics::describe(const std::string& family, MetricType type, const std::string& help, bool zero_at_start) {
  std::lock_guard lock(mutex_);
  families_[family] = {type, help, zero_at_start};
}

void Metrics::increment(const std::string& name, double by) {
  std::lock_guard lock(mutex_);
  values_[name] += by;
}

void Metrics::set(const std::string& name, double value) {
  std::lock_guard lock(mutex_);
  values_[name] = value;
}

double Metrics::value(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

namespace {

std::string family_of(const std::string& name) { return name.substr(0, name.find('{')); }

void write_value(std::ostream& out, double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    out << static_cast<long long>(v);
  else
    out << v;
}

// HELP text escapes backslashes and newlines (text format 0.0.4).
std::string escaped(const std::string& help) {
  std::string out;
  for (const char c : help) out += c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

}  // namespace

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  // Every family, described or only counted, with its samples grouped under its HELP/TYPE.
  std::map<std::string, Description> all = families_;
  for (const auto& [name, v] : values_) {
    const auto family = family_of(name);
    if (!all.count(family))  // counted but never described: still a well-formed family
      all[family] = {family.ends_with("_total") ? MetricType::counter : MetricType::gauge, family, false};
  }
  std::ostringstream out;
  for (const auto& [family, d] : all) {
    out << "# HELP " << family << ' ' << escaped(d.help) << "\n# TYPE " << family << ' '
        << (d.type == MetricType::counter ? "counter" : "gauge") << "\n";
    bool any = false;
    for (const auto& [name, v] : values_) {  // a handful of names: a scan is clearer than ranges
      if (family_of(name) != family) continue;
      out << name << ' ';
      write_value(out, v);
      out << "\n";
      any = true;
    }
    if (!any && d.zero_at_start) out << family << " 0\n";
  }
  return out.str();
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace octopus::observability
