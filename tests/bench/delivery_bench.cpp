// Delivery and trigger benchmarks, each figure printed beside a baseline from the same run.
// They never pass or fail on time; figures and commands are in docs/performance.md.
//
// 1. Fan-out: one delivery to an audience of about a million members, every check per
//    subscriber (consent with the overlay, frequency caps, eligibility), into the reference
//    sink on disk (fdatasync per batch), through the real DeliveryRunner, SQLite store and
//    reference engine. Baseline: writing the same number of sink lines with no checks.
//    With Redis: the same fan-out with the caps in a local redis-server, decided by Redis's
//    scripts and by the lease holder, beside the caps in process (fanout-shared-caps).
// 2. The decision step alone (deliveries::decide over facts already fetched), one thread.
//    Baselines: the loop reading the facts only; consent evaluation only.
// 3. Triggers: 1,000 active triggers over five event types, events made by the engine's
//    synthetic activity at 20,000/s, followed by the real EventFollower; event-to-sink latency (the pass that
//    handled the event has written its messages to the sink file) p50/p99, indexed matching
//    beside the naive scan of every trigger for every event, and the disk's flush
//    (write + fdatasync) in the same folder, which the sink does off the trigger's path.
// Sizes: OCTOPUS_BENCH_POPULATION (default 2,700,000: just over 1 M audience members),
// OCTOPUS_BENCH_TRIGGER_SECONDS (default 5).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "deliveries/channel.hpp"
#include "deliveries/consent_overlay.hpp"
#include "deliveries/contact_ledger.hpp"
#include "deliveries/delivery_decider.hpp"
#include "deliveries/delivery_runner.hpp"
#include "deliveries/message_sink.hpp"
#include "deliveries/holder_contact_ledger.hpp"
#include "deliveries/redis_contact_ledger.hpp"
#include "settlement/touch_feed.hpp"
#include "engine/reference/reference_engine.hpp"
#include "events/stream_follower.hpp"
#include "http/formats.hpp"
#include "policy/policy_set.hpp"
#include "app/sql_repositories.hpp"
#include "redis_server.hpp"
#include "triggers/trigger_runner.hpp"

namespace {

using namespace octopus;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using bench::env_size;
using bench::seconds_since;

// Threads answering engine calls: 2 as in the gateway (calls cross threads), or 0 with
// OCTOPUS_BENCH_ENGINE_WORKERS=0 (answered on the caller's thread).
unsigned engine_workers() { return static_cast<unsigned>(env_size("OCTOPUS_BENCH_ENGINE_WORKERS", 2)); }

std::int64_t real_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uintmax_t dir_bytes(const fs::path& dir) {
  std::uintmax_t n = 0;
  for (const auto& f : fs::directory_iterator(dir)) n += f.file_size();
  return n;
}

// A Tuesday 10:00 in Shanghai, advancing with real time: outside quiet hours whenever the
// benchmark runs.
// (In the future: Redis drops the counts of a period that ended, by the real clock.)
const std::int64_t kDaytime = *http::parse_rfc3339("2030-12-03T02:00:00Z") * 1000;

// Real time passing, from a weekday's daytime on (quiet hours would defer the sends).
class DaytimeClock final : public octopus::Clock {
 public:
  time_point now() const override {
    return time_point(std::chrono::milliseconds(kDaytime + (real_ms() - start_real_)));
  }

 private:
  std::int64_t start_real_ = real_ms();
};

struct World {
  fs::path dir;
  std::shared_ptr<const policy::PolicySnapshot> policy;
  std::shared_ptr<engine::reference::ReferenceEngine> engine;
  std::unique_ptr<app::SqlRepositories> store;
  // As in the gateway, settlement's attribution is told of every message the sink takes
  // (OCTOPUS_BENCH_TOUCHES=0 leaves it out, to measure what it costs).
  settlement::TouchIndex touches;
  std::unique_ptr<settlement::TouchFeed> touch_feed;
  std::unique_ptr<deliveries::MessageSink> sink;
  std::array<std::unique_ptr<deliveries::SinkChannel>, policy::kChannelCount> channel_objects;
  deliveries::Channels channels{};
  deliveries::ConsentOverlay overlay;
  deliveries::ContactLedger ledger;
  std::string product;

  World(const std::string& name, std::size_t population, double events_per_second = 0) {
    dir = fs::temp_directory_path() / ("octopus-delivery-bench-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto loaded = policy::load_policies(OCTOPUS_POLICIES_DIR);
    if (!loaded.ok()) throw std::runtime_error("shipped policies refused");
    policy = loaded.snapshot;
    const auto t = Clock::now();
    engine = std::make_shared<engine::reference::ReferenceEngine>(
        engine::reference::generate_population(population, 20261128),
        engine::reference::ReferenceEngineOptions{
            .workers = engine_workers(), .activity = {events_per_second, 0, 20261128}, .stream_capacity = 1'000'000});
    std::printf("  population %zu subscribers generated and indexed in %.1f s\n", population, seconds_since(t));
    store = std::make_unique<app::SqlRepositories>((dir / "gateway.db").string());
    sink = std::make_unique<deliveries::MessageSink>(dir / "messages");
    touch_feed = std::make_unique<settlement::TouchFeed>(touches, store->offers);
    if (env_size("OCTOPUS_BENCH_TOUCHES", 1) != 0)
      sink->observe([feed = touch_feed.get()](auto batches, std::int64_t at_ms) { feed->appended(batches, at_ms); });
    for (const auto c : policy::kChannels) {
      channel_objects[static_cast<std::size_t>(c)] = std::make_unique<deliveries::SinkChannel>(*sink, c, 0);
      channels[static_cast<std::size_t>(c)] = channel_objects[static_cast<std::size_t>(c)].get();
    }
    partners::Partner p;
    p.id = "bench";
    p.display_name = "Bench";
    p.tier = "gold";
    p.category = "internet";
    store->partners.create_partner(p);
    product = engine->products().get().front().code;
    offers::OfferRecord o;
    o.id = "ofr_0000000000000000000000000001";
    o.partner_id = "bench";
    o.name = "Bench";
    o.status = "approved";
    o.channel = "sms";
    o.template_text = "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订";
    o.product_code = product;
    o.landing_url = "https://www.10086.cn/5g";
    o.valid_until = 4102444800;
    o.policy_version = policy->version;
    store->offers.create_offer(o);
  }
  ~World() { fs::remove_all(dir); }
  engine::AudienceHandle materialise(engine::SegmentNode segment, const std::string& purpose) {
    engine::CountQuery q;
    q.segment = std::move(segment);
    q.consent = {purpose, "internet", {"sms"}};
    return engine->materialise(q).get();
  }
};

engine::SegmentNode everyone(engine::Engine& e) {
  const auto vocabulary = e.vocabulary().get();
  engine::SegmentNode n;
  n.kind = engine::SegmentNode::Kind::in;
  n.attribute = vocabulary.attributes.front().name;
  n.values = vocabulary.attributes.front().values;
  return n;
}

// The audience of everyone, recorded for the bench partner.
audiences::AudienceRecord record_audience(World& w, const engine::AudienceHandle& audience) {
  audiences::AudienceRecord a;
  a.id = "aud_0000000000000000000000000001";
  a.partner_id = "bench";
  a.status = "ready";
  a.segment_json = "{}";
  a.purpose = "dpv:DirectMarketing";
  a.engine_id = audience.id;
  a.size = audience.size;
  a.policy_version = w.policy->version;
  w.store->audiences.create_audience(a);
  return a;
}

struct FanOut {
  double seconds = 0;
  deliveries::DeliveryRecord done;
};

// Delivery number `n` to the audience through the real runner, the caps counted in `ledger`.
FanOut deliver_to_everyone(World& w, const audiences::AudienceRecord& a, int n, deliveries::FrequencyLedger& ledger) {
  deliveries::DeliveryRecord d;
  d.id = "dlv_" + std::string(28, '0').replace(27, 1, std::to_string(n));
  d.partner_id = "bench";
  d.offer_id = "ofr_0000000000000000000000000001";
  d.audience_id = a.id;
  d.target_count = a.size;
  d.purpose = "dpv:DirectMarketing";
  d.status = "scheduled";
  d.send_at = kDaytime / 1000;
  d.policy_version = w.policy->version;
  w.store->deliveries.create_delivery(d);
  deliveries::DeliveryRunnerOptions options;
  options.batch_size = 10000;
  const DaytimeClock clock;
  options.clock = &clock;
  deliveries::DeliveryRunner runner(
      deliveries::DeliveryRunnerRecords{w.store->deliveries, w.store->offers, w.store->audiences, w.store->partners},
      *w.engine, [&] { return w.policy; }, w.overlay, ledger, w.channels, *w.sink, options);
  const auto t = Clock::now();
  while (w.store->deliveries.get_delivery("", d.id)->status != "completed") runner.run_once();
  return {seconds_since(t), *w.store->deliveries.get_delivery("", d.id)};
}

void fan_out() {
  std::printf("\n== Fan-out: one delivery, every check per subscriber, into the sink on disk\n");
  World w("fanout", env_size("OCTOPUS_BENCH_POPULATION", 2'700'000));
  const auto audience = w.materialise(everyone(*w.engine), "dpv:DirectMarketing");
  const auto a = record_audience(w, audience);
  const auto [total, done] = deliver_to_everyone(w, a, 1, w.ledger);
  const auto bytes = dir_bytes(w.dir / "messages");
  std::printf("  audience %llu members; decided %llu, delivered %llu, ineligible %llu, no_consent %llu\n",
              static_cast<unsigned long long>(a.size), static_cast<unsigned long long>(done.decided),
              static_cast<unsigned long long>(done.counts.delivered),
              static_cast<unsigned long long>(done.counts.ineligible),
              static_cast<unsigned long long>(done.counts.no_consent));
  std::printf("  attribution touches kept   %zu\n", w.touches.touches());
  std::printf("  delivery end to end      %7.2f s   %6.2f M decisions/s   sink %.0f MB (%llu lines)\n", total,
              static_cast<double>(done.decided) / total / 1e6, static_cast<double>(bytes) / 1e6,
              static_cast<unsigned long long>(done.counts.delivered));

  // Baseline: the same lines written and flushed in batches of 10,000, no engine, no checks.
  std::vector<std::uint64_t> ids = w.engine->members(audience.id, 0, 20'000'000).get().subscribers;
  ids.resize(done.counts.delivered);
  deliveries::MessageSink raw(w.dir / "raw");
  const std::string text =
      "【中国移动】5G Plus monthly package (100 GB of 5G data)，详情 https://www.10086.cn/5g 回复TD退订";
  const auto tb = Clock::now();
  for (std::size_t from = 0; from < ids.size(); from += 10000) {
    const auto n = std::min<std::size_t>(10000, ids.size() - from);
    raw.append(deliveries::MessageBatch{done.id, "ofr_0000000000000000000000000001", "bench", policy::Channel::sms,
                                        text, std::span<const std::uint64_t>(ids.data() + from, n)},
               kDaytime);
    raw.sync();  // as the runner does before it records a batch's progress
  }
  const double baseline = seconds_since(tb);
  std::printf("  baseline: sink lines only %7.2f s   (the checks, engine calls and store cost the other %.2f s)\n",
              baseline, total - baseline);
}

// Redis's own CPU time so far (its main thread, user and system), in s: the figure counts
// a script once, with the commands it runs.
double redis_busy_seconds(redis::RedisClient& client) {
  const auto cpu = client.command({"INFO", "cpu"}).text;
  double seconds = 0;
  for (const char* field : {"used_cpu_user_main_thread:", "used_cpu_sys_main_thread:"})
    if (const auto at = cpu.find(field); at != std::string::npos)
      seconds += std::stod(cpu.substr(at + std::string_view(field).size()));
  return seconds;
}

std::string redis_memory(redis::RedisClient& client) {
  const auto memory = client.command({"INFO", "memory"}).text;
  const auto used = memory.find("used_memory:");
  return used == std::string::npos ? "?" : memory.substr(used + 12, memory.find('\r', used) - used - 12);
}

// The same fan-out with the caps shared in a local redis-server (as several instances share
// them), beside the caps in this process, in the same run and on the same audience: in
// process; in Redis, every instance deciding (RedisContactLedger's scripts); in Redis,
// counted by the lease holder (HolderContactLedger), then again by a new holder reading what
// the first counted; in process again. Each delivery but the new holder's starts with its
// ledger empty (the two Redis ledgers under keys of their own).
void fan_out_shared_caps() {
  std::printf("\n== Fan-out with the frequency caps in Redis beside the caps in process\n");
  World w("fanout-shared", env_size("OCTOPUS_BENCH_POPULATION", 2'700'000));
  const auto a = record_audience(w, w.materialise(everyone(*w.engine), "dpv:DirectMarketing"));
  octopus::testing::RedisServer server;
  redis::RedisOptions o;
  o.port = server.port();
  o.command_timeout = std::chrono::milliseconds(1000);
  redis::RedisClient client(o);
  auto report = [&](const char* what, const FanOut& f) {
    std::printf("  %-34s %7.2f s   %6.2f M decisions/s   %llu delivered, %llu capped\n", what, f.seconds,
                static_cast<double>(f.done.decided) / f.seconds / 1e6,
                static_cast<unsigned long long>(f.done.counts.delivered),
                static_cast<unsigned long long>(f.done.counts.capped));
    return f.seconds;
  };
  auto busy = [&](double seconds, const FanOut& f) {
    std::printf("    Redis busy %.2f s (%.2f us per subscriber decided); Redis memory %s bytes\n", seconds,
                seconds * 1e6 / static_cast<double>(f.done.decided), redis_memory(client).c_str());
  };
  deliveries::ContactLedger first, last;
  deliveries::RedisContactLedger scripts(client, "bench");
  deliveries::HolderContactLedger holder(client, "bench-holder", [] { return std::int64_t{1}; });
  const double local1 = report("baseline: in process", deliver_to_everyone(w, a, 1, first));
  const auto before_scripts = redis_busy_seconds(client);
  const auto by_scripts = deliver_to_everyone(w, a, 2, scripts);
  const double redis = report("caps in Redis, any instance deciding", by_scripts);
  const auto before_holder = redis_busy_seconds(client);
  busy(before_holder - before_scripts, by_scripts);
  const auto by_holder = deliver_to_everyone(w, a, 3, holder);
  const double held = report("caps in Redis, the holder deciding", by_holder);
  const auto before_next = redis_busy_seconds(client);
  busy(before_next - before_holder, by_holder);
  // After a takeover: a new holder, the same fan-out again (each member's second SMS today,
  // within the daily cap), reading each bucket the first time a batch touches it.
  deliveries::HolderContactLedger next(client, "bench-holder", [] { return std::int64_t{2}; });
  const auto by_next = deliver_to_everyone(w, a, 5, next);
  report("the same again, a new holder", by_next);
  busy(redis_busy_seconds(client) - before_next, by_next);
  std::printf("    counts read from Redis by the new holder: %zu\n", next.loaded());
  const double local2 = report("baseline: in process", deliver_to_everyone(w, a, 4, last));
  const double base = std::min(local1, local2);
  std::printf(
      "  any instance deciding / in process: %.2fx; the holder deciding / in process: %.2fx "
      "(against the faster baseline run)\n",
      redis / base, held / base);
}

void decision_step() {
  std::printf("\n== The decision step alone (one thread), facts already fetched\n");
  World w("decide", env_size("OCTOPUS_BENCH_POPULATION", 2'700'000));
  const auto audience = w.materialise(everyone(*w.engine), "dpv:DirectMarketing");
  const auto ids = w.engine->members(audience.id, 0, 20'000'000).get().subscribers;
  std::vector<engine::SubscriberFacts> facts;
  facts.reserve(ids.size());
  for (std::size_t from = 0; from < ids.size(); from += 100000) {
    std::vector<std::uint64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                    ids.begin() + static_cast<std::ptrdiff_t>(std::min(from + 100000, ids.size())));
    auto f = w.engine->facts({part, "dpv:DirectMarketing", "internet", "sms", w.product}).get();
    facts.insert(facts.end(), f.begin(), f.end());
  }
  const auto context = *deliveries::decision_context(*w.policy, policy::Capability::deliveries, policy::Channel::sms,
                                                     "dpv:DirectMarketing", "internet", kDaytime / 1000);
  const double n = static_cast<double>(ids.size());

  auto t = Clock::now();
  std::size_t floor_sum = 0;
  for (std::size_t i = 0; i < ids.size(); ++i)
    floor_sum += facts[i].eligible + (facts[i].consent == engine::ConsentState::granted);
  const double floor_s = seconds_since(t);

  t = Clock::now();
  std::size_t consenting = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    policy::SubscriberConsent c;
    if (facts[i].consent == engine::ConsentState::granted)
      c.granted.set(policy::consent_scope(context.consent.purpose, context.consent.channel, context.consent.category));
    consenting += policy::evaluate_consent(*w.policy, context.consent, c).allowed;
  }
  const double consent_s = seconds_since(t);

  // As the runner decides: batches of 10,000, the ledger's slots fetched ahead.
  std::vector<deliveries::Outcome> outcomes;
  auto pass = [&](deliveries::ContactLedger& ledger) {
    std::size_t sent = 0;
    for (std::size_t from = 0; from < ids.size(); from += 10000) {
      const auto n = std::min<std::size_t>(10000, ids.size() - from);
      deliveries::decide_batch(context, std::span(ids).subspan(from, n), std::span(facts).subspan(from, n), w.overlay,
                               ledger, outcomes);
      for (const auto o : outcomes) sent += o == deliveries::Outcome::send;
    }
    return sent;
  };
  deliveries::ContactLedger ledger;
  t = Clock::now();
  ledger.make_room(ids.size());  // as the runner does when a delivery starts
  const std::size_t sent = pass(ledger);
  const double decide_s = seconds_since(t);
  // Second pass, ledger warm (every subscriber known): the steady state of later deliveries.
  t = Clock::now();
  const std::size_t again = pass(ledger);
  const double warm_s = seconds_since(t);
  // Baseline: one subscriber per batch, nothing fetched ahead.
  deliveries::ContactLedger plain;
  t = Clock::now();
  std::size_t plain_sent = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    deliveries::decide_batch(context, std::span(ids).subspan(i, 1), std::span(facts).subspan(i, 1), w.overlay, plain,
                             outcomes);
    plain_sent += outcomes[0] == deliveries::Outcome::send;
  }
  const double plain_s = seconds_since(t);

  std::printf("  %zu subscribers (%zu consenting, %zu sent, %zu sent again)\n", ids.size(), consenting, sent, again);
  std::printf("  decide_batch, ledger cold %6.1f ns/subscriber   %6.2f M/s\n", decide_s / n * 1e9, n / decide_s / 1e6);
  std::printf("  decide_batch, ledger warm %6.1f ns/subscriber   %6.2f M/s\n", warm_s / n * 1e9, n / warm_s / 1e6);
  std::printf("  baseline: one per batch, ledger cold %6.1f ns/subscriber   %6.2f M/s  (%zu sent)\n", plain_s / n * 1e9,
              n / plain_s / 1e6, plain_sent);
  std::printf("  baseline: consent only    %6.1f ns/subscriber   %6.2f M/s\n", consent_s / n * 1e9,
              n / consent_s / 1e6);
  std::printf("  baseline: read facts only %6.1f ns/subscriber   %6.2f M/s  (%zu)\n", floor_s / n * 1e9,
              n / floor_s / 1e6, floor_sum);
}

struct LatencyReport {
  std::size_t events = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, seconds = 0;
  std::uint64_t sent = 0;
};

// The last sequence of the engine's event stream now, reading on from `after` (reading the
// whole retained stream would hold the engine's stream lock for tens of milliseconds and
// stall the very events being measured).
std::uint64_t stream_head(engine::Engine& e, std::uint64_t after = 0) {
  for (;;) {
    const auto b = e.events(after, 100000, std::chrono::milliseconds(0)).get();
    if (b.records.empty()) return after;
    after = b.next;
  }
}

LatencyReport run_triggers(World& w, bool indexed, double seconds) {
  triggers::TriggerRunnerOptions options;
  options.indexed = indexed;
  options.max_event_age_ms = std::int64_t{1} << 50;  // the benchmark's clock is not the events' clock
  const DaytimeClock clock;
  options.clock = &clock;
  deliveries::ContactLedger ledger;
  std::uint64_t sent_before = 0;
  for (const auto& trg : w.store->triggers.active_triggers()) sent_before += trg.counts.sent;
  triggers::TriggerRunner runner(
      triggers::TriggerRunnerRecords{w.store->triggers, w.store->offers, w.store->partners}, *w.engine,
      [&] { return w.policy; }, w.overlay, ledger, w.channels, options);
  runner.reload();

  // The engine makes the events itself (its synthetic activity, stamped when made); the
  // follower starts at the head of the stream and the run counts the events made once it
  // runs (those made while it was being set up had waited for the benchmark, not for it).
  const auto first = stream_head(*w.engine);
  w.store->stream_cursors.set_stream_cursor("bench", first);
  std::vector<double> latencies, pass_ms;
  std::vector<std::size_t> batch_sizes;
  std::atomic<std::uint64_t> last_end{0};
  std::uint64_t end = ~std::uint64_t{0};
  std::int64_t started_ms = std::numeric_limits<std::int64_t>::max();  // set under m before the follower starts
  std::mutex m;
  events::EventFollowerOptions fo;
  fo.cursor_name = "bench";
  fo.batch = 5000;
  fo.wait = std::chrono::milliseconds(2);
  fo.before_save = [&] { w.sink->sync(); };  // as the gateway does
  events::EventFollower follower(*w.engine, w.store->stream_cursors,
                                 {[&](const std::vector<engine::SubscriberEvent>& batch) {
                                   const auto pass_start = Clock::now();
                                   runner(batch);
                                   const auto now = real_ms();
                                   std::lock_guard lock(m);
                                   pass_ms.push_back(seconds_since(pass_start) * 1000);
                                   batch_sizes.push_back(batch.size());
                                   for (const auto& e : batch)
                                     if (e.sequence <= end && e.at_ms >= started_ms)
                                       latencies.push_back(static_cast<double>(now - e.at_ms));
                                   if (!batch.empty()) last_end = batch.back().sequence;
                                 }},
                                 fo);
  {
    std::lock_guard lock(m);
    started_ms = real_ms();
  }
  follower.start();
  const auto t = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  {
    std::lock_guard lock(m);
    end = stream_head(*w.engine, last_end);
  }
  // Let the follower catch up (or give up after 30 s: the naive scan may never).
  while (last_end < end && seconds_since(t) < seconds + 30) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  LatencyReport r;
  {
    std::lock_guard lock(m);
    r.seconds = seconds_since(t);
    r.events = latencies.size();
    std::sort(latencies.begin(), latencies.end());
    if (!latencies.empty()) {
      r.p50_ms = latencies[latencies.size() / 2];
      r.p99_ms = latencies[latencies.size() * 99 / 100];
      r.max_ms = latencies.back();
    }
    std::sort(pass_ms.begin(), pass_ms.end());
    std::sort(batch_sizes.begin(), batch_sizes.end());
    if (std::getenv("OCTOPUS_BENCH_PASSES") && !pass_ms.empty())
      std::printf("  passes %zu: ms p50 %.2f p99 %.2f max %.2f; batch p50 %zu p99 %zu\n", pass_ms.size(),
                  pass_ms[pass_ms.size() / 2], pass_ms[pass_ms.size() * 99 / 100], pass_ms.back(),
                  batch_sizes[batch_sizes.size() / 2], batch_sizes[batch_sizes.size() * 99 / 100]);
  }
  runner.flush_counts();
  for (const auto& trg : w.store->triggers.active_triggers()) r.sent += trg.counts.sent;
  r.sent -= sent_before;
  std::printf(
      "  %-8s %zu of %llu events handled in %.1f s; event to sink p50 %.0f ms, p99 %.0f ms, max %.0f ms; %llu sent\n",
      indexed ? "indexed" : "naive", r.events, static_cast<unsigned long long>(end - first), r.seconds, r.p50_ms,
      r.p99_ms, r.max_ms, static_cast<unsigned long long>(r.sent));
  return r;
}

// What a flush to disk costs here: a pass's worth of lines written and fdatasync'd, 400
// times, 5 ms apart, in the folder the sink writes to.
void disk_flush_baseline(const fs::path& dir) {
  const auto path = dir / "flush-baseline";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return;
  const std::string lines(16 * 1024, 'x');
  std::vector<double> ms;
  for (int i = 0; i < 400; ++i) {
    const auto t = Clock::now();
    if (::write(fd, lines.data(), lines.size()) < 0 || ::fdatasync(fd) != 0) break;
    ms.push_back(seconds_since(t) * 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::close(fd);
  fs::remove(path);
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  std::printf(
      "  baseline: the disk's write + fdatasync of 16 KB  p50 %.2f ms, p99 %.2f ms, max %.2f ms (off the trigger "
      "path)\n",
      ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
}

void trigger_latency(bool naive_too) {
  std::printf("\n== Triggers: 1,000 active, events at 20,000/s, event to sink latency\n");
  ::sync();  // the fan-out's hundreds of MB written back first, not during the measurement
  World w("triggers", 1'000'000, 20000);
  const auto vocabulary = w.engine->vocabulary().get();
  const engine::AttributeInfo *city = nullptr, *age = nullptr;
  for (const auto& a : vocabulary.attributes) {
    if (a.name == "city") city = &a;
    if (a.name == "age_band") age = &a;
  }
  const char* types[] = {"data_balance_low", "roaming_started", "entered_area", "recharge", "app_installed"};
  const auto t = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    // A city and an age band: about 1 % of the population each.
    engine::SegmentNode c, a, both;
    c.kind = a.kind = engine::SegmentNode::Kind::eq;
    c.attribute = "city";
    c.values = {city->values[static_cast<std::size_t>(i) % city->values.size()]};
    a.attribute = "age_band";
    a.values = {age->values[static_cast<std::size_t>(i / 16) % age->values.size()]};
    both.kind = engine::SegmentNode::Kind::all;
    both.children = {c, a};
    const auto handle = w.materialise(both, "dpv:Personalisation");
    triggers::TriggerRecord r;
    char id[40];
    std::snprintf(id, sizeof id, "trg_%028d", i);
    r.id = id;
    r.partner_id = "bench";
    r.offer_id = "ofr_0000000000000000000000000001";
    r.event_type = types[i % 5];
    r.segment_json = "{}";
    r.purpose = "dpv:Personalisation";
    r.cooldown_seconds = 3600;
    r.engine_audience_id = handle.id;
    r.segment_size = handle.size;
    r.status = "active";
    r.policy_version = w.policy->version;
    w.store->triggers.create_trigger(r);
  }
  std::printf("  1,000 triggers created (segments materialised) in %.1f s\n", seconds_since(t));
  const double seconds = static_cast<double>(env_size("OCTOPUS_BENCH_TRIGGER_SECONDS", 5));
  run_triggers(w, true, seconds);
  disk_flush_baseline(w.dir);
  if (naive_too) run_triggers(w, false, std::min(seconds, 2.0));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  try {
    if (only.empty() || only == "fanout") fan_out();
    if (only.empty() || only == "fanout-shared-caps") fan_out_shared_caps();
    if (only.empty() || only == "decide") decision_step();
    if (only.empty() || only == "triggers" || only == "triggers-indexed") trigger_latency(only != "triggers-indexed");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "delivery bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
