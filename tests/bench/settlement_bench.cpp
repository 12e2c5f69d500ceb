// Settlement benchmarks, each figure printed beside a baseline from the same run. They never
// pass or fail on time; figures and commands are in docs/performance.md.
//
// 1. Ledger: orders settled into the ledger with their outbox rows, every entry durable
//    (SQLite WAL, synchronous=FULL: the commit returns after fsync) before settle returns,
//    through the real SettlementService (attribution, contract, cap). Group commit: the
//    conversion follower's batches (1,000 orders) in one transaction each. Baseline: the
//    same orders one transaction each.
// 2. Dispatcher: signed callbacks (v1 HMAC) from the real WebhookDispatcher to a local
//    HTTPS receiver over kept-alive connections, from queued to recorded as delivered.
//    Baseline: the receiver's own rate for unsigned posts over the same number of kept-alive
//    connections, with nothing stored.
// Sizes: OCTOPUS_BENCH_ORDERS (group commit, default 100,000), OCTOPUS_BENCH_SINGLE_ORDERS
// (baseline, default 2,000), OCTOPUS_BENCH_CALLBACKS (default 20,000).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "app/sql_repositories.hpp"
#include "http/outbound_client.hpp"
#include "octopus/protocol/standard_webhooks.hpp"
#include "policy/policy_set.hpp"
#include "settlement/settlement_service.hpp"
#include "store/resource_id.hpp"
#include "webhook_receiver.hpp"
#include "webhooks/webhook_dispatcher.hpp"

namespace {

using namespace octopus;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

using bench::env_size;
using bench::seconds_since;

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto snapshot = policy::load_policies(OCTOPUS_POLICIES_DIR).snapshot;
  return snapshot;
}

// A fresh store in `dir` with partner "acme", a CPA contract for 5G-PLUS and a touch for
// every subscriber the orders come from.
struct Books {
  explicit Books(const fs::path& dir) : records(std::make_unique<app::SqlRepositories>((dir / "gateway.db").string())) {
    partners::Partner p;
    p.id = p.display_name = "acme";
    p.tier = "gold";
    p.category = "internet";
    records->partners.create_partner(p);
    settlement::Contract c;
    c.id = store::new_resource_id(store::ResourceKind::contract);
    c.partner_id = "acme";
    c.product_code = "5G-PLUS";
    c.model = settlement::PricingModel::cpa;
    c.cpa_fen = 800;
    c.effective_from = 0;
    c.effective_until = 4'000'000'000;
    c.created_by = "bench";
    c.policy_version = shipped()->version;
    records->contracts.create_contract(c);
    service = std::make_unique<settlement::SettlementService>(
        settlement::SettlementRecords{records->settlement_ledger, records->contracts}, touches,
        [] { return shipped(); });
  }
  std::vector<engine::Conversion> orders(std::size_t n, std::size_t first) {
    const std::int64_t now_ms = system_clock().unix_millis();
    std::vector<engine::Conversion> out;
    for (std::size_t i = first; i < first + n; ++i) {
      const std::uint64_t subscriber = 1 + i % 100'000;
      touches.record(subscriber, "5G-PLUS", {now_ms - 60'000, "acme", "ofr_bench", "dlv_bench"});
      out.push_back({0, subscriber, "5G-PLUS", "ORD-" + std::to_string(i), 9'900, now_ms});
    }
    return out;
  }
  settlement::TouchIndex touches;
  std::unique_ptr<app::SqlRepositories> records;
  std::unique_ptr<settlement::SettlementService> service;
};

void bench_ledger(const fs::path& dir) {
  const auto single = env_size("OCTOPUS_BENCH_SINGLE_ORDERS", 2'000);
  const auto grouped = env_size("OCTOPUS_BENCH_ORDERS", 100'000);
  Books one_each(dir / "single");
  const auto single_orders = one_each.orders(single, 0);
  auto t = Steady::now();
  for (const auto& c : single_orders) one_each.service->settle({c});
  const double baseline = static_cast<double>(single) / seconds_since(t);

  Books batched(dir / "grouped");
  const auto orders = batched.orders(grouped, 0);
  t = Steady::now();
  for (std::size_t at = 0; at < orders.size(); at += 1'000)
    batched.service->settle({orders.begin() + static_cast<long>(at),
                             orders.begin() + static_cast<long>(std::min(at + 1'000, orders.size()))});
  const double rate = static_cast<double>(grouped) / seconds_since(t);
  const auto written = batched.records->settlement_ledger.partner_totals().at(0).entries;
  std::printf("ledger append + outbox, durable: %.0f entries/s in batches of 1,000 (%zu entries)\n", rate, written);
  std::printf("  baseline, one transaction per order: %.0f entries/s (%zu entries); group commit x%.1f\n", baseline,
              single, rate / baseline);
}

// The receiver's own rate: unsigned posts over `connections` kept-alive connections.
double receiver_rate(testing::WebhookReceiver& receiver, std::size_t posts, unsigned connections) {
  std::string why;
  const auto url = *http::parse_outbound_url(receiver.url(), true, why);
  std::atomic<std::size_t> next{0};
  const auto t = Steady::now();
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < connections; ++i)
    threads.emplace_back([&] {
      http::OutboundConnection c(url, {std::chrono::seconds(10), receiver.ca_file(), true});
      while (next++ < posts) c.post({}, R"({"type":"settlement.earned","data":{}})");
    });
  for (auto& th : threads) th.join();
  return static_cast<double>(posts) / seconds_since(t);
}

void bench_dispatch(const fs::path& dir) {
  const auto callbacks = env_size("OCTOPUS_BENCH_CALLBACKS", 20'000);
  testing::WebhookReceiver receiver((dir / "receiver").string());
  Books books(dir / "dispatch");
  webhooks::WebhookEndpoint endpoint;
  endpoint.id = store::new_resource_id(store::ResourceKind::webhook_endpoint);
  endpoint.partner_id = "acme";
  endpoint.url = receiver.url();
  endpoint.event_types = {"settlement.earned"};
  endpoint.payload_version = "2026-12-01";
  endpoint.secret = protocol::WebhookSecret::generate().to_string();
  books.records->webhook_endpoints.create_endpoint(endpoint);
  const auto orders = books.orders(callbacks, 0);
  for (std::size_t at = 0; at < orders.size(); at += 1'000)
    books.service->settle({orders.begin() + static_cast<long>(at),
                           orders.begin() + static_cast<long>(std::min(at + 1'000, orders.size()))});

  const tokens::MasterKey key{};
  tokens::PartnerTokenizer tokenizer(key);
  const webhooks::CallbackSigner signer(protocol::Ed25519PrivateKey::generate());
  webhooks::DispatchOptions options;
  options.ca_file = receiver.ca_file();
  options.allow_loopback = true;
  auto& r = *books.records;
  webhooks::WebhookDispatcher dispatcher(
      {r.settlement_ledger, r.webhook_endpoints, r.webhook_deliveries, tokenizer, signer, system_clock()}, options);
  const auto t = Steady::now();
  dispatcher.start();
  for (;;) {
    const auto health = r.webhook_deliveries.health();
    if (!health.empty() && health[0].delivered == callbacks) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double rate = static_cast<double>(callbacks) / seconds_since(t);
  dispatcher.stop();
  const double baseline = receiver_rate(receiver, callbacks, options.per_endpoint_concurrency);
  std::printf("dispatcher: %.0f signed callbacks/s, queued to recorded delivered (%zu callbacks, %u connections)\n",
              rate, callbacks, options.per_endpoint_concurrency);
  std::printf("  baseline, the receiver's rate for unsigned posts, nothing stored: %.0f posts/s (x%.2f)\n", baseline,
              rate / baseline);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "all";
  std::string pattern = (fs::temp_directory_path() / "octopus-settlement-bench-XXXXXX").string();
  const fs::path dir = ::mkdtemp(pattern.data());
  for (const char* sub : {"single", "grouped", "dispatch", "receiver"}) fs::create_directories(dir / sub);
  if (which == "all" || which == "ledger") bench_ledger(dir);
  if (which == "all" || which == "dispatch") bench_dispatch(dir);
  fs::remove_all(dir);
  return 0;
}
