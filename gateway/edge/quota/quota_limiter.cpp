#include "quota/quota_limiter.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "quota/same_text.hpp"

namespace octopus::quota {

namespace {
const observability::MetricFamily kOutageDecisions{"octopus_quota_outage_decisions_total",
                                                   observability::MetricType::counter,
                                                   "Requests decided without the quota counters (unreachable), by the "
                                                   "plan's outage mode: open admits, closed refuses."};
const observability::MetricFamily kRefusals{"octopus_quota_refusals_total", observability::MetricType::counter,
                                            "Requests a plan refused, by partner, capability class and the window "
                                            "whose allowance was spent (rate, day, month)."};

// Partner ids are bounded by the registry and safe in a label (lowercase, digits, hyphens).
void count_refusal(std::string_view partner, const LimitDecision& d) {
  const char* window = d.verdict == Verdict::rate_limited    ? "rate"
                       : d.verdict == Verdict::day_exhausted ? "day"
                                                             : "month";
  observability::metrics().increment("octopus_quota_refusals_total{partner=\"" + std::string(partner) + "\",class=\"" +
                                     std::string(policy::to_string(d.capability_class)) + "\",window=\"" + window +
                                     "\"}");
}
}  // namespace

namespace {

constexpr std::int64_t kNs = 1'000'000'000;

std::int64_t ceil_seconds(std::int64_t ns) { return ns <= 0 ? 0 : (ns + kNs - 1) / kNs; }

// RateLimit-Policy wants an integer quota over an integer window: 10/s is q=10;w=1, 0.5/s
// is q=1;w=2, 2.5/s is q=5;w=2.
void rate_window(double per_second, std::uint64_t& q, std::uint64_t& w) {
  for (std::uint64_t window : {1ull, 2ull, 4ull, 5ull, 10ull, 60ull, 3600ull}) {
    const double quota = per_second * static_cast<double>(window);
    if (quota >= 1 && std::fabs(quota - std::round(quota)) < 1e-9) {
      q = static_cast<std::uint64_t>(std::llround(quota));
      w = window;
      return;
    }
  }
  w = 60;
  q = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(per_second * 60)));
}

// Builds a RateLimit or RateLimit-Policy field: comma-separated items of a quoted name
// ("reads", "reads-day") and parameters.
class FieldWriter {
 public:
  void text(std::string_view s) { out_ += s; }
  template <typename Int>
  void number(Int value) {
    out_ += std::to_string(value);
  }
  void name(policy::CapabilityClass c, std::string_view period) {
    if (!out_.empty()) out_ += ", ";
    out_ += '"';
    out_ += policy_name(c, period);
    out_ += '"';
  }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

void policy_item(FieldWriter& out, policy::CapabilityClass c, std::string_view period, std::uint64_t q, std::int64_t w,
                 std::uint64_t burst = 0) {
  out.name(c, period);
  out.text(";q=");
  out.number(q);
  out.text(";w=");
  out.number(w);
  if (burst) {
    out.text(";octopus-burst=");
    out.number(burst);
  }
}

void limit_item(FieldWriter& out, policy::CapabilityClass c, std::string_view period, std::uint64_t remaining,
                std::int64_t t) {
  out.name(c, period);
  out.text(";r=");
  out.number(remaining);
  out.text(";t=");
  out.number(std::max<std::int64_t>(0, t));
}

std::uint64_t left(std::uint64_t limit, std::uint64_t used) { return used >= limit ? 0 : limit - used; }

}  // namespace

std::string policy_name(policy::CapabilityClass c, std::string_view period) {
  std::string name(policy::to_string(c));
  if (!period.empty()) {
    name += '-';
    name += period;
  }
  return name;
}

OutageMode outage_mode(const policy::RateLimit& limit, policy::CapabilityClass c) {
  switch (limit.on_counter_outage) {
    case policy::OutageBehaviour::admit: return OutageMode::open;
    case policy::OutageBehaviour::refuse: return OutageMode::closed;
    case policy::OutageBehaviour::class_default: break;
  }
  // Spending (messages) never runs unmetered; looking things up may.
  return c == policy::CapabilityClass::deliveries ? OutageMode::closed : OutageMode::open;
}

QuotaLimiter::QuotaLimiter(CounterStore& store, const Clock& clock) : store_(store), clock_(clock) {}

std::int64_t QuotaLimiter::read_clock() const { return clock_.unix_nanos(); }

// Calendar periods change once a day, and a snapshot's time zone never: each thread keeps
// the periods of the day it last saw for the snapshot it last saw, so the time-zone
// arithmetic runs once per thread per day instead of once per request.
const QuotaPeriods& QuotaLimiter::periods_at(const policy::PolicySnapshot& snapshot, std::int64_t now_s) const {
  struct Cached {
    std::uint64_t snapshot = 0;  // its serial
    QuotaPeriods periods;
  };
  thread_local Cached cached;
  if (cached.snapshot != snapshot.serial.value() || now_s < cached.periods.day_starts_at ||
      now_s >= cached.periods.day_ends_at) {
    cached.periods = quota_periods(snapshot, now_s);
    cached.snapshot = snapshot.serial.value();
  }
  return cached.periods;
}

// A thread serves the same few partners over and over: it keeps the plan of the last partner
// it saw under the last snapshot, with the plan's GCRA limits worked out, instead of looking
// them up and dividing on every request.
namespace {
struct PlanOfPartner {
  std::uint64_t snapshot = 0;  // its serial
  std::string partner;
  std::size_t plan = 0;
  std::array<GcraLimit, policy::kCapabilityClassCount> gcra{};
};
}  // namespace

namespace {

// The plan of `partner` under `snapshot`, with its GCRA limits worked out, kept per thread.
const PlanOfPartner& plan_of(const policy::PolicySnapshot& snapshot, std::string_view partner) {
  thread_local PlanOfPartner last;
  if (last.snapshot != snapshot.serial.value() || !same_text(last.partner, partner)) {
    last.snapshot = snapshot.serial.value();
    last.partner.assign(partner);
    const auto& found = snapshot.plan_for(partner);
    last.plan = static_cast<std::size_t>(&found - snapshot.quotas.plans.data());
    for (std::size_t i = 0; i < policy::kCapabilityClassCount; ++i) {
      const auto& l = found.limit(static_cast<policy::CapabilityClass>(i));
      last.gcra[i] = gcra_limit(l.per_second, l.burst);
    }
  }
  return last;
}

// Whether an outage decision should be logged: at most once a second for the process, so
// an outage under load writes one line a second, not one per request (every decision is
// counted in octopus_quota_outage_decisions_total).
bool outage_log_due() {
  static std::atomic<std::int64_t> last_ms{0};
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  auto last = last_ms.load(std::memory_order_relaxed);
  return now_ms - last >= 1000 && last_ms.compare_exchange_strong(last, now_ms, std::memory_order_relaxed);
}

// The counters could not answer: the class's outage mode decides, and says so.
void decide_by_outage(LimitDecision& d, const policy::RateLimit& limit, std::string_view partner,
                      policy::CapabilityClass c, const CounterUnavailable& e) {
  d.counters_unavailable = true;
  const bool open = outage_mode(limit, c) == OutageMode::open;
  d.refused_by_outage = !open;
  if (!open) d.retry_after_s = 1;
  observability::metrics().increment(std::string("octopus_quota_outage_decisions_total{mode=\"") +
                                     (open ? "open" : "closed") + "\"}");
  if (!outage_log_due()) return;
  observability::log_warn("quota_counters_unavailable",
                          {{"partner", std::string(partner)},
                           {"class", std::string(policy::to_string(c))},
                           {"decision", open ? "admitted (fail open)" : "refused (fail closed)"},
                           {"what", e.what()}});
}

// What remains, when it renews, and when a refused request may come back.
void read_admission(LimitDecision& d, const Admission& a, const AdmitRequest& request, const QuotaPeriods& periods,
                    std::int64_t now_s) {
  d.verdict = a.verdict;
  // Seconds until one more request would be admitted (0 while some remain).
  const std::int64_t next_in_ns =
      std::max<std::int64_t>(0, a.rate.reset_after_ns - (request.rate.burst - 1) * request.rate.interval_ns);
  d.rate_remaining = static_cast<std::uint64_t>(std::max<std::int64_t>(0, a.rate.remaining));
  d.rate_reset_s = a.rate.remaining > 0 ? 0 : ceil_seconds(next_in_ns);
  d.day_remaining = left(d.day_limit, a.day_used);
  d.day_reset_s = periods.day_ends_at - now_s;
  d.month_remaining = left(d.month_limit, a.month_used);
  d.month_reset_s = periods.month_ends_at - now_s;
  switch (a.verdict) {
    case Verdict::allowed: break;
    case Verdict::rate_limited: d.retry_after_s = std::max<std::int64_t>(1, ceil_seconds(a.rate.retry_after_ns)); break;
    case Verdict::day_exhausted: d.retry_after_s = std::max<std::int64_t>(1, periods.day_ends_at - now_s); break;
    case Verdict::month_exhausted: d.retry_after_s = std::max<std::int64_t>(1, periods.month_ends_at - now_s); break;
  }
}

}  // namespace

LimitDecision QuotaLimiter::admit(const policy::PolicySnapshot& snapshot, std::string_view partner,
                                  policy::CapabilityClass c, std::uint64_t cost) {
  const PlanOfPartner& known = plan_of(snapshot, partner);
  const auto& plan = snapshot.quotas.plans[known.plan];
  const auto& limit = plan.limit(c);
  const std::int64_t now_ns = read_clock();
  const std::int64_t now_s = now_ns / kNs;
  const QuotaPeriods& periods = periods_at(snapshot, now_s);

  LimitDecision d;
  d.plan = plan.name;
  d.capability_class = c;
  d.per_second = limit.per_second;
  d.burst = limit.burst;
  d.day_limit = limit.per_day;
  d.month_limit = limit.per_month;
  d.day_window_s = periods.day_ends_at - periods.day_starts_at;
  d.month_window_s = periods.month_ends_at - periods.month_starts_at;

  const AdmitRequest request{partner,
                             c,
                             known.gcra[static_cast<std::size_t>(c)],
                             {periods.day, limit.per_day, periods.day_ends_at},
                             {periods.month, limit.per_month, periods.month_ends_at},
                             cost};
  Admission a;
  try {
    a = store_.admit(request, now_ns);
  } catch (const CounterUnavailable& e) {
    decide_by_outage(d, limit, partner, c, e);
    return d;
  }
  read_admission(d, a, request, periods, now_s);
  if (a.verdict != Verdict::allowed) count_refusal(partner, d);
  return d;
}

std::string LimitDecision::violated_policy() const {
  switch (verdict) {
    case Verdict::allowed: return {};
    case Verdict::rate_limited: return policy_name(capability_class);
    case Verdict::day_exhausted: return policy_name(capability_class, "day");
    case Verdict::month_exhausted: return policy_name(capability_class, "month");
  }
  return {};
}

std::string LimitDecision::policy_field() const {
  std::uint64_t q = 0, w = 1;
  rate_window(per_second, q, w);
  FieldWriter out;
  policy_item(out, capability_class, {}, q, static_cast<std::int64_t>(w), burst);
  policy_item(out, capability_class, "day", day_limit, day_window_s);
  policy_item(out, capability_class, "month", month_limit, month_window_s);
  return std::move(out).str();
}

std::string LimitDecision::limit_field() const {
  if (counters_unavailable) return {};
  FieldWriter out;
  limit_item(out, capability_class, {}, rate_remaining, rate_reset_s);
  limit_item(out, capability_class, "day", day_remaining, day_reset_s);
  limit_item(out, capability_class, "month", month_remaining, month_reset_s);
  return std::move(out).str();
}

std::optional<Reservation> QuotaLimiter::reserve(const policy::PolicySnapshot& snapshot, std::string_view partner,
                                                 policy::CapabilityClass c, std::uint64_t amount) {
  const auto& limit = snapshot.plan_for(partner).limit(c);
  const QuotaPeriods periods = periods_at(snapshot, read_clock() / kNs);
  Reservation r{std::string(partner),
                c,
                {periods.day, limit.per_day, periods.day_ends_at},
                {periods.month, limit.per_month, periods.month_ends_at},
                amount};
  if (!store_.reserve(partner, c, r.day, r.month, amount)) return std::nullopt;
  return r;
}

void QuotaLimiter::release(const Reservation& r, std::uint64_t amount) {
  if (amount == 0) return;
  store_.release(r.partner, r.capability_class, r.day, r.month, std::min(amount, r.amount));
}

UsageReport QuotaLimiter::usage(const policy::PolicySnapshot& snapshot, std::string_view partner) {
  const auto& plan = snapshot.plan_for(partner);
  const std::int64_t now_ns = read_clock();
  UsageReport report;
  report.plan = plan.name;
  report.backend = std::string(store_.backend());
  report.periods = quota_periods(snapshot, now_ns / kNs);
  for (std::size_t i = 0; i < policy::kCapabilityClassCount; ++i) {
    const auto c = static_cast<policy::CapabilityClass>(i);
    const auto& limit = plan.limit(c);
    const PeriodLimit day{report.periods.day, limit.per_day, report.periods.day_ends_at};
    const PeriodLimit month{report.periods.month, limit.per_month, report.periods.month_ends_at};
    const ClassUsage u = store_.usage(partner, c, gcra_limit(limit.per_second, limit.burst), day, month, now_ns);
    UsageLine line;
    line.capability_class = c;
    line.per_second = limit.per_second;
    line.burst = limit.burst;
    // usage() asks "what if one came now": the remaining count includes that one.
    line.rate_remaining = u.rate.allowed ? u.rate.remaining + 1 : 0;
    line.rate_full_in_ms =
        std::max<std::int64_t>(0, u.rate.reset_after_ns - gcra_limit(limit.per_second, limit.burst).interval_ns) /
        1'000'000;
    line.day = PeriodUsage{.limit = limit.per_day, .used = u.day_used, .resets_at = report.periods.day_ends_at};
    line.month = PeriodUsage{.limit = limit.per_month, .used = u.month_used, .resets_at = report.periods.month_ends_at};
    line.on_outage = outage_mode(limit, c);
    report.classes.push_back(line);
  }
  return report;
}

}  // namespace octopus::quota
