// What metrics cost the gateway, each figure beside a baseline from the same run:
//   - counting one answered request (a counter and a histogram observation, partner label
//     among 1,000) beside verifying one Ed25519 signature, the least work any signed request
//     does: the ratio bounds the throughput metrics can cost;
//   - rendering a scrape of a gateway with 1,000 partners (their request series and latency
//     histograms, and quota gauges per class and window from a collector), against the 50 ms
//     target;
//   - the same scrape with the gateway's own quota collector reading real counters: in
//     memory, and in a local redis-server (started by the benchmark when it is installed).
// Prints figures; never passes or fails on time. docs/performance.md has the results.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "admin/usage_api.hpp"
#include "auth/partner_directory.hpp"
#include "bench_support.hpp"
#include "observability/metrics.hpp"
#include "observability/request_metrics.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "policy/policy_registry.hpp"
#include "quota/memory_counter_store.hpp"
#include "quota/quota_limiter.hpp"
#include "quota/redis_counter_store.hpp"
#include "redis/redis_client.hpp"
#include "redis_server.hpp"

namespace {

using octopus::bench::seconds_since;
namespace obs = octopus::observability;

const char* const kClasses[] = {"reads", "audience_queries", "deliveries", "resource_admin"};
const char* const kOutcomes[] = {"ok", "rate-limited", "signature-invalid"};

std::vector<std::string> partner_names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("partner-" + std::to_string(i));
  return out;
}

double ns_per(std::size_t n, std::chrono::steady_clock::time_point start) { return seconds_since(start) * 1e9 / n; }

void request_cost(const std::vector<std::string>& partners, std::size_t n) {
  octopus::protocol::ensure_sodium_initialised();
  const auto key = octopus::protocol::Ed25519PrivateKey::generate();
  const std::string message(300, 'm');  // about a signature base's size
  const auto signature = key.sign(message);
  const auto public_key = key.public_key();
  auto start = std::chrono::steady_clock::now();
  std::size_t valid = 0;
  for (std::size_t i = 0; i < n; ++i)
    valid += octopus::protocol::ed25519_verify(public_key, message, signature.data(), signature.size());
  const double verify_ns = ns_per(n, start);

  start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i)
    obs::record_request({.plane = "partner",
                         .partner = partners[i % partners.size()],
                         .capability_class = kClasses[i % 4],
                         .status = 200,
                         .outcome = kOutcomes[i % 3],
                         .seconds = 0.002});
  const double record_ns = ns_per(n, start);
  std::printf("baseline  ed25519 verify (one per signed request): %9.0f ns   (%zu valid)\n", verify_ns, valid);
  std::printf("counted   one answered request (counter + histogram): %9.0f ns   = %.1f%% of the verify\n", record_ns,
              100.0 * record_ns / verify_ns);
}

void scrape_cost(const std::vector<std::string>& partners) {
  // Quota gauges as the usage collector reports them: used, limit, remaining per class and window.
  obs::ScopedCollector quotas([&](std::vector<obs::Sample>& out) {
    for (const auto& p : partners)
      for (const char* c : kClasses)
        for (const char* w : {"day", "month"})
          for (const char* f : {"octopus_quota_used", "octopus_quota_limit", "octopus_quota_remaining"})
            out.push_back({std::string(f) + "{partner=\"" + p + "\",class=\"" + c + "\",window=\"" + w + "\"}", 42});
  });
  obs::metrics().render();  // warm
  constexpr int kScrapes = 10;
  std::size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kScrapes; ++i) bytes = obs::metrics().render().size();
  std::printf("scrape    %zu partners: %.1f ms per scrape, %.1f MiB of text (target: 50 ms)\n", partners.size(),
              seconds_since(start) * 1000 / kScrapes, bytes / 1048576.0);
}

double render_ms(int scrapes) {
  obs::metrics().render();  // warm
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < scrapes; ++i) obs::metrics().render();
  return seconds_since(start) * 1000 / scrapes;
}

// The gateway's quota collector over `store`, for partners that each hold a key and have
// counted requests in every class.
void collector_cost(const char* backend, octopus::quota::CounterStore& store, const std::vector<std::string>& partners,
                    std::chrono::milliseconds refresh) {
  octopus::policy::PolicyRegistry policies(OCTOPUS_POLICIES_DIR);
  if (policies.reload("bench").outcome != octopus::policy::ReloadReport::Outcome::accepted)
    throw std::runtime_error("the shipped policies were refused");
  octopus::quota::QuotaLimiter limiter(store);
  std::vector<octopus::partners::Partner> registry;
  for (const auto& id : partners) {
    octopus::partners::Partner p;
    p.id = id;
    p.keys.push_back({.key_id = id + "-key", .partner_id = id});
    registry.push_back(std::move(p));
    for (const auto c : {octopus::policy::CapabilityClass::reads, octopus::policy::CapabilityClass::deliveries})
      (void)limiter.admit(*policies.current(), id, c);
  }
  octopus::auth::PartnerDirectory directory;
  directory.load(registry);
  const double without = render_ms(5);
  auto started = std::chrono::steady_clock::now();
  const auto collector = octopus::admin::collect_quota_metrics(directory, policies, limiter, refresh);
  const double first_ms = seconds_since(started) * 1000;
  const double with = render_ms(5);
  if (refresh.count() == 0)
    std::printf(
        "scrape    %zu partners, quota gauges read from %s counters at each scrape: %.1f ms per scrape (%.1f ms "
        "without them; target: 50 ms)\n",
        partners.size(), backend, with, without);
  else
    std::printf(
        "scrape    %zu partners, quota gauges read from %s counters every %lld s off the scrape: %.1f ms per "
        "scrape (%.1f ms without them; target: 50 ms); one reading of them all: %.1f ms\n",
        partners.size(), backend, static_cast<long long>(refresh.count() / 1000), with, without, first_ms);
}

void collector_costs(const std::vector<std::string>& partners) {
  octopus::quota::MemoryCounterStore memory;
  collector_cost("memory", memory, partners, {});
  std::unique_ptr<octopus::testing::RedisServer> server;
  try {
    server = std::make_unique<octopus::testing::RedisServer>();
  } catch (const std::exception& e) {
    std::printf("scrape    with Redis counters: skipped (%s)\n", e.what());
    return;
  }
  octopus::redis::RedisOptions options;
  options.port = server->port();
  octopus::redis::RedisClient client(options);
  octopus::quota::RedisCounterStore redis(client, "bench");
  collector_cost("Redis", redis, partners, {});
  collector_cost("Redis", redis, partners, std::chrono::seconds(15));  // as the gateway does with Redis
}

}  // namespace

int main() {
  const auto partners = partner_names(octopus::bench::env_size("OCTOPUS_BENCH_PARTNERS", 1000));
  request_cost(partners, octopus::bench::env_size("OCTOPUS_BENCH_REQUESTS", 200'000));
  scrape_cost(partners);
  collector_costs(partners);
}
