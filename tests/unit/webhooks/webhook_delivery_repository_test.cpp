// The dispatcher's books in the embedded database: a queued event is queued once however
// often the outbox is read again, the outbox position moves with it, a deleted endpoint's
// deliveries are never due, and a replay starts a delivery over.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "app/sql_repositories.hpp"

namespace octopus::webhooks {
namespace {

namespace fs = std::filesystem;

class DeliveryBooks : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("octopus-webhooks-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    fs::remove(path_);
    records_ = std::make_unique<app::SqlRepositories>(path_.string());
    partners::Partner p;
    p.id = p.display_name = "acme";
    p.tier = "gold";
    p.category = "internet";
    ASSERT_EQ(records_->partners.create_partner(p), store::WriteResult::ok);
    for (const char* id : {"whe_0000000000000000000000000001", "whe_0000000000000000000000000002"}) {
      WebhookEndpoint e;
      e.id = id;
      e.partner_id = "acme";
      e.url = "https://hooks.acme.example/";
      e.event_types = {"settlement.earned"};
      e.payload_version = "2026-12-01";
      e.secret = "whsec_x";
      ASSERT_EQ(records_->webhook_endpoints.create_endpoint(e), store::WriteResult::ok);
    }
  }
  void TearDown() override {
    records_.reset();
    fs::remove(path_);
  }

  static WebhookDelivery delivery(const std::string& endpoint, const std::string& event, std::int64_t due_ms) {
    WebhookDelivery d;
    d.endpoint_id = endpoint;
    d.event_id = event;
    d.partner_id = "acme";
    d.type = "settlement.earned";
    d.payload = "{}";
    d.next_attempt_at_ms = due_ms;
    return d;
  }

  fs::path path_;
  std::unique_ptr<app::SqlRepositories> records_;
  const std::string one = "whe_0000000000000000000000000001", two = "whe_0000000000000000000000000002";
};

TEST_F(DeliveryBooks, AnEventIsQueuedOnceAndThePositionMovesWithIt) {
  auto& books = records_->webhook_deliveries;
  EXPECT_EQ(books.queued_through(), 0);
  books.queue({delivery(one, "msg_a", 1'000), delivery(two, "msg_a", 1'000)}, 7);
  EXPECT_EQ(books.queued_through(), 7);
  auto again = delivery(one, "msg_a", 5'000);
  again.payload = R"({"changed":true})";
  books.queue({again}, 7);  // the outbox read again after a crash
  EXPECT_EQ(books.delivery(one, "msg_a")->payload, "{}") << "the first queuing stands";
  EXPECT_EQ(books.due(one, 1'000, 10).size(), 1u);
  EXPECT_EQ(books.due(one, 999, 10).size(), 0u);
  EXPECT_EQ(books.next_due_ms(), 1'000);
}

TEST_F(DeliveryBooks, OutcomesAreRecordedAndADeletedEndpointsDeliveriesAreNeverDue) {
  auto& books = records_->webhook_deliveries;
  books.queue({delivery(one, "msg_a", 1'000), delivery(two, "msg_b", 1'000)}, 2);
  EXPECT_EQ(books.endpoints_due(1'000), (std::vector<std::string>{one, two}));
  auto d = *books.delivery(one, "msg_a");
  d.state = DeliveryState::dead;
  d.attempts = 8;
  d.last_status = 500;
  d.last_error = "HTTP 500";
  books.record({d});
  EXPECT_EQ(books.delivery(one, "msg_a")->state, DeliveryState::dead);
  EXPECT_EQ(books.list(one, DeliveryState::dead, std::nullopt, 10).items.size(), 1u);
  EXPECT_EQ(books.list(one, DeliveryState::pending, std::nullopt, 10).items.size(), 0u);
  ASSERT_EQ(records_->webhook_endpoints.delete_endpoint("acme", two, 5), store::WriteResult::ok);
  EXPECT_TRUE(books.endpoints_due(1'000).empty());
  EXPECT_FALSE(books.next_due_ms()) << "nothing a live endpoint waits for";
  const auto health = books.health();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health[0].dead, 1u);
  EXPECT_EQ(health[1].pending, 1u);

  // A replay starts the dead delivery over, keeping its payload.
  books.requeue({delivery(one, "msg_a", 2'000)});
  const auto replayed = *books.delivery(one, "msg_a");
  EXPECT_EQ(replayed.state, DeliveryState::pending);
  EXPECT_EQ(replayed.attempts, 0);
  EXPECT_EQ(replayed.next_attempt_at_ms, 2'000);
  EXPECT_EQ(replayed.last_error, "");
}

}  // namespace
}  // namespace octopus::webhooks
