#include "observability/metrics.hpp"

#include <cmath>
#include <set>
#include <sstream>

namespace octopus::observability {

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

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  std::set<std::string> typed;
  for (const auto& [name, v] : values_) {
    const std::string family = name.substr(0, name.find('{'));
    if (typed.insert(family).second)
      out << "# TYPE " << family << (family.size() > 6 && family.ends_with("_total") ? " counter" : " gauge") << "\n";
    out << name << ' ';
    if (v == std::floor(v) && std::fabs(v) < 1e15)
      out << static_cast<long long>(v);
    else
      out << v;
    out << "\n";
  }
  return out.str();
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace octopus::observability
