// Rate-limit decision benchmarks (Google Benchmark), each beside its baseline in one run:
//   BM_SharedCounterBaseline/threads:N   one fetch_add on one shared cache line: the floor of
//                                        any counter two threads share
//   BM_MemoryAdmit/threads:N             MemoryCounterStore::admit (GCRA + day + month) for
//                                        ONE partner from N threads
//   BM_LimiterDecision/threads:N         QuotaLimiter::admit as the pipeline calls it: the
//                                        system clock, the plan lookup, the calendar periods
//                                        (cached per thread and day) and the counter
//                                        decision, as numbers
//   BM_LimiterDecisionAndFields/threads:N the same plus rendering the RateLimit-Policy and
//                                        RateLimit values, as every response does
//   BM_LimiterDecisionOneByOne/threads:N the same decisions in simulated time a million times
//                                        faster than real time (see below), the baseline
//   BM_RedisAdmit                        RedisCounterStore::admit against a local redis-server
// Run: build/release/tests/bench/octopus-limiter-bench (see docs/performance.md).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <unistd.h>

#include "policy/policy_set.hpp"
#include "quota/memory_counter_store.hpp"
#include "quota/quota_limiter.hpp"
#include "quota/redis_counter_store.hpp"
#include "redis_server.hpp"

namespace octopus::quota {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Limits no benchmark run reaches, so every decision takes the full admit path.
AdmitRequest unlimited(std::string_view partner) {
  const std::int64_t ends = now_ns() / 1'000'000'000 + 86400;
  return {partner,
          policy::CapabilityClass::reads,
          gcra_limit(1e9, 1'000'000'000),
          {20000, 4'000'000, ends},
          {657, 64'000'000, ends},
          1};
}

std::atomic<std::uint64_t> g_shared{0};

void BM_SharedCounterBaseline(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(g_shared.fetch_add(1, std::memory_order_acq_rel));
  state.SetItemsProcessed(state.iterations());  // summed over threads: decisions per second in all
}
BENCHMARK(BM_SharedCounterBaseline)->Threads(1)->Threads(2)->UseRealTime();

MemoryCounterStore* g_store = nullptr;

void BM_MemoryAdmit(benchmark::State& state) {
  if (state.thread_index() == 0) g_store = new MemoryCounterStore();
  auto request = unlimited("acme");
  std::int64_t now = now_ns();
  std::uint64_t n = 0;
  for (auto _ : state) {
    auto a = g_store->admit(request, now);
    benchmark::DoNotOptimize(a);
    now += 1;
    // A new day every million decisions, within one month, so no quota is ever used up.
    if (++n % 1'000'000 == 0) request.day.id = 20000 + static_cast<std::int64_t>(n / 1'000'000) % 20;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete g_store;
    g_store = nullptr;
  }
}
BENCHMARK(BM_MemoryAdmit)->Threads(1)->Threads(2)->UseRealTime();

// The shipped policies with the benchmark's partner, "acme", on the premium plan: at one
// call per simulated second (the clock below), its day and month allowances (2 M, 40 M)
// are never used up, so every decision is a counted admission, the common case.
std::shared_ptr<const policy::PolicySnapshot> bench_policy() {
  static const auto snapshot = [] {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("octopus-limiter-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(OCTOPUS_POLICIES_DIR, dir, fs::copy_options::recursive);
    std::ifstream in(dir / "quotas.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string quotas = text.str();
    const auto at = quotas.find("partner_plans: {}");
    if (at == std::string::npos) throw std::runtime_error("quotas.yaml has no empty partner_plans to fill");
    quotas.replace(at, std::string("partner_plans: {}").size(), "partner_plans:\n  acme: premium");
    std::ofstream(dir / "quotas.yaml") << quotas;
    auto r = policy::load_policies(dir.string());
    fs::remove_all(dir);
    if (!r.ok()) throw std::runtime_error("benchmark policies refused");
    return r.snapshot;
  }();
  return snapshot;
}

// The benchmark's partner decides as fast as two threads can, which no plan of
// quotas.yaml allows (at most 100,000/s and 4,000,000 a day): its reads limits are raised in
// a copy of the snapshot so that no decision is refused (a refusal takes the slow path; the
// common case is an admission), and each run is held to 1,000,000 decisions per thread, so
// that two threads stay within one day's packed count (4,000,000).
std::shared_ptr<const policy::PolicySnapshot> unrefused_policy() {
  static const auto snapshot = [] {
    auto copy = std::make_shared<policy::PolicySnapshot>(*bench_policy());
    auto& plan = copy->quotas.plans[&copy->plan_for("acme") - copy->quotas.plans.data()];
    auto& reads = plan.limits[static_cast<std::size_t>(policy::CapabilityClass::reads)];
    reads.per_second = 1e9;
    reads.burst = 1'000'000'000;
    reads.per_day = 4'000'000;
    reads.per_month = 64'000'000;
    return std::shared_ptr<const policy::PolicySnapshot>(std::move(copy));
  }();
  return snapshot;
}
constexpr std::int64_t kDecisionsPerThread = 1'000'000;

MemoryCounterStore* g_limiter_store = nullptr;
QuotaLimiter* g_limiter = nullptr;

// Two clocks drive the limiter:
//  - real: the system clock, as in the gateway. Two threads deciding for one partner tens
//    of millions of times a second make the counter cell contended.
//  - one_by_one: each thread reads the system clock and runs simulated time a million times
//    faster than real time, so a thread's decisions are 50 ms or more apart in the
//    limiter's eyes (while the two threads still write the cell tens of millions of times a
//    second). The plan is the shipped premium plan: at that pace its allowances are never
//    reached; days and months roll over every 86 µs and 2.6 ms of real time.
enum class BenchClock { real, one_by_one };

class MillionFoldClock final : public octopus::Clock {
 public:
  time_point now() const override {
    const auto real = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_);
    return time_point(
        std::chrono::duration_cast<time_point::duration>(std::chrono::nanoseconds(base_) + real * 1'000'000));
  }

 private:
  std::int64_t base_ = now_ns();
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void limiter_decisions(benchmark::State& state, bool with_fields, BenchClock clock) {
  const auto snapshot = clock == BenchClock::real ? unrefused_policy() : bench_policy();
  if (state.thread_index() == 0) {
    g_limiter_store = new MemoryCounterStore();
    static const MillionFoldClock million_fold;
    g_limiter = new QuotaLimiter(*g_limiter_store, clock == BenchClock::one_by_one
                                                       ? static_cast<const octopus::Clock&>(million_fold)
                                                       : octopus::system_clock());
  }
  std::uint64_t refused = 0;
  for (auto _ : state) {
    auto d = g_limiter->admit(*snapshot, "acme", policy::CapabilityClass::reads);
    refused += d.refused();
    benchmark::DoNotOptimize(d);
    if (with_fields) {
      auto policy_field = d.policy_field();
      auto limit_field = d.limit_field();
      benchmark::DoNotOptimize(policy_field);
      benchmark::DoNotOptimize(limit_field);
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["refused"] = static_cast<double>(refused);  // 0: every decision took the admit path
  if (state.thread_index() == 0) {
    delete g_limiter;
    delete g_limiter_store;
  }
}
void BM_LimiterDecision(benchmark::State& state) { limiter_decisions(state, false, BenchClock::real); }
void BM_LimiterDecisionAndFields(benchmark::State& state) { limiter_decisions(state, true, BenchClock::real); }
void BM_LimiterDecisionOneByOne(benchmark::State& state) { limiter_decisions(state, false, BenchClock::one_by_one); }
BENCHMARK(BM_LimiterDecision)->Threads(1)->Threads(2)->Iterations(kDecisionsPerThread)->UseRealTime();
BENCHMARK(BM_LimiterDecisionAndFields)->Threads(1)->Threads(2)->Iterations(kDecisionsPerThread)->UseRealTime();
BENCHMARK(BM_LimiterDecisionOneByOne)->Threads(1)->Threads(2)->UseRealTime();

void BM_RedisAdmit(benchmark::State& state) {
  std::unique_ptr<octopus::testing::RedisServer> server;
  try {
    server = std::make_unique<octopus::testing::RedisServer>();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  redis::RedisOptions o;
  o.port = server->port();
  redis::RedisClient client(o);
  RedisCounterStore store(client, "bench");
  const auto request = unlimited("acme");
  for (auto _ : state) {
    auto a = store.admit(request, now_ns());
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisAdmit)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace octopus::quota

BENCHMARK_MAIN();
