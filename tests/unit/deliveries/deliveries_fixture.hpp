// The fixture the delivery and trigger runner tests share: a real reference engine, a real
// SQLite store, the real message sink on disk, the shipped policies and a clock the test
// moves.
#pragma once

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "deliveries/consent_overlay.hpp"
#include "deliveries/contact_ledger.hpp"
#include "deliveries/holder_contact_ledger.hpp"
#include "deliveries/redis_contact_ledger.hpp"
#include "deliveries/opt_out.hpp"
#include "engine/reference/reference_engine.hpp"
#include "http/formats.hpp"
#include "policy/policy_set.hpp"
#include "app/sql_repositories.hpp"
#include "triggers/trigger_runner.hpp"
#include "deliveries/delivery_runner.hpp"
#include "redis_server.hpp"
#include "test_clock.hpp"

namespace octopus::deliveries::fixture {

namespace fs = std::filesystem;

inline std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

inline std::int64_t instant_ms(const char* rfc3339) { return *http::parse_rfc3339(rfc3339) * 1000; }

inline std::shared_ptr<engine::reference::ReferenceEngine> shared_engine() {
  static auto e = std::make_shared<engine::reference::ReferenceEngine>(
      engine::reference::generate_population(20000, 11), engine::reference::ReferenceEngineOptions{.workers = 0});
  return e;
}

// A real redis-server for the caps, as instances share them, and a client that gives up
// fast (the tests take Redis away).
struct SharedCapsServer {
  static redis::RedisOptions options(int port) {
    redis::RedisOptions o;
    o.port = port;
    o.command_timeout = std::chrono::milliseconds(300);
    o.breaker_min = std::chrono::milliseconds(10);
    o.breaker_max = std::chrono::milliseconds(50);
    return o;
  }
  octopus::testing::RedisServer server;
  redis::RedisClient client{options(server.port())};
};

// Which ledger counts the caps in Redis: any instance, by Redis's scripts
// (RedisContactLedger), or the lease holder (HolderContactLedger).
enum class SharedCaps { scripts, holder };

inline std::string to_string(const ::testing::TestParamInfo<SharedCaps>& info) {
  return info.param == SharedCaps::holder ? "CountedByTheHolder" : "CountedByScripts";
}

class Deliveries : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octopus-deliveries-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    open();
    partners::Partner p;
    p.id = "partner-a";
    p.display_name = "A";
    p.tier = "gold";
    p.category = "internet";
    p.scopes = {"deliveries:write"};
    ASSERT_EQ(store_->partners.create_partner(p), store::WriteResult::ok);
    offers::OfferRecord o;
    o.id = "ofr_0000000000000000000000000001";
    o.partner_id = p.id;
    o.name = "Travel data pack";
    o.status = "approved";
    o.channel = "sms";
    o.template_text = "{{product_name}} 限时优惠 回复TD退订";
    o.product_code = engine_->products().get().front().code;
    o.landing_url = "https://www.10086.cn/";
    o.valid_until = 4102444800;  // 2100
    o.policy_version = shipped()->version;
    ASSERT_EQ(store_->offers.create_offer(o), store::WriteResult::ok);
  }
  void TearDown() override {
    runner_.reset();
    changes_.reset();
    sink_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  // (Re)opens everything on disk, as a restarted gateway would.
  void open() {
    runner_.reset();
    redis_ledger_.reset();  // a new process: a holder starts again from what Redis holds
    changes_.reset();
    sink_.reset();
    store_.reset();
    store_ = std::make_unique<octopus::app::SqlRepositories>((dir_ / "gateway.db").string());
    // On the runner's clock, as in the gateway: the position before a first append names the day
    // the runner's messages go to.
    sink_ = std::make_unique<MessageSink>(dir_ / "messages", std::chrono::milliseconds(50), clock_);
    for (const auto c : policy::kChannels)
      channels_[static_cast<std::size_t>(c)] = std::make_unique<SinkChannel>(*sink_, c, rate_);
    overlay_ = std::make_unique<ConsentOverlay>();
    changes_ = std::make_unique<ConsentChanges>(store_->consent_changes, *overlay_);
    changes_->load();
    ledger_ = std::make_unique<ContactLedger>();
    sink_->replay(0, [&](const SinkRecord& r) {
      ledger_->record(policy::counting_periods(*shipped(), policy::Seconds(std::chrono::seconds(clock_ms_ / 1000))),
                      r.subscriber, r.channel);
    });
    Channels channels{};
    for (std::size_t i = 0; i < channels.size(); ++i) channels[i] = channels_[i].get();
    DeliveryRunnerOptions options;
    options.batch_size = 1000;
    options.clock = &clock_;
    if (configure_runner_) configure_runner_(options);
    runner_ = std::make_unique<DeliveryRunner>(
        DeliveryRunnerRecords{runner_deliveries_ ? *runner_deliveries_ : store_->deliveries, store_->offers,
                              store_->audiences, store_->partners},
        *engine_, [] { return shipped(); }, *overlay_, frequency_ledger(), channels, *sink_, options);
  }

  // Counts the caps in Redis from SetUp on. The clock moves to a weekday morning in the
  // future: Redis drops a week's counts an hour after it ends, by the real clock.
  void share_caps(redis::RedisClient& client, SharedCaps counted_by = SharedCaps::scripts) {
    clock_ms_ = instant_ms("2030-12-03T02:00:00Z");  // Tuesday 10:00 in Shanghai
    shared_caps_ = &client;
    counted_by_ = counted_by;
  }
  // What Redis holds for the subscriber, in the layout of the ledger counting.
  policy::ContactCounts counted_in_redis(std::uint64_t subscriber, policy::Channel channel) {
    const auto p = policy::counting_periods(*shipped(), policy::Seconds(std::chrono::seconds(clock_ms_ / 1000)));
    if (counted_by_ == SharedCaps::holder)
      return HolderContactLedger::counts_in_redis(*shared_caps_, "t", p, subscriber, channel);
    return RedisContactLedger(*shared_caps_, "t").counts(p, subscriber, channel);
  }
  // A runner that sent half of the delivery's next batch and crashed before recording it:
  // the consenting, eligible members of the batch's first half, written to the sink.
  std::vector<std::uint64_t> send_half_of_next_batch_unrecorded(const audiences::AudienceRecord& a,
                                                                const std::string& delivery_id) {
    const auto recorded = *store_->deliveries.get_delivery("", delivery_id);
    const auto next = engine_->members(a.engine_id, recorded.cursor, 1000).get().subscribers;
    const auto f = facts(next);
    std::vector<std::uint64_t> half;
    for (std::size_t i = 0; i < next.size() / 2; ++i)
      if (f[i].eligible && f[i].consent == engine::ConsentState::granted) half.push_back(next[i]);
    const auto offer = *store_->offers.get_offer("", recorded.offer_id);
    sink_->append({delivery_id, offer.id, recorded.partner_id, policy::Channel::sms, "text", half}, clock_ms_);
    return half;
  }
  // The caps in Redis when a test gives a client (shared_caps_), else in this process.
  FrequencyLedger& frequency_ledger() {
    if (!shared_caps_) return *ledger_;
    if (redis_ledger_) return *redis_ledger_;
    if (counted_by_ == SharedCaps::holder)  // the lease holder, its grant's token 1 throughout
      redis_ledger_ = std::make_unique<HolderContactLedger>(*shared_caps_, "t", [] { return std::int64_t{1}; });
    else
      redis_ledger_ = std::make_unique<RedisContactLedger>(*shared_caps_, "t");
    return *redis_ledger_;
  }

  // An audience of the first `n` members of a consent-filtered segment.
  audiences::AudienceRecord audience() {
    engine::CountQuery q;
    // Everybody: every value of the first published attribute.
    const auto vocabulary = engine_->vocabulary().get();
    q.segment.kind = engine::SegmentNode::Kind::in;
    q.segment.attribute = vocabulary.attributes.front().name;
    q.segment.values = vocabulary.attributes.front().values;
    q.consent = {"dpv:DirectMarketing", "internet", {"sms"}};
    auto handle = engine_->materialise(q).get();
    audiences::AudienceRecord a;
    a.id = "aud_" + std::string(28, '0').replace(27, 1, std::to_string(++audiences_));
    a.partner_id = "partner-a";
    a.status = "ready";
    a.segment_json = "{}";
    a.purpose = "dpv:DirectMarketing";
    a.engine_id = handle.id;
    a.size = handle.size;
    a.policy_version = shipped()->version;
    EXPECT_EQ(store_->audiences.create_audience(a), store::WriteResult::ok);
    return a;
  }
  deliveries::DeliveryRecord deliver_to(const audiences::AudienceRecord& a) {
    deliveries::DeliveryRecord d;
    d.id = "dlv_" + std::string(28, '0').replace(27, 1, std::to_string(++deliveries_));
    d.partner_id = "partner-a";
    d.offer_id = "ofr_0000000000000000000000000001";
    d.audience_id = a.id;
    d.target_count = a.size;
    d.purpose = "dpv:DirectMarketing";
    d.status = "scheduled";
    d.send_at = clock_ms_ / 1000;
    d.policy_version = shipped()->version;
    EXPECT_EQ(store_->deliveries.create_delivery(d), store::WriteResult::ok);
    return d;
  }
  deliveries::DeliveryRecord deliver_to_subscribers(std::vector<std::uint64_t> subscribers) {
    deliveries::DeliveryRecord d;
    d.id = "dlv_" + std::string(28, '0').replace(27, 1, std::to_string(++deliveries_));
    d.partner_id = "partner-a";
    d.offer_id = "ofr_0000000000000000000000000001";
    d.subscribers = std::move(subscribers);
    d.target_count = d.subscribers.size();
    d.purpose = "dpv:DirectMarketing";
    d.status = "scheduled";
    d.send_at = clock_ms_ / 1000;
    d.policy_version = shipped()->version;
    EXPECT_EQ(store_->deliveries.create_delivery(d), store::WriteResult::ok);
    return d;
  }
  void run_until_finished(const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      runner_->run_once();
      const auto d = store_->deliveries.get_delivery("", id);
      if (d->status == "completed" || d->status == "cancelled" || d->status == "failed") return;
    }
    FAIL() << "delivery " << id << " did not finish";
  }
  // subscriber → messages of `source` in the sink.
  std::map<std::uint64_t, int> sent(const std::string& source) {
    std::map<std::uint64_t, int> out;
    sink_->replay(0, [&](const SinkRecord& r) {
      if (r.source_id == source) ++out[r.subscriber];
    });
    return out;
  }
  std::vector<engine::SubscriberFacts> facts(const std::vector<std::uint64_t>& subscribers) {
    return engine_
        ->facts({subscribers, "dpv:DirectMarketing", "internet", "sms",
                 store_->offers.get_offer("", "ofr_0000000000000000000000000001")->product_code})
        .get();
  }
  std::vector<std::uint64_t> members(const audiences::AudienceRecord& a) {
    return engine_->members(a.engine_id, 0, 1'000'000).get().subscribers;
  }

  fs::path dir_;
  std::shared_ptr<engine::reference::ReferenceEngine> engine_ = shared_engine();
  std::unique_ptr<octopus::app::SqlRepositories> store_;
  std::unique_ptr<MessageSink> sink_;
  std::array<std::unique_ptr<SinkChannel>, policy::kChannelCount> channels_;
  std::unique_ptr<ConsentOverlay> overlay_;
  std::unique_ptr<ConsentChanges> changes_;
  std::unique_ptr<ContactLedger> ledger_;
  redis::RedisClient* shared_caps_ = nullptr;
  SharedCaps counted_by_ = SharedCaps::scripts;
  std::unique_ptr<FrequencyLedger> redis_ledger_;
  std::unique_ptr<DeliveryRunner> runner_;
  std::function<void(DeliveryRunnerOptions&)> configure_runner_;  // applied at each open()
  DeliveryRepository* runner_deliveries_ = nullptr;  // the runner's instead of the store's, from the next open()
  std::atomic<std::int64_t> clock_ms_{instant_ms("2026-12-01T02:00:00Z")};  // Tuesday 10:00 in Shanghai
  octopus::testing::AtomicMillisClock clock_{clock_ms_};
  double rate_ = 0;
  int audiences_ = 0, deliveries_ = 0;
};

}  // namespace octopus::deliveries::fixture
