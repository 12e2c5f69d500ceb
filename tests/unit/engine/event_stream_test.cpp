// The engine's streams: a numbered, bounded log that readers follow by cursor (a read with
// nothing new waits for the next record or its deadline, never longer), and the synthetic
// activity that feeds it: real subscribers, known event types, conversions only of products
// the subscriber may take, the same records for the same seed.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "engine/reference/event_log.hpp"
#include "engine/reference/reference_engine.hpp"
#include "engine/reference/synthetic_activity.hpp"

namespace octopus::engine::reference {
namespace {

using namespace std::chrono_literals;

SubscriberEvent event(std::uint64_t subscriber) {
  SubscriberEvent e;
  e.subscriber = subscriber;
  e.type = "recharge";
  return e;
}

TEST(EventLog, RecordsAreNumberedAndReadFromACursor) {
  EventLog<SubscriberEvent> log(100);
  for (std::uint64_t i = 1; i <= 5; ++i) EXPECT_EQ(log.append(event(i)), i);
  auto all = log.read(0, 10, 0ms).get();
  ASSERT_EQ(all.records.size(), 5u);
  EXPECT_EQ(all.records.front().sequence, 1u);
  EXPECT_EQ(all.next, 5u);
  auto some = log.read(2, 2, 0ms).get();
  ASSERT_EQ(some.records.size(), 2u);
  EXPECT_EQ(some.records[0].subscriber, 3u);
  EXPECT_EQ(some.next, 4u);
  auto none = log.read(5, 10, 0ms).get();
  EXPECT_TRUE(none.records.empty());
  EXPECT_EQ(none.next, 5u);
}

TEST(EventLog, AReaderThatFellBehindIsToldWhatItMissed) {
  EventLog<SubscriberEvent> log(3);
  for (std::uint64_t i = 1; i <= 10; ++i) log.append(event(i));
  auto b = log.read(2, 10, 0ms).get();
  EXPECT_EQ(b.skipped, 5u);  // 3..7 fell off
  ASSERT_EQ(b.records.size(), 3u);
  EXPECT_EQ(b.records.front().sequence, 8u);
  // A cursor from before a restart (beyond the last record) reads from the oldest.
  auto after_restart = log.read(99, 10, 0ms).get();
  ASSERT_EQ(after_restart.records.size(), 3u);
  EXPECT_EQ(after_restart.records.front().sequence, 8u);
}

TEST(EventLog, AWaitingReadIsAnsweredByTheNextAppend) {
  EventLog<SubscriberEvent> log(100);
  log.append(event(1));
  const auto started = std::chrono::steady_clock::now();
  auto pending = log.read(1, 10, 10s);
  EXPECT_EQ(pending.wait_for(50ms), std::future_status::timeout);
  std::thread writer([&] { log.append(event(2)); });
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  writer.join();
  auto b = pending.get();
  ASSERT_EQ(b.records.size(), 1u);
  EXPECT_EQ(b.records[0].subscriber, 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(EventLog, AWaitingReadEndsEmptyAtItsDeadline) {
  EventLog<SubscriberEvent> log(100);
  const auto started = std::chrono::steady_clock::now();
  auto b = log.read(0, 10, 150ms).get();
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(b.records.empty());
  EXPECT_EQ(b.next, 0u);
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 5s);
}

TEST(EventLog, ConcurrentAppendsGetDistinctConsecutiveNumbers) {
  EventLog<SubscriberEvent> log(10'000);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) log.append(event(1));
    });
  for (auto& w : writers) w.join();
  auto b = log.read(0, 10'000, 0ms).get();
  ASSERT_EQ(b.records.size(), 4000u);
  for (std::size_t i = 0; i < b.records.size(); ++i) EXPECT_EQ(b.records[i].sequence, i + 1);
}

class Activity : public ::testing::Test {
 protected:
  static std::shared_ptr<Population> population() {
    static auto p = generate_population(20'000, 5);
    return p;
  }
};

TEST_F(Activity, EventsAreOfRealSubscribersAndKnownTypesAndRepeatForASeed) {
  SyntheticActivity a(*population(), ProductCatalogue::reference(), {0, 0, 42});
  SyntheticActivity b(*population(), ProductCatalogue::reference(), {0, 0, 42});
  std::set<std::string> types;
  for (int i = 0; i < 2000; ++i) {
    const auto e = a.next_event(1000);
    const auto same = b.next_event(1000);
    EXPECT_EQ(e.subscriber, same.subscriber);
    EXPECT_EQ(e.type, same.type);
    EXPECT_EQ(e.detail, same.detail);
    EXPECT_TRUE(population()->row_of(e.subscriber));
    EXPECT_FALSE(e.detail.empty()) << e.type;
    types.insert(e.type);
  }
  EXPECT_EQ(types, std::set<std::string>(std::begin(kEventTypes), std::end(kEventTypes)));
}

TEST_F(Activity, ConversionsAreOfProductsTheSubscriberMayTake) {
  SyntheticActivity a(*population(), ProductCatalogue::reference(), {0, 0, 7});
  std::set<std::string> orders, cancelled;
  int made = 0;
  for (int i = 0; i < 500; ++i) {
    auto c = a.next_conversion(1000);
    if (!c) continue;
    if (c->kind == ConversionKind::cancellation) {  // of an order made before, once
      EXPECT_TRUE(orders.count(c->order_id)) << c->order_id;
      EXPECT_TRUE(cancelled.insert(c->order_id).second) << "cancelled twice: " << c->order_id;
      continue;
    }
    ++made;
    const auto row = population()->row_of(c->subscriber);
    ASSERT_TRUE(row);
    EXPECT_TRUE(ProductCatalogue::reference().check(*population(), *row, c->product_code).eligible);
    EXPECT_EQ(c->amount_fen, reference_price_fen(c->product_code));
    EXPECT_TRUE(orders.insert(c->order_id).second) << "order ids repeat";
  }
  EXPECT_GT(made, 400);
  EXPECT_GT(cancelled.size(), 5u);
}

TEST(ReferenceEngineStreams, InjectedAndSyntheticRecordsReachReaders) {
  ReferenceEngineOptions options;
  options.activity = {200, 50, 3};  // per second
  ReferenceEngine engine(generate_population(10'000, 3), options);
  // Synthetic records arrive by themselves at about the configured rates.
  auto first = engine.events(0, 1000, 5s).get();
  ASSERT_FALSE(first.records.empty());
  auto conversions = engine.conversions(0, 1000, 5s).get();
  ASSERT_FALSE(conversions.records.empty());

  SubscriberEvent td;
  td.subscriber = engine.population().id(17);
  td.type = "sms_reply";
  td.detail["text"] = "TD";
  const auto seq = engine.inject_event(td).get();
  bool seen = false;
  for (std::uint64_t cursor = seq - 1; !seen;) {
    auto b = engine.events(cursor, 100, 1s).get();
    ASSERT_FALSE(b.records.empty());
    for (const auto& e : b.records) seen |= e.sequence == seq && e.detail.at("text") == "TD" && e.at_ms > 0;
    cursor = b.next;
  }

  SubscriberEvent bad = td;
  bad.type = "teleported";
  EXPECT_THROW(engine.inject_event(bad).get(), std::invalid_argument);
  bad = td;
  bad.subscriber = 1;  // no such id in the synthetic numbering
  EXPECT_THROW(engine.inject_event(bad).get(), std::invalid_argument);
  Conversion c{0, engine.population().id(3), "NO-SUCH", "ORD-1", 100, 0};
  EXPECT_THROW(engine.report_conversion(c).get(), std::invalid_argument);
  c.product_code = "VOICE-300";
  c.order_id = "";
  EXPECT_THROW(engine.report_conversion(c).get(), std::invalid_argument);
  c.order_id = "ORD-1";
  EXPECT_GT(engine.report_conversion(c).get(), 0u);
}

}  // namespace
}  // namespace octopus::engine::reference
