// Deliveries end to end below HTTP: a real reference engine, a real SQLite store, the real
// message sink on disk, the shipped policies and a clock the test moves. Each rule of the
// per-subscriber order has a test that fails when the rule is taken out.
#include "deliveries/delivery_runner.hpp"

#include <thread>

#include "coordination/sql_lease_repository.hpp"
#include "deliveries_fixture.hpp"

namespace octopus::deliveries {
namespace {

using fixture::Deliveries;
using fixture::instant_ms;
using fixture::shipped;

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
  // Handed over again (a later listener failed): nothing more is recorded.
  const auto recorded = store_->consent_changes.consent_changes(0, 0, 100000).size();
  listener(replies);
  EXPECT_EQ(store_->consent_changes.consent_changes(0, 0, 100000).size(), recorded);
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
  ASSERT_EQ(store_->deliveries.get_delivery("", d.id)->status, "running");
  ASSERT_FALSE(send_half_of_next_batch_unrecorded(a, d.id).empty());
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

// The lease went to another instance and came back between two passes (a new grant: a new
// token), while this runner saw it held at both looks. The other instance sent part of the
// next batch and was lost before recording it: the runner treats the new grant as a
// takeover, reads that part back from the sink, and sends nobody twice.
TEST_F(Deliveries, ALeaseLostAndRegainedBetweenTwoPassesIsATakeover) {
  coordination::SqlLeaseRepository leases(store_->db);
  std::int64_t token = leases.acquire("background", "me", 1000, 1000)->token;
  configure_runner_ = [&token](DeliveryRunnerOptions& o) {
    o.may_run = [] { return true; };
    o.fence = [&token] { return store::Fence{"background", token}; };
  };
  open();
  coordination::SqlLeaseRepository reopened(store_->db);
  const auto a = audience();
  const auto d = deliver_to(a);
  runner_->run_once();
  ASSERT_EQ(store_->deliveries.get_delivery("", d.id)->status, "running");
  ASSERT_TRUE(reopened.acquire("background", "other", 3000, 1000));          // taken over
  ASSERT_FALSE(send_half_of_next_batch_unrecorded(a, d.id).empty());         // by the other, lost
  token = reopened.acquire("background", "me", 5000, 1'000'000'000)->token;  // and back
  run_until_finished(d.id);
  const auto got = sent(d.id);
  for (const auto& [subscriber, n] : got) ASSERT_EQ(n, 1) << subscriber;
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->counts.delivered, got.size());
}

// The store's deliveries, but a batch's record can be made to fail once (the store down or
// locked), after the batch has reached the sink.
class ProgressThatFailsOnce : public DeliveryRepository {
 public:
  // The deliveries of the fixture's store, whichever store open() made last.
  explicit ProgressThatFailsOnce(std::unique_ptr<octopus::app::SqlRepositories>& store) : store_(store) {}
  int fail_in = 0;  // the record that many records from now fails (0: none)
  store::WriteResult create_delivery(const DeliveryRecord& d) override { return inner().create_delivery(d); }
  std::optional<DeliveryRecord> get_delivery(const std::string& partner, const std::string& id) override {
    return inner().get_delivery(partner, id);
  }
  DeliveryPage list_deliveries(const std::string& partner, const std::optional<std::string>& after,
                               std::size_t limit) override {
    return inner().list_deliveries(partner, after, limit);
  }
  std::vector<DeliveryRecord> deliveries_in_status(const std::vector<std::string>& statuses) override {
    return inner().deliveries_in_status(statuses);
  }
  store::WriteResult record_delivery_progress(const DeliveryRecord& d, const store::Fence& fence) override {
    if (fail_in > 0 && --fail_in == 0) throw std::runtime_error("the store is unavailable");
    return inner().record_delivery_progress(d, fence);
  }
  store::WriteResult cancel_delivery(const std::string& partner, const std::string& id, std::int64_t now) override {
    return inner().cancel_delivery(partner, id, now);
  }

 private:
  DeliveryRepository& inner() { return store_->deliveries; }
  std::unique_ptr<octopus::app::SqlRepositories>& store_;
};

// Runners whose store can be made to fail a batch's record; the runner stops before the
// decorator goes.
class DeliveriesWithFailingProgress : public Deliveries {
 protected:
  void SetUp() override {
    Deliveries::SetUp();
    runner_deliveries_ = &progress;
    open();
  }
  void TearDown() override { runner_.reset(); }
  // Finished, everyone sent to once, and the delivery's count says as many.
  void expect_finished_reaching_everyone_once(const std::string& id) {
    run_until_finished(id);
    const auto got = sent(id);
    for (const auto& [subscriber, n] : got) ASSERT_EQ(n, 1) << subscriber;
    EXPECT_EQ(store_->deliveries.get_delivery("", id)->counts.delivered, got.size());
  }
  ProgressThatFailsOnce progress{store_};
};

// The store fails to record a batch the channel has taken: the next pass reads the batch
// back from the sink instead of sending it again.
TEST_F(DeliveriesWithFailingProgress, ABatchSentButNotRecordedIsNotSentAgainOnTheNextPass) {
  const auto d = deliver_to(audience());
  runner_->run_once();
  const auto recorded = store_->deliveries.get_delivery("", d.id)->counts.delivered;
  ASSERT_GT(recorded, 0u);
  progress.fail_in = 1;
  EXPECT_THROW(runner_->run_once(), std::runtime_error);
  ASSERT_GT(sent(d.id).size(), recorded) << "the batch should have reached the sink";
  expect_finished_reaching_everyone_once(d.id);
}

// The same for the delivery's first batch, before any batch was recorded: the runner records
// where it starts before sending, so even that batch is read back, on this instance or on
// the one taking over.
TEST_F(DeliveriesWithFailingProgress, AFirstBatchSentButNotRecordedIsNotSentAgain) {
  const auto d = deliver_to(audience());
  progress.fail_in = 2;  // the first pass records where it starts, then its batch: that fails
  EXPECT_THROW(runner_->run_once(), std::runtime_error);
  ASSERT_FALSE(sent(d.id).empty()) << "the batch should have reached the sink";
  EXPECT_EQ(store_->deliveries.get_delivery("", d.id)->decided, 0u);
  open();  // the next holder, or this instance restarted
  expect_finished_reaching_everyone_once(d.id);
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

// The caps in a real Redis, shared as several instances share them.
class DeliveriesWithSharedCaps : public Deliveries, public ::testing::WithParamInterface<fixture::SharedCaps> {
 protected:
  void SetUp() override {
    share_caps(redis_.client, GetParam());
    Deliveries::SetUp();
  }
  fixture::SharedCapsServer redis_;
};

// Redis unreachable in the middle of a delivery: nothing more is sent (no batch decided
// without the caps), the delivery keeps its place, and when Redis answers again it goes on
// from there, every member reached once.
TEST_P(DeliveriesWithSharedCaps, WithoutRedisNothingIsSentUncheckedAndTheDeliveryResumesWhereItStopped) {
  const auto a = audience();
  ASSERT_GT(a.size, 3000u);
  const auto d = deliver_to(a);
  runner_->run_once();
  runner_->run_once();
  const auto before = *store_->deliveries.get_delivery("", d.id);
  const auto sent_before = sent(d.id).size();
  ASSERT_EQ(before.decided, 2000u);
  ASSERT_GT(sent_before, 0u);

  redis_.server.pause();
  for (int i = 0; i < 5; ++i) runner_->run_once();
  const auto during = *store_->deliveries.get_delivery("", d.id);
  EXPECT_EQ(sent(d.id).size(), sent_before);
  EXPECT_EQ(during.decided, before.decided);
  EXPECT_EQ(during.cursor, before.cursor);
  EXPECT_EQ(during.status, "running");

  redis_.server.resume();
  for (int i = 0; i < 200 && store_->deliveries.get_delivery("", d.id)->status != "completed"; ++i) {
    runner_->run_once();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the breaker's back-off
  }
  const auto after = *store_->deliveries.get_delivery("", d.id);
  ASSERT_EQ(after.status, "completed");
  EXPECT_EQ(after.decided, a.size);
  const auto messages = sent(d.id);
  for (const auto& [subscriber, times] : messages) ASSERT_EQ(times, 1) << subscriber;
  EXPECT_EQ(after.counts.delivered, messages.size());
  EXPECT_EQ(after.counts.delivered + after.counts.no_consent + after.counts.capped + after.counts.ineligible, a.size);
  // Each message is counted once in Redis: the subscriber's SMS today is 1.
  EXPECT_EQ(counted_in_redis(messages.begin()->first, policy::Channel::sms).channel_today, 1u);
}

// A restart finds a batch sent but not recorded, and its first try to go on fails before
// recording anything (Redis away): the next try still counts what the sink holds as sent.
TEST_P(DeliveriesWithSharedCaps, ARecoveryInterruptedBeforeItsBatchIsRecordedStillSendsNobodyTwice) {
  const auto a = audience();
  const auto d = deliver_to(a);
  runner_->run_once();
  ASSERT_EQ(store_->deliveries.get_delivery("", d.id)->status, "running");
  ASSERT_FALSE(send_half_of_next_batch_unrecorded(a, d.id).empty());
  open();  // the restart
  redis_.server.pause();
  for (int i = 0; i < 3; ++i) runner_->run_once();  // the recovering batch fails: no caps
  redis_.server.resume();
  for (int i = 0; i < 200 && store_->deliveries.get_delivery("", d.id)->status != "completed"; ++i) {
    runner_->run_once();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the breaker's back-off
  }
  const auto after = *store_->deliveries.get_delivery("", d.id);
  ASSERT_EQ(after.status, "completed");
  const auto messages = sent(d.id);
  for (const auto& [subscriber, times] : messages) ASSERT_EQ(times, 1) << subscriber;
  EXPECT_EQ(after.counts.delivered, messages.size());
}

INSTANTIATE_TEST_SUITE_P(Ledgers, DeliveriesWithSharedCaps,
                         ::testing::Values(fixture::SharedCaps::scripts, fixture::SharedCaps::holder),
                         fixture::to_string);

}  // namespace
}  // namespace octopus::deliveries
