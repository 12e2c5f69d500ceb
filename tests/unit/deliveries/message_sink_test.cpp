// The sink's promise to its writers: a message is in the file when append() returns (a
// crash of the process loses nothing), sync() makes it durable, and the event stream's
// position is saved only after the sink has been synced for the events it covers.
#include "deliveries/message_sink.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <unordered_set>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "app/sql_repositories.hpp"
#include "engine/reference/reference_engine.hpp"
#include "events/stream_follower.hpp"
#include "observability/metrics.hpp"
#include "test_clock.hpp"

namespace octopus::deliveries {
namespace {

namespace fs = std::filesystem;

class Sink : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octopus-sink-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::vector<std::uint64_t> read_back(const fs::path& dir) {
    MessageSink reader(dir, std::chrono::milliseconds(0));
    std::vector<std::uint64_t> out;
    reader.replay(0, [&](const SinkRecord& r) { out.push_back(r.subscriber); });
    return out;
  }
  fs::path dir_;
};

constexpr std::int64_t kAt = 1'796'000'000'000;  // 2026-11-30 00:53:20 UTC, in ms

TEST_F(Sink, AnAppendIsInTheFileWhenItReturnsBeforeAnySync) {
  const std::vector<std::uint64_t> who{8613800000001, 8613800000002, 8613800000003};
  MessageSink sink(dir_ / "messages", std::chrono::milliseconds(0));  // no background flushing
  sink.append(MessageBatch{"trg_1", "ofr_1", "partner-a", policy::Channel::sms, "hello", who, kAt}, kAt);
  // Another reader of the folder (as the gateway after a crash of its process) sees the lines.
  EXPECT_EQ(read_back(dir_ / "messages"), who);
  EXPECT_NO_THROW(sink.sync());
  EXPECT_NO_THROW(sink.sync());  // nothing new: nothing to do
  EXPECT_EQ(read_back(dir_ / "messages"), who);
}

// A trigger's messages name the event each answered, so a restart knows which events it
// need not answer again; a delivery's name none.
TEST_F(Sink, ATriggersLinesNameTheEventEachAnswered) {
  const std::vector<std::uint64_t> who{8613800000001, 8613800000002}, events{41, 57};
  MessageSink sink(dir_ / "messages", std::chrono::milliseconds(0));
  const MessageBatch batches[] = {{"trg_1", "ofr_1", "partner-a", policy::Channel::sms, "hello", who, kAt, events},
                                  {"dlv_1", "ofr_1", "partner-a", policy::Channel::sms, "hello", who, kAt}};
  sink.append(std::span<const MessageBatch>(batches), kAt);
  std::vector<std::pair<std::string, std::uint64_t>> read;
  MessageSink(dir_ / "messages", std::chrono::milliseconds(0)).replay(0, [&](const SinkRecord& r) {
    EXPECT_EQ(r.at_ms, kAt);
    read.emplace_back(r.source_id + ":" + std::to_string(r.subscriber), r.event);
  });
  EXPECT_EQ(read, (std::vector<std::pair<std::string, std::uint64_t>>{{"trg_1:8613800000001", 41},
                                                                      {"trg_1:8613800000002", 57},
                                                                      {"dlv_1:8613800000001", 0},
                                                                      {"dlv_1:8613800000002", 0}}));
}

// Instances sharing the sink's folder: each writes its own files, a position names the file
// it was taken in, so the instance taking a delivery over reads what the lost one sent past
// its last recorded position; replay reads every instance's lines, read_others only the
// others' new ones.
TEST_F(Sink, InstancesSharingAFolderReadBackEachOthersLinesFromAPosition) {
  const std::vector<std::uint64_t> first{1, 2}, lost{3, 4}, other{5}, later{6};
  const std::int64_t now = kAt;  // the day the lines are written
  const octopus::testing::VariableClock<std::chrono::milliseconds> clock(now);
  MessageSink a(dir_ / "messages", std::chrono::milliseconds(0), clock, "host-a-1");
  MessageSink b(dir_ / "messages", std::chrono::milliseconds(0), clock, "host-b-2");
  a.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", first, kAt}, kAt);
  const auto recorded = a.position();
  EXPECT_TRUE(recorded.ends_with(":host-a-1")) << recorded;
  a.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", lost, kAt}, kAt);
  a.append(MessageBatch{"dlv_2", "ofr_1", "acme", policy::Channel::sms, "hi", other, kAt}, kAt);
  b.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", later, kAt}, kAt);

  // b, taking dlv_1 over at a's last recorded position, finds the batch a sent after it
  // (and, in other files, dlv_1's lines of that day: its own 6).
  EXPECT_EQ(b.written_since(recorded, "dlv_1"), (std::unordered_set<std::uint64_t>{3, 4, 6}));
  // From its own position: nothing past it in its file; a's lines of the day.
  EXPECT_EQ(b.written_since(b.position(), "dlv_1"), (std::unordered_set<std::uint64_t>{1, 2, 3, 4}));

  // Replay reads both instances' files; read_others then only what the others add.
  std::multiset<std::uint64_t> replayed;
  b.replay(0, [&](const SinkRecord& r) { replayed.insert(r.subscriber); });
  EXPECT_EQ(replayed, (std::multiset<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  std::vector<std::uint64_t> others;
  b.read_others([&](const SinkRecord& r) { others.push_back(r.subscriber); });
  EXPECT_TRUE(others.empty());
  a.append(MessageBatch{"dlv_3", "ofr_1", "acme", policy::Channel::sms, "hi", later, kAt}, kAt);
  b.append(MessageBatch{"dlv_3", "ofr_1", "acme", policy::Channel::sms, "hi", first, kAt}, kAt);
  b.read_others([&](const SinkRecord& r) { others.push_back(r.subscriber); });
  EXPECT_EQ(others, later) << "only a's new line: b's own lines are not 'others'";
  b.read_others([&](const SinkRecord& r) { others.push_back(r.subscriber); });
  EXPECT_EQ(others, later) << "read once";
}

// A takes a delivery's batch position and is lost; B takes over, sends part of the batch
// into its own file and is lost before recording anything; C, still at A's position, finds
// what both sent. Files of other shapes in the folder are not read.
TEST_F(Sink, ASecondTakeoverFindsWhatTheFirstOneSentInItsOwnFile) {
  const std::vector<std::uint64_t> first{1, 2}, by_a{3}, by_b{4, 5};
  const std::int64_t now = kAt;
  const octopus::testing::VariableClock<std::chrono::milliseconds> clock(now);
  MessageSink a(dir_ / "messages", std::chrono::milliseconds(0), clock, "a");
  a.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", first, kAt}, kAt);
  const auto recorded = a.position();
  a.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", by_a, kAt}, kAt);
  {
    MessageSink b(dir_ / "messages", std::chrono::milliseconds(0), clock, "b");
    b.append(MessageBatch{"dlv_1", "ofr_1", "acme", policy::Channel::sms, "hi", by_b, kAt}, kAt);
  }
  const auto a_file = dir_ / "messages" / "messages-20261130.a.jsonl";
  fs::copy_file(a_file, dir_ / "messages" / "messages-20261130.a.jsonl.bak");
  fs::copy_file(a_file, dir_ / "messages" / "messages-20261130.a.b.jsonl");
  MessageSink c(dir_ / "messages", std::chrono::milliseconds(0), clock, "c");
  EXPECT_EQ(c.written_since(recorded, "dlv_1"), (std::unordered_set<std::uint64_t>{3, 4, 5}));
  std::size_t replayed = 0;
  c.replay(0, [&](const SinkRecord&) { ++replayed; });
  EXPECT_EQ(replayed, 5u) << "a copy under another name was read as an instance's file";
}

TEST_F(Sink, ATagThatIsNotAFileNameIsRefused) {
  EXPECT_THROW(MessageSink(dir_ / "messages", std::chrono::milliseconds(0), system_clock(), "../x"),
               std::invalid_argument);
}

TEST_F(Sink, TheEventPositionIsSavedOnlyAfterTheSinkIsSynced) {
  auto engine = engine::reference::make_synthetic_reference_engine({7, 1000, 1}, {.workers = 0});
  octopus::app::SqlRepositories store((dir_ / "gateway.db").string());
  MessageSink sink(dir_ / "messages", std::chrono::milliseconds(0));
  const auto subscriber = engine->population().id(5);
  for (int i = 0; i < 3; ++i) engine->inject_event({0, subscriber, "recharge", 0, {}}).get();

  // The listener writes one line per event; the hook notes what the store held when the
  // follower asked for the sync, and syncs.
  std::vector<std::uint64_t> cursor_at_sync;
  events::EventFollowerOptions options;
  options.cursor_name = "test";
  options.save_every = std::chrono::milliseconds(0);
  options.before_save = [&] {
    cursor_at_sync.push_back(store.stream_cursors.stream_cursor("test"));
    sink.sync();
  };
  events::EventFollower follower(
      *engine, store.stream_cursors, {[&](const std::vector<engine::SubscriberEvent>& batch) {
        for (const auto& e : batch) {
          const std::vector<std::uint64_t> one{e.subscriber};
          sink.append(MessageBatch{"trg_1", "ofr_1", "partner-a", policy::Channel::sms, "hi", one, kAt}, kAt);
        }
      }},
      options);
  ASSERT_EQ(follower.poll_once(std::chrono::milliseconds(0)), 3u);
  ASSERT_EQ(cursor_at_sync.size(), 1u);
  EXPECT_EQ(cursor_at_sync.front(), 0u);                                       // synced before the position moved
  EXPECT_EQ(store.stream_cursors.stream_cursor("test"), follower.position());  // and saved after
  EXPECT_EQ(read_back(dir_ / "messages").size(), 3u);
}

TEST_F(Sink, AFollowingFollowerSavesItsPositionOnItsOwnThread) {
  auto engine = engine::reference::make_synthetic_reference_engine({7, 1000, 1}, {.workers = 0});
  octopus::app::SqlRepositories store((dir_ / "gateway.db").string());
  std::atomic<int> syncs{0};
  events::EventFollowerOptions options;
  options.cursor_name = "test";
  options.save_every = std::chrono::milliseconds(20);
  options.wait = std::chrono::milliseconds(20);
  options.before_save = [&] { ++syncs; };
  events::EventFollower follower(*engine, store.stream_cursors, {[](const std::vector<engine::SubscriberEvent>&) {}},
                                 options);
  follower.start();
  const auto sequence = engine->inject_event({0, engine->population().id(1), "recharge", 0, {}}).get();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (store.stream_cursors.stream_cursor("test") < sequence && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(store.stream_cursors.stream_cursor("test"), sequence);
  EXPECT_GE(syncs.load(), 1);
}

TEST_F(Sink, AFollowerReportsTheRecordsItHandledAndHowOldTheNewestWas) {
  auto engine = engine::reference::make_synthetic_reference_engine({7, 1000, 1}, {.workers = 0});
  octopus::app::SqlRepositories store((dir_ / "gateway.db").string());
  std::int64_t now_ms = kAt;
  const testing::VariableClock<std::chrono::milliseconds> clock(now_ms);
  events::EventFollowerOptions options;
  options.cursor_name = "lag-test";
  options.clock = &clock;
  events::EventFollower follower(*engine, store.stream_cursors, {[](const std::vector<engine::SubscriberEvent>&) {}},
                                 options);
  auto& m = observability::metrics();
  const std::string records = "octopus_stream_records_total{stream=\"lag-test\"}";
  const std::string lag = "octopus_stream_lag_seconds{stream=\"lag-test\"}";
  const auto records_before = m.value(records);
  const auto subscriber = engine->population().id(5);
  engine->inject_event({0, subscriber, "recharge", kAt - 4000, {}}).get();
  engine->inject_event({0, subscriber, "recharge", kAt - 2500, {}}).get();
  now_ms = kAt;
  ASSERT_EQ(follower.poll_once(std::chrono::milliseconds(0)), 2u);
  EXPECT_EQ(m.value(records) - records_before, 2);
  EXPECT_DOUBLE_EQ(m.value(lag), 2.5);  // the newest handled was 2.5 s old
  ASSERT_EQ(follower.poll_once(std::chrono::milliseconds(0)), 0u);
  EXPECT_EQ(m.value(lag), 0);  // caught up
}

// A follower that cannot get past a batch (here its listener fails, as settlement does when
// the ledger cannot be written) shows a growing lag, so the lag alert fires on a stall.
TEST_F(Sink, AStalledFollowersLagGrowsWithTheStall) {
  auto engine = engine::reference::make_synthetic_reference_engine({7, 1000, 1}, {.workers = 0});
  octopus::app::SqlRepositories store((dir_ / "gateway.db").string());
  std::atomic<std::int64_t> now_ms{kAt};
  const testing::AtomicMillisClock clock(now_ms);
  events::EventFollowerOptions options;
  options.cursor_name = "stall-test";
  options.clock = &clock;
  options.wait = std::chrono::milliseconds(10);
  events::EventFollower follower(*engine, store.stream_cursors, {[](const std::vector<engine::SubscriberEvent>& batch) {
    if (!batch.empty()) throw std::runtime_error("ledger unavailable");
  }},
                                 options);
  engine->inject_event({0, engine->population().id(3), "recharge", kAt, {}}).get();
  now_ms = kAt + 7000;  // seven seconds without a read handled
  follower.start();
  const std::string lag = "octopus_stream_lag_seconds{stream=\"stall-test\"}";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (observability::metrics().value(lag) < 7 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_DOUBLE_EQ(observability::metrics().value(lag), 7);
}

}  // namespace
}  // namespace octopus::deliveries
