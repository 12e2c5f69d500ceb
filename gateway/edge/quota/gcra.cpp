#include "quota/gcra.hpp"

#include <algorithm>
#include <cmath>

namespace octopus::quota {

GcraLimit gcra_limit(double per_second, std::uint64_t burst) {
  GcraLimit l;
  l.interval_ns = std::max<std::int64_t>(1, std::llround(1e9 / per_second));
  l.burst = static_cast<std::int64_t>(std::max<std::uint64_t>(1, burst));
  return l;
}

GcraOutcome gcra_decide(std::int64_t tat_ns, std::int64_t now_ns, const GcraLimit& l, std::int64_t cost) {
  GcraOutcome o;
  const std::int64_t horizon = l.burst * l.interval_ns;  // how far ahead of now the TAT may run
  const std::int64_t base = std::max(tat_ns, now_ns);
  const std::int64_t next = base + cost * l.interval_ns;
  if (next - now_ns > horizon) {
    o.allowed = false;
    o.tat_ns = tat_ns;
    o.retry_after_ns = next - now_ns - horizon;
    o.remaining = std::max<std::int64_t>(0, (horizon - (base - now_ns)) / l.interval_ns);
    o.reset_after_ns = base - now_ns;
    return o;
  }
  return gcra_admitted(next, now_ns, l);
}

GcraOutcome gcra_admitted(std::int64_t tat_ns, std::int64_t now_ns, const GcraLimit& l) {
  GcraOutcome o;
  o.allowed = true;
  o.tat_ns = tat_ns;
  o.remaining = std::max<std::int64_t>(0, (l.burst * l.interval_ns - (tat_ns - now_ns)) / l.interval_ns);
  o.reset_after_ns = std::max<std::int64_t>(0, tat_ns - now_ns);
  return o;
}

}  // namespace octopus::quota
