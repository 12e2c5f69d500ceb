// Triggers end to end below HTTP, on the deliveries fixture: a real reference engine, a real
// SQLite store, the real message sink and a clock the test moves.
#include "triggers/trigger_runner.hpp"

#include <thread>

#include "deliveries_fixture.hpp"

namespace octopus::deliveries {
namespace {

using fixture::instant_ms;
using fixture::shipped;

// Real-time triggers share the per-subscriber checks; they add the event match, the
// cooldown and "now or never" in quiet hours.
class Triggers : public fixture::Deliveries {
 protected:
  std::unique_ptr<triggers::TriggerRunner> trigger_runner(bool indexed = true,
                                                          triggers::TriggerCooldowns* cooldowns = nullptr) {
    Channels channels{};
    for (std::size_t i = 0; i < channels.size(); ++i) channels[i] = channels_[i].get();
    triggers::TriggerRunnerOptions options;
    options.indexed = indexed;
    options.clock = &clock_;
    options.count_flush_ms = 0;  // every pass writes its counts
    options.cooldowns = cooldowns;
    auto r = std::make_unique<triggers::TriggerRunner>(
        triggers::TriggerRunnerRecords{store_->triggers, store_->offers, store_->partners}, *engine_,
        [] { return shipped(); }, *overlay_, frequency_ledger(), channels, options);
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
  // A new event in the stream (the engine numbers them in order).
  engine::SubscriberEvent event(std::uint64_t subscriber, const std::string& type) {
    return {++sequence_, subscriber, type, clock_ms_.load(), {}};
  }
  int triggers_ = 0;
  std::uint64_t sequence_ = 100;
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
  sink_->replay(0, [&](const SinkRecord& r) { again->remember_sent(r); });
  clock_ms_ += 60'000;
  (*again)({event(who, "recharge")});
  EXPECT_EQ(sent(t.id)[who], 1);
}

// A crash hands the events after the stream's last saved position over again: the sink
// tells the restarted gateway which event each message answered, so a trigger without a
// cooldown does not answer one twice; the next event it does.
TEST_F(Triggers, AnEventAnsweredBeforeARestartIsNotAnsweredAgainAfterIt) {
  const auto t = trigger("recharge", 0);
  const auto who = reachable_and_outside(t).first.front();
  auto runner = trigger_runner();
  const auto answered = event(who, "recharge");
  (*runner)({answered});
  ASSERT_EQ(sent(t.id)[who], 1);
  runner.reset();
  open();
  auto again = trigger_runner();
  sink_->replay(0, [&](const SinkRecord& r) { again->remember_sent(r); });
  clock_ms_ += 1'000;
  (*again)({answered});  // handed over again after the restart
  EXPECT_EQ(sent(t.id)[who], 1);
  (*again)({event(who, "recharge")});
  EXPECT_EQ(sent(t.id)[who], 2);
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

// The stream hands events over again (a restart or a takeover resumes from the last saved
// position): a trigger without a cooldown answers each event once, and the events after it.
TEST_F(Triggers, AnEventHandedOverAgainFiresOnceEvenWithoutACooldown) {
  const auto t = trigger("recharge", 0);
  const auto who = reachable_and_outside(t).first.front();
  auto runner = trigger_runner();
  const auto first = event(who, "recharge");
  (*runner)({first});
  ASSERT_EQ(sent(t.id)[who], 1);
  (*runner)({first});  // handed over again
  EXPECT_EQ(sent(t.id)[who], 1);
  EXPECT_EQ(store_->triggers.get_trigger("partner-a", t.id)->counts.cooling_down, 1u);
  (*runner)({event(who, "recharge")});  // the next one
  EXPECT_EQ(sent(t.id)[who], 2);
}

// Cooldowns and caps in a real Redis, as instances share them.
class TriggersWithSharedState : public Triggers, public ::testing::WithParamInterface<fixture::SharedCaps> {
 protected:
  void SetUp() override {
    share_caps(redis_.client, GetParam());
    Triggers::SetUp();
  }
  fixture::SharedCapsServer redis_;
};

// The instance that takes the triggers over knows nothing of what the first one sent but
// what Redis holds: the cooldown still holds.
TEST_P(TriggersWithSharedState, ACooldownHoldsOnTheInstanceThatTakesTheTriggersOver) {
  const auto t = trigger("roaming_started", 3600);
  const auto who = reachable_and_outside(t).first.front();
  triggers::RedisTriggerCooldowns first_cooldowns(redis_.client, "t"), next_cooldowns(redis_.client, "t");
  auto first = trigger_runner(true, &first_cooldowns);
  (*first)({event(who, "roaming_started")});
  ASSERT_EQ(sent(t.id)[who], 1);
  first.reset();
  auto next = trigger_runner(true, &next_cooldowns);
  clock_ms_ += 600'000;
  (*next)({event(who, "roaming_started")});
  EXPECT_EQ(sent(t.id)[who], 1);
  EXPECT_EQ(store_->triggers.get_trigger("partner-a", t.id)->counts.cooling_down, 1u);
  clock_ms_ += 3'000'000;  // past the hour
  (*next)({event(who, "roaming_started")});
  EXPECT_EQ(sent(t.id)[who], 2);
}

// The instance taking the triggers over resumes the stream from the last saved position, a
// little before where the lost one stopped: an event the lost one answered does not fire
// again, even for a trigger without a cooldown; the next one does.
TEST_P(TriggersWithSharedState, AnEventTheLostInstanceAnsweredIsNotAnsweredAgainByTheNext) {
  const auto t = trigger("recharge", 0);
  const auto who = reachable_and_outside(t).first.front();
  triggers::RedisTriggerCooldowns first_cooldowns(redis_.client, "t"), next_cooldowns(redis_.client, "t");
  auto first = trigger_runner(true, &first_cooldowns);
  const auto answered = event(who, "recharge");
  (*first)({answered});
  ASSERT_EQ(sent(t.id)[who], 1);
  first.reset();
  auto next = trigger_runner(true, &next_cooldowns);
  clock_ms_ += 2'000;
  (*next)({answered});
  EXPECT_EQ(sent(t.id)[who], 1);
  (*next)({event(who, "recharge")});
  EXPECT_EQ(sent(t.id)[who], 2);
}

// Redis unreachable: a pass sends nothing (it throws, so the stream hands its events over
// again); handed over again once Redis answers, they fire once.
TEST_P(TriggersWithSharedState, WithoutRedisATriggerSendsNothingAndFiresWhenItsEventsAreHandedOverAgain) {
  const auto t = trigger("recharge", 3600);
  const auto reachable = reachable_and_outside(t).first;
  ASSERT_GE(reachable.size(), 2u);
  triggers::RedisTriggerCooldowns cooldowns(redis_.client, "t");
  auto runner = trigger_runner(true, &cooldowns);
  const std::vector<engine::SubscriberEvent> events{event(reachable[0], "recharge"), event(reachable[1], "recharge")};
  redis_.server.pause();
  EXPECT_THROW((*runner)(events), CapsUnavailable);
  EXPECT_TRUE(sent(t.id).empty());
  redis_.server.resume();
  bool handled = false;
  for (int i = 0; i < 100 && !handled; ++i) try {
      (*runner)(events);
      handled = true;
    } catch (const CapsUnavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the client's breaker back-off
    }
  ASSERT_TRUE(handled);
  EXPECT_EQ(sent(t.id), (std::map<std::uint64_t, int>{{reachable[0], 1}, {reachable[1], 1}}));
  // Each message counted once in the shared caps.
  EXPECT_EQ(counted_in_redis(reachable[0], policy::Channel::sms).channel_today, 1u);
}

INSTANTIATE_TEST_SUITE_P(Ledgers, TriggersWithSharedState,
                         ::testing::Values(fixture::SharedCaps::scripts, fixture::SharedCaps::holder),
                         fixture::to_string);

}  // namespace
}  // namespace octopus::deliveries
