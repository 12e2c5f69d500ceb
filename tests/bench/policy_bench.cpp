// Policy benchmarks (Google Benchmark). Each figure sits beside a baseline measured in the
// same run, so a reader can tell the cost of the policy from the cost of the machine:
//   BM_SubscriberBaseline   the least any per-subscriber check must do: read the subscriber's
//                           consent bit and contact counts and compare them to fixed limits
//   BM_SubscriberDecision   the policy's per-subscriber decision: consent + frequency caps +
//                           quiet hours/blackouts, from the compiled snapshot
//   BM_ReadFilesBaseline    reading the five policy files from disk, nothing else
//   BM_ReloadPolicySet      the running gateway's reload: read, validate against the schemas,
//                           cross-check, compile and swap the full shipped set
// Run: build/default/tests/bench/octopus-policy-bench (see docs/performance.md).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "policy/consent_evaluator.hpp"
#include "policy/frequency_caps.hpp"
#include "policy/policy_registry.hpp"
#include "policy/policy_set.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::policy {
namespace {

std::shared_ptr<const PolicySnapshot> shipped() {
  static const auto result = load_policies(OCTOPUS_POLICIES_DIR);
  if (!result.ok()) throw std::runtime_error("the shipped policy set is refused");
  return result.snapshot;
}

struct Subscriber {
  SubscriberConsent consent;
  ContactCounts counts;
};

// A population with realistic variety, so that branch prediction does not flatter the
// decision: about 70 % consented, some withdrawn, counts spread up to and past the caps.
std::vector<Subscriber> population(const PolicySnapshot& s, const ConsentRequest& r, std::size_t n) {
  std::mt19937 rng(42);
  std::vector<Subscriber> out(n);
  const auto scope = consent_scope(r.purpose, r.channel, r.category);
  for (auto& sub : out) {
    if (rng() % 10 < 7) sub.consent.granted.set(scope);
    if (rng() % 20 == 0) sub.consent.withdrawn.set(scope);
    sub.counts.channel_today = rng() % 3;
    sub.counts.channel_this_week = sub.counts.channel_today + rng() % 5;
    sub.counts.overall_today = sub.counts.channel_today + rng() % 2;
    sub.counts.overall_this_week = sub.counts.channel_this_week + rng() % 4;
  }
  (void)s;
  return out;
}

// Instants spread over a week, so quiet hours, open hours and day changes all occur.
std::vector<Seconds> instants(std::size_t n) {
  std::mt19937 rng(7);
  const Seconds start = std::chrono::sys_days(std::chrono::year{2026} / 6 / 1);
  std::vector<Seconds> out(n);
  for (auto& t : out) t = start + std::chrono::seconds(rng() % (7 * 86400));
  return out;
}

constexpr std::size_t kPopulation = 1 << 14;

void BM_SubscriberBaseline(benchmark::State& state) {
  const auto s = shipped();
  const ConsentRequest r{Capability::deliveries, Channel::sms, *s->purpose_id("dpv:DirectMarketing"),
                         *s->category_id("content")};
  const auto subs = population(*s, r, kPopulation);
  const auto times = instants(kPopulation);
  const auto scope = consent_scope(r.purpose, r.channel, r.category);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& sub = subs[i];
    // Fixed limits, no rule names, no time zone: the floor under any real decision.
    const bool ok = sub.consent.granted.test(scope) && !sub.consent.withdrawn.test(scope) &&
                    sub.counts.channel_today < 2 && sub.counts.overall_this_week < 10 &&
                    (times[i].time_since_epoch().count() % 86400) < 13 * 3600;
    benchmark::DoNotOptimize(ok);
    i = (i + 1) & (kPopulation - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubscriberBaseline);

void BM_SubscriberDecision(benchmark::State& state) {
  const auto s = shipped();
  const ConsentRequest r{Capability::deliveries, Channel::sms, *s->purpose_id("dpv:DirectMarketing"),
                         *s->category_id("content")};
  const auto subs = population(*s, r, kPopulation);
  const auto times = instants(kPopulation);
  std::size_t i = 0, allowed = 0;
  for (auto _ : state) {
    const auto& sub = subs[i];
    // In the order a delivery applies them; each stops the subscriber when it denies.
    Decision d = evaluate_consent(*s, r, sub.consent);
    if (d.allowed) d = check_frequency_caps(*s, Channel::sms, sub.counts);
    if (d.allowed) {
      const auto t = check_send_time(*s, Channel::sms, times[i]);
      d = {t.allowed, t.rule, t.version};
    }
    allowed += d.allowed;
    benchmark::DoNotOptimize(d);
    i = (i + 1) & (kPopulation - 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allowed_share"] = static_cast<double>(allowed) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_SubscriberDecision);

std::filesystem::path bench_copy() {
  const auto dir = std::filesystem::temp_directory_path() / ("octopus-policy-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir, std::filesystem::copy_options::recursive);
  return dir;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void BM_ReadFilesBaseline(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const char* f : {"consent.yaml", "privacy.yaml", "fatigue.yaml", "content.yaml", "quotas.yaml"})
      bytes += read_all(std::filesystem::path(OCTOPUS_POLICIES_DIR) / f).size();
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_ReadFilesBaseline)->Unit(benchmark::kMillisecond);

void BM_ReloadPolicySet(benchmark::State& state) {
  const auto dir = bench_copy();
  const std::string privacy = read_all(dir / "privacy.yaml");
  PolicyRegistry registry(dir);
  registry.reload("bench");
  int k = 100, accepted = 0;
  for (auto _ : state) {
    // Change k each time so that every reload compiles a new version and swaps it in.
    state.PauseTiming();
    std::string edited = privacy;
    edited.replace(edited.find("minimum_audience_size: 100"), 26, "minimum_audience_size: " + std::to_string(++k));
    std::ofstream(dir / "privacy.yaml", std::ios::binary | std::ios::trunc) << edited;
    state.ResumeTiming();
    accepted += registry.reload("bench").outcome == ReloadReport::Outcome::accepted;
  }
  state.counters["accepted_share"] = static_cast<double>(accepted) / static_cast<double>(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ReloadPolicySet)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace octopus::policy

BENCHMARK_MAIN();
