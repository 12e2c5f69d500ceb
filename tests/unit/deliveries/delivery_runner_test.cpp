// Deliveries end to end below HTTP: a real reference engine, a real SQLite store, the real
// message sink on disk, the shipped policies and a clock the test moves. Each rule of the
// per-subscriber order has a test that fails when the rule is taken out.
#include "deliveries/delivery_runner.hpp"

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "deliveries/consent_overlay.hpp"
#include "deliveries/opt_out.hpp"
#include "engine/reference/reference_engine.hpp"
#include "http/formats.hpp"
#include "policy/policy_set.hpp"
#include "app/sqlite_repositories.hpp"
#include "triggers/trigger_runner.hpp"
#include "test_clock.hpp"

namespace octopus::deliveries {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

std::int64_t instant_ms(const char* rfc3339) { return *http::parse_rfc3339(rfc3339) * 1000; }

std::shared_ptr<engine::reference::ReferenceEngine> shared_engine() {
  static auto e = std::make_shared<engine::reference::ReferenceEngine>(
      engine::reference::generate_population(20000, 11), engine::reference::ReferenceEngineOptions{.workers = 0});
  return e;
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
    changes_.reset();
    sink_.reset();
    store_.reset();
    store_ = std::make_unique<octopus::app::SqliteRepositories>((dir_ / "gateway.db").string());
    sink_ = std::make_unique<MessageSink>(dir_ / "messages");
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
    runner_ = std::make_unique<DeliveryRunner>(
        DeliveryRunnerRecords{store_->deliveries, store_->offers, store_->audiences, store_->partners}, *engine_,
        [] { return shipped(); }, *overlay_, *ledger_, channels, *sink_, options);
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
  std::unique_ptr<octopus::app::SqliteRepositories> store_;
  std::unique_ptr<MessageSink> sink_;
  std::array<std::unique_ptr<SinkChannel>, policy::kChannelCount> channels_;
  std::unique_ptr<ConsentOverlay> overlay_;
  std::unique_ptr<ConsentChanges> changes_;
  std::unique_ptr<ContactLedger> ledger_;
  std::unique_ptr<DeliveryRunner> runner_;
  std::atomic<std::int64_t> clock_ms_{instant_ms("2026-12-01T02:00:00Z")};  // Tuesday 10:00 in Shanghai
  octopus::testing::AtomicMillisClock clock_{clock_ms_};
  double rate_ = 0;
  int audiences_ = 0, deliveries_ = 0;
};

TEST_F(Deliveries, EveryConsentingEligibleMemberGetsTheOfferOnceAndTheCountsAddUp) {
  const auto a = audience();
  ASSERT_GT(a.size, 1000u);
  const auto d = deliver_to(a);
  run_until_finished(d.id);
  const auto done = *store_->deliveries.get_delivery("", d.id);
  const auto ids = members(a);
  const auto f = facts(ids);
  std::uint64_t eligible = 0;
  for (const auto& x : f) eligible += x.eligible;
  const auto got = sent(d.id);
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.decided, a.size);
  EXPECT_EQ(got.size(), eligible);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto it = got.find(ids[i]);
    EXPECT_EQ(it != got.end(), f[i].eligible);
    if (it != got.end()) {
      EXPECT_EQ(it->second, 1);
    }
  }
  EXPECT_EQ(done.counts.delivered, eligible);
  EXPECT_EQ(done.counts.ineligible, a.size - eligible);
  EXPECT_EQ(done.counts.no_consent + done.counts.capped + done.counts.failed, 0u);
}

// Consent is read at send time: subscribers without it (not in the audience's consent
// filter) are never sent to, even when named directly.
TEST_F(Deliveries, NoMessageWithoutConsentForThePurposeChannelAndCategory) {
  std::vector<std::uint64_t> all;
  for (std::size_t row = 0; row < 3000; ++row) all.push_back(engine_->population().id(row));
  const auto f = facts(all);
  std::uint64_t consenting = 0;
  for (const auto& x : f) consenting += x.consent == engine::ConsentState::granted;
  ASSERT_GT(consenting, 0u);
  ASSERT_LT(consenting, all.size());
  const auto d = deliver_to_subscribers(all);
  run_until_finished(d.id);
  const auto got = sent(d.id);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (f[i].consent != engine::ConsentState::granted) {
      EXPECT_FALSE(got.count(all[i])) << all[i];
    }
  }
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->counts.no_consent, all.size() - consenting);
}

TEST_F(Deliveries, AWithdrawalRecordedAtTheGatewayBeatsTheEnginesGrant) {
  const auto a = audience();
  const auto ids = members(a);
  const auto f = facts(ids);
  std::vector<std::uint64_t> opted_out;
  for (std::size_t i = 0; i < ids.size() && opted_out.size() < 25; ++i)
    if (f[i].eligible) opted_out.push_back(ids[i]);
  OptOutListener listener(*changes_, [] { return shipped(); });
  std::vector<engine::SubscriberEvent> replies;
  for (const auto s : opted_out) replies.push_back({0, s, "sms_reply", clock_ms_, {{"text", "TD"}}});
  listener(replies);
  const auto d = deliver_to(a);
  run_until_finished(d.id);
  const auto got = sent(d.id);
  for (const auto s : opted_out) EXPECT_FALSE(got.count(s)) << s;
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->counts.no_consent, opted_out.size());
  // Recorded durably: a restarted gateway still honours it.
  open();
  EXPECT_EQ(overlay_->state(opted_out.front(), "dpv:DirectMarketing", "sms", "internet"),
            engine::ConsentState::withdrawn);
}

TEST_F(Deliveries, FrequencyCapsCountMessagesFromEveryDelivery) {
  const auto a = audience();
  const auto first = deliver_to(a), second = deliver_to(a), third = deliver_to(a);
  run_until_finished(first.id);
  run_until_finished(second.id);
  run_until_finished(third.id);  // sms: 2 a day
  const auto d1 = *store_->deliveries.get_delivery("", first.id), d3 = *store_->deliveries.get_delivery("", third.id);
  EXPECT_GT(d1.counts.delivered, 0u);
  EXPECT_EQ(d3.counts.delivered, 0u);
  EXPECT_EQ(d3.counts.capped, d1.counts.delivered);
  EXPECT_TRUE(sent(third.id).empty());
}

TEST_F(Deliveries, IneligibleSubscribersAreNotSentAndTheirSlotIsGivenBack) {
  std::vector<std::uint64_t> all;
  for (std::size_t row = 0; row < 3000; ++row) all.push_back(engine_->population().id(row));
  const auto f = facts(all);
  std::vector<std::uint64_t> ineligible;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (f[i].consent == engine::ConsentState::granted && !f[i].eligible) ineligible.push_back(all[i]);
  ASSERT_FALSE(ineligible.empty());
  const auto d = deliver_to_subscribers(ineligible);
  run_until_finished(d.id);
  EXPECT_TRUE(sent(d.id).empty());
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->counts.ineligible, ineligible.size());
  const auto p = policy::counting_periods(*shipped(), policy::Seconds(std::chrono::seconds(clock_ms_ / 1000)));
  EXPECT_EQ(ledger_->counts(p, ineligible.front(), policy::Channel::sms).channel_today, 0u);
}

// 20:59 in Shanghai: the first batch goes; at 21:00 SMS quiet hours begin, so the rest
// waits for 08:00 the next morning, across midnight, and is then sent, none dropped.
TEST_F(Deliveries, QuietHoursDeferAcrossMidnightAndNeverDrop) {
  const auto a = audience();
  clock_ms_ = instant_ms("2026-12-01T12:59:00Z");  // 20:59 local
  const auto d = deliver_to(a);
  runner_->run_once();  // one batch at 20:59
  const auto after_first = *store_->deliveries.get_delivery("", d.id);
  EXPECT_EQ(after_first.status, "running");
  EXPECT_EQ(after_first.decided, 1000u);
  clock_ms_ = instant_ms("2026-12-01T13:00:00Z");  // 21:00 local
  runner_->run_once();
  auto waiting = *store_->deliveries.get_delivery("", d.id);
  EXPECT_EQ(waiting.status, "deferred");
  EXPECT_EQ(waiting.resume_at, *http::parse_rfc3339("2026-12-02T00:00:00Z"));  // 08:00 local
  const auto sent_before = sent(d.id).size();
  clock_ms_ = instant_ms("2026-12-01T16:30:00Z");  // 00:30 local, the next day
  runner_->run_once();
  clock_ms_ = instant_ms("2026-12-01T23:59:59Z");  // 07:59:59 local
  runner_->run_once();
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->status, "deferred");
  EXPECT_EQ(sent(d.id).size(), sent_before);
  clock_ms_ = instant_ms("2026-12-02T00:00:00Z");  // 08:00 local
  run_until_finished(d.id);
  const auto done = *store_->deliveries.get_delivery("", d.id);
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.decided, a.size);
  EXPECT_EQ(done.counts.delivered + done.counts.ineligible, a.size);
  EXPECT_GT(sent(d.id).size(), sent_before);
}

TEST_F(Deliveries, CancellingStopsTheRestAndCountsItCancelled) {
  const auto a = audience();
  const auto d = deliver_to(a);
  runner_->run_once();
  ASSERT_EQ(store_->deliveries.cancel_delivery("partner-a", d.id, clock_ms_ / 1000), store::WriteResult::ok);
  const auto sent_at_cancel = sent(d.id).size();
  for (int i = 0; i < 5; ++i) runner_->run_once();
  const auto done = *store_->deliveries.get_delivery("", d.id);
  EXPECT_EQ(done.status, "cancelled");
  EXPECT_EQ(done.counts.cancelled, a.size - 1000);
  EXPECT_EQ(sent(d.id).size(), sent_at_cancel);
  EXPECT_EQ(store_->deliveries.cancel_delivery("partner-a", d.id, clock_ms_ / 1000), store::WriteResult::conflict);
}

// A crash after the channel took a batch but before the runner recorded it: on restart the
// batch is decided again, and what the sink already holds is not sent twice.
TEST_F(Deliveries, ABatchSentButNotRecordedIsNotSentAgainAfterARestart) {
  const auto a = audience();
  const auto d = deliver_to(a);
  runner_->run_once();
  const auto recorded = *store_->deliveries.get_delivery("", d.id);
  ASSERT_EQ(recorded.status, "running");
  // What the second batch would send, written as the crashed runner did: half of it.
  const auto second = engine_->members(a.engine_id, recorded.cursor, 1000).get().subscribers;
  const auto f = facts(second);
  std::vector<std::uint64_t> half;
  for (std::size_t i = 0; i < second.size() / 2; ++i)
    if (f[i].eligible) half.push_back(second[i]);
  auto offer = *store_->offers.get_offer("", d.offer_id);
  sink_->append({d.id, offer.id, d.partner_id, policy::Channel::sms, "text", half}, clock_ms_);
  open();  // the restart
  run_until_finished(d.id);
  const auto got = sent(d.id);
  for (const auto& [subscriber, n] : got) ASSERT_EQ(n, 1) << subscriber;
  const auto ids = members(a);
  const auto all = facts(ids);
  std::uint64_t eligible = 0;
  for (const auto& x : all) eligible += x.eligible;
  EXPECT_EQ(got.size(), eligible);
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->counts.delivered, eligible);
}

// A TD reply arriving while a delivery runs reaches every batch decided after it.
TEST_F(Deliveries, AnOptOutDuringARunningDeliveryAppliesToTheNextBatch) {
  const auto a = audience();
  const auto ids = members(a);
  const auto f = facts(ids);
  const auto d = deliver_to(a);
  runner_->run_once();  // the first 1000 are decided
  std::uint64_t late = 0;
  for (std::size_t i = ids.size(); i-- > 1000;)
    if (f[i].eligible) {
      late = ids[i];
      break;
    }
  ASSERT_NE(late, 0u);
  engine_->inject_event({0, late, "sms_reply", 0, {{"text", "TD"}}}).get();
  OptOutListener listener(*changes_, [] { return shipped(); });
  const auto events = engine_->events(0, 100000, std::chrono::milliseconds(0)).get();
  listener(events.records);
  run_until_finished(d.id);
  EXPECT_FALSE(sent(d.id).count(late));
}

// Real-time triggers share the per-subscriber checks; they add the event match, the
// cooldown and "now or never" in quiet hours.
class Triggers : public Deliveries {
 protected:
  std::unique_ptr<triggers::TriggerRunner> trigger_runner(bool indexed = true) {
    Channels channels{};
    for (std::size_t i = 0; i < channels.size(); ++i) channels[i] = channels_[i].get();
    triggers::TriggerRunnerOptions options;
    options.indexed = indexed;
    options.clock = &clock_;
    options.count_flush_ms = 0;  // every pass writes its counts
    auto r = std::make_unique<triggers::TriggerRunner>(
        triggers::TriggerRunnerRecords{store_->triggers, store_->offers, store_->partners}, *engine_,
        [] { return shipped(); }, *overlay_, *ledger_, channels, options);
    r->reload();
    return r;
  }
  triggers::TriggerRecord trigger(const std::string& event_type, std::int64_t cooldown) {
    const auto a = audience();
    triggers::TriggerRecord t;
    t.id = "trg_" + std::string(28, '0').replace(27, 1, std::to_string(++triggers_));
    t.partner_id = "partner-a";
    t.offer_id = "ofr_0000000000000000000000000001";
    t.event_type = event_type;
    t.segment_json = "{}";
    t.purpose = "dpv:Personalisation";
    t.cooldown_seconds = cooldown;
    t.engine_audience_id = a.engine_id;
    t.segment_size = a.size;
    t.status = "active";
    t.policy_version = shipped()->version;
    EXPECT_EQ(store_->triggers.create_trigger(t), store::WriteResult::ok);
    return t;
  }
  // Members of the segment who may get the offer now (consent for personalisation by SMS
  // from internet partners, eligible), and people outside the segment.
  std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> reachable_and_outside(
      const triggers::TriggerRecord& t) {
    const auto in = engine_->members(t.engine_audience_id, 0, 1'000'000).get().subscribers;
    const auto f = engine_
                       ->facts({in, "dpv:Personalisation", "internet", "sms",
                                store_->offers.get_offer("", t.offer_id)->product_code})
                       .get();
    std::vector<std::uint64_t> reachable, outside;
    for (std::size_t i = 0; i < in.size(); ++i)
      if (f[i].consent == engine::ConsentState::granted && f[i].eligible) reachable.push_back(in[i]);
    std::set<std::uint64_t> members(in.begin(), in.end());
    for (std::size_t row = 0; outside.size() < 10; ++row)
      if (!members.count(engine_->population().id(row))) outside.push_back(engine_->population().id(row));
    return {reachable, outside};
  }
  engine::SubscriberEvent event(std::uint64_t subscriber, const std::string& type) {
    return {0, subscriber, type, clock_ms_.load(), {}};
  }
  int triggers_ = 0;
};

TEST_F(Triggers, AMatchingEventSendsTheOfferOnceWithinTheCooldown) {
  const auto t = trigger("roaming_started", 3600);
  auto runner = trigger_runner();
  const auto [reachable, outside] = reachable_and_outside(t);
  ASSERT_GE(reachable.size(), 2u);
  const auto who = reachable.front();
  (*runner)(
      {event(who, "roaming_started"), event(outside.front(), "roaming_started"), event(reachable[1], "recharge")});
  EXPECT_EQ(sent(t.id), (std::map<std::uint64_t, int>{{who, 1}}));
  // Again 10 minutes later: inside the hour's cooldown, nothing.
  clock_ms_ += 600'000;
  (*runner)({event(who, "roaming_started")});
  EXPECT_EQ(sent(t.id)[who], 1);
  // After the cooldown: once more.
  clock_ms_ += 3'000'000;
  (*runner)({event(who, "roaming_started")});
  EXPECT_EQ(sent(t.id)[who], 2);
  const auto counts = store_->triggers.get_trigger("partner-a", t.id)->counts;
  EXPECT_EQ(counts.matched, 3u);
  EXPECT_EQ(counts.sent, 2u);
  EXPECT_EQ(counts.cooling_down, 1u);
}

TEST_F(Triggers, TheCooldownHoldsAcrossARestart) {
  const auto t = trigger("recharge", 3600);
  auto runner = trigger_runner();
  const auto who = reachable_and_outside(t).first.front();
  (*runner)({event(who, "recharge")});
  ASSERT_EQ(sent(t.id)[who], 1);
  runner.reset();
  open();
  auto again = trigger_runner();
  sink_->replay(0, [&](const SinkRecord& r) { again->remember_sent(r.source_id, r.subscriber, r.at_ms); });
  clock_ms_ += 60'000;
  (*again)({event(who, "recharge")});
  EXPECT_EQ(sent(t.id)[who], 1);
}

TEST_F(Triggers, InQuietHoursATriggerSendsNothingAndCountsIt) {
  const auto t = trigger("entered_area", 60);
  clock_ms_ = instant_ms("2026-12-01T14:00:00Z");  // 22:00 in Shanghai
  auto runner = trigger_runner();
  const auto who = reachable_and_outside(t).first.front();
  (*runner)({event(who, "entered_area")});
  EXPECT_TRUE(sent(t.id).empty());
  EXPECT_EQ(store_->triggers.get_trigger("partner-a", t.id)->counts.quiet_hours, 1u);
}

TEST_F(Triggers, AnOptedOutSubscriberIsNotSentToByATrigger) {
  const auto t = trigger("app_installed", 60);
  auto runner = trigger_runner();
  const auto who = reachable_and_outside(t).first.front();
  OptOutListener listener(*changes_, [] { return shipped(); });
  listener({{0, who, "sms_reply", clock_ms_, {{"text", "TD"}}}});
  (*runner)({event(who, "app_installed")});
  EXPECT_TRUE(sent(t.id).empty());
  EXPECT_EQ(store_->triggers.get_trigger("partner-a", t.id)->counts.no_consent, 1u);
}

TEST_F(Triggers, EventsOlderThanAMinuteFireNothing) {
  const auto t = trigger("data_balance_low", 60);
  auto runner = trigger_runner();
  const auto who = reachable_and_outside(t).first.front();
  auto old = event(who, "data_balance_low");
  old.at_ms -= 120'000;
  (*runner)({old});
  EXPECT_TRUE(sent(t.id).empty());
}

// The index (by event type, 64 segments per engine call) finds exactly what testing every
// trigger against every event finds.
TEST_F(Triggers, TheIndexedMatchSendsWhatTheNaiveScanSends) {
  std::vector<triggers::TriggerRecord> all;
  const char* types[] = {"roaming_started", "recharge", "entered_area"};
  for (int i = 0; i < 6; ++i) all.push_back(trigger(types[i % 3], 60));
  std::mt19937_64 rng(5);
  std::vector<engine::SubscriberEvent> events;
  for (int i = 0; i < 300; ++i)
    events.push_back(event(engine_->population().id(rng() % engine_->population().size()), types[rng() % 3]));
  auto indexed = trigger_runner(true);
  (*indexed)(events);
  std::map<std::string, std::map<std::uint64_t, int>> first;
  for (const auto& t : all) first[t.id] = sent(t.id);
  // The same events again, a day later (caps renewed, cooldowns over), by the naive scan.
  indexed.reset();
  open();
  clock_ms_ += 86'400'000;
  for (auto& e : events) e.at_ms = clock_ms_;
  auto naive = trigger_runner(false);
  (*naive)(events);
  std::size_t total = 0;
  for (const auto& t : all) {
    auto both = sent(t.id);
    for (auto& [subscriber, n] : both) {
      EXPECT_EQ(n, 2) << t.id << " " << subscriber;  // once by each matcher
      ++total;
    }
    EXPECT_EQ(both.size(), first[t.id].size());
  }
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace octopus::deliveries
