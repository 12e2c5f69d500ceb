// Settling orders against a real SQLite ledger: attribution, contracts in force, the monthly
// cap, reversals, and an order settled at most once whatever the stream repeats.
#include "settlement/settlement_service.hpp"

#include <filesystem>
#include <map>
#include <tuple>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "app/sql_repositories.hpp"
#include "http/formats.hpp"
#include "observability/metrics.hpp"
#include "policy/policy_set.hpp"
#include "quota/quota_periods.hpp"
#include "settlement/statement.hpp"
#include "store/resource_id.hpp"
#include "test_clock.hpp"

namespace octopus::settlement {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kDay = 86'400'000;

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

std::int64_t ms(const char* rfc3339) { return *http::parse_rfc3339(rfc3339) * 1000; }

class Settlement : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("octopus-settlement-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    fs::remove(path_);
    records_ = std::make_unique<app::SqlRepositories>(path_.string());
    for (const char* id : {"acme", "beta"}) {
      partners::Partner p;
      p.id = id;
      p.display_name = id;
      p.tier = "gold";
      p.category = "internet";
      ASSERT_EQ(records_->partners.create_partner(p), store::WriteResult::ok);
    }
    service_ = std::make_unique<SettlementService>(
        SettlementRecords{records_->settlement_ledger, records_->contracts}, touches_, [] { return shipped(); },
        clock_);
  }
  void TearDown() override {
    service_.reset();
    records_.reset();
    fs::remove(path_);
  }

  Contract contract(const std::string& partner, PricingModel model, std::int64_t rate,
                    std::optional<std::int64_t> cap = std::nullopt, const char* from = "2026-01-01T00:00:00Z",
                    const char* until = "2027-01-01T00:00:00Z") {
    Contract c;
    c.id = store::new_resource_id(store::ResourceKind::contract);
    c.partner_id = partner;
    c.product_code = "5G-PLUS";
    c.model = model;
    (model == PricingModel::cpa ? c.cpa_fen : c.cps_basis_points) = rate;
    c.monthly_cap_fen = cap;
    c.effective_from = ms(from) / 1000;
    c.effective_until = ms(until) / 1000;
    c.created_by = "test";
    c.policy_version = shipped()->version;
    return c;
  }
  void touch(std::uint64_t subscriber, const std::string& partner, std::int64_t at_ms) {
    touches_.record(subscriber, "5G-PLUS", {at_ms, partner, "ofr_" + partner, "dlv_" + partner});
  }
  engine::Conversion order(std::uint64_t subscriber, const std::string& id, std::int64_t amount, std::int64_t at_ms) {
    return {0, subscriber, "5G-PLUS", id, amount, at_ms};
  }
  std::int64_t ledger_total(const std::string& partner) {
    std::int64_t total = 0;
    for (const auto& e : records_->settlement_ledger.list_entries(partner, 0, 100000).items) total += e.amount_fen;
    return total;
  }

  fs::path path_;
  std::int64_t now_ = 1'790'000'000;
  testing::SecondsClock clock_{now_};
  TouchIndex touches_;
  std::unique_ptr<app::SqlRepositories> records_;
  std::unique_ptr<SettlementService> service_;
};

TEST_F(Settlement, AnAttributedOrderEarnsTheContractsCommissionOnce) {
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cps, 250)), store::WriteResult::ok);
  const auto at = ms("2026-11-20T10:00:00Z");
  touch(42, "acme", at - kDay);
  const auto first = service_->on_conversion(order(42, "ORD-1", 12'800, at));
  EXPECT_EQ(first.outcome.outcome, "earned");
  EXPECT_EQ(first.outcome.partner_id, "acme");
  ASSERT_EQ(first.entries.size(), 1u);
  const auto& e = first.entries[0];
  EXPECT_EQ(e.type, EntryType::earned);
  EXPECT_EQ(e.amount_fen, 320);  // 2.5 % of 128 yuan
  EXPECT_EQ(e.currency, "CNY");
  EXPECT_EQ(e.offer_id, "ofr_acme");
  EXPECT_EQ(e.policy_version, shipped()->version);
  EXPECT_TRUE(e.sequence.has_value());
  // The stream repeats the order (a restart, a retry): nothing more is written.
  const auto again = service_->on_conversion(order(42, "ORD-1", 12'800, at));
  EXPECT_TRUE(again.repeat);
  EXPECT_TRUE(again.entries.empty());
  EXPECT_EQ(again.outcome.outcome, "earned");
  EXPECT_EQ(ledger_total("acme"), 320);
  // The entry's callback went into the outbox with it, once.
  const auto events = records_->settlement_ledger.webhook_events("acme", 0, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "settlement.earned");
  EXPECT_EQ(events[0].entry_sequence, *e.sequence);
  EXPECT_EQ(events[0].id.substr(0, 4), "msg_");
}

TEST_F(Settlement, OrdersWithoutATouchOrAContractEarnNothingAndAreSettledOnce) {
  const auto at = ms("2026-11-20T10:00:00Z");
  EXPECT_EQ(service_->on_conversion(order(42, "ORD-1", 9'900, at)).outcome.outcome, "unattributed");
  touch(43, "beta", at - kDay);
  const auto no_contract = service_->on_conversion(order(43, "ORD-2", 9'900, at));
  EXPECT_EQ(no_contract.outcome.outcome, "no_contract");
  EXPECT_EQ(no_contract.outcome.partner_id, "beta");
  // A contract made later does not reach back: the order was settled when it came.
  ASSERT_EQ(records_->contracts.create_contract(contract("beta", PricingModel::cpa, 800)), store::WriteResult::ok);
  EXPECT_TRUE(service_->on_conversion(order(43, "ORD-2", 9'900, at)).repeat);
  EXPECT_EQ(ledger_total("beta"), 0);
}

TEST_F(Settlement, WhatIsSettledIsCountedOnceInTheMetrics) {
  auto& m = observability::metrics();
  const auto earned_entries = [&] { return m.value("octopus_ledger_entries_total{type=\"settlement.earned\"}"); };
  const auto orders = [&](const char* outcome) {
    return m.value(std::string("octopus_settlement_orders_total{outcome=\"") + outcome + "\"}");
  };
  const auto entries_before = earned_entries();
  const auto earned_before = orders("earned"), unattributed_before = orders("unattributed");
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cps, 250)), store::WriteResult::ok);
  const auto at = ms("2026-11-20T10:00:00Z");
  touch(42, "acme", at - kDay);
  service_->settle({order(42, "ORD-1", 12'800, at), order(7, "ORD-2", 9'900, at)});
  service_->settle({order(42, "ORD-1", 12'800, at)});  // a repeat writes, and counts, nothing
  EXPECT_EQ(earned_entries() - entries_before, 1);
  EXPECT_EQ(orders("earned") - earned_before, 1);
  EXPECT_EQ(orders("unattributed") - unattributed_before, 1);
}

TEST_F(Settlement, TheContractInForceAtTheOrdersTimePricesIt) {
  ASSERT_EQ(records_->contracts.create_contract(
                contract("acme", PricingModel::cpa, 500, std::nullopt, "2026-01-01T00:00:00Z", "2026-11-01T00:00:00Z")),
            store::WriteResult::ok);
  ASSERT_EQ(records_->contracts.create_contract(
                contract("acme", PricingModel::cpa, 700, std::nullopt, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z")),
            store::WriteResult::ok);
  EXPECT_EQ(records_->contracts.create_contract(
                contract("acme", PricingModel::cpa, 900, std::nullopt, "2026-10-15T00:00:00Z", "2026-11-15T00:00:00Z")),
            store::WriteResult::conflict)
      << "overlapping contracts are refused";
  touch(1, "acme", ms("2026-10-31T12:00:00Z"));
  EXPECT_EQ(service_->on_conversion(order(1, "ORD-A", 100, ms("2026-10-31T23:59:59Z"))).entries.at(0).amount_fen, 500);
  EXPECT_EQ(service_->on_conversion(order(1, "ORD-B", 100, ms("2026-11-01T00:00:00Z"))).entries.at(0).amount_fen, 700);
}

TEST_F(Settlement, TheMonthlyCapHoldsAndANewMonthStartsAfresh) {
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cpa, 500, 1'200)),
            store::WriteResult::ok);
  std::vector<std::int64_t> paid;
  std::vector<std::string> outcomes;
  for (int i = 0; i < 4; ++i) {
    const auto at = ms("2026-11-10T10:00:00Z") + i * 1000;
    touch(100 + i, "acme", at - 1000);
    const auto s = service_->on_conversion(order(100 + i, "ORD-" + std::to_string(i), 100, at));
    paid.push_back(s.entries.at(0).amount_fen);
    outcomes.push_back(s.outcome.outcome);
  }
  EXPECT_EQ(paid, (std::vector<std::int64_t>{500, 500, 200, 0}));
  EXPECT_EQ(outcomes, (std::vector<std::string>{"earned", "earned", "earned", "capped"}));
  const auto capped = records_->settlement_ledger.order_entries("ORD-3").at(0);
  EXPECT_EQ(capped.type, EntryType::capped);
  EXPECT_NE(capped.reason.find("monthly cap of 1200 fen"), std::string::npos) << capped.reason;
  // December, in the operator's time zone (Asia/Shanghai: 16:00 UTC on 30 November).
  const auto december = ms("2026-11-30T16:00:00Z");
  touch(200, "acme", december - 1000);
  EXPECT_EQ(service_->on_conversion(order(200, "ORD-D", 100, december)).entries.at(0).amount_fen, 500);
}

TEST_F(Settlement, ACancellationInsideTheWindowTakesBackWhatTheOrderEarnedOnce) {
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cpa, 500)), store::WriteResult::ok);
  const auto at = ms("2026-11-10T10:00:00Z");
  touch(7, "acme", at - 1000);
  touch(8, "acme", at - 1000);
  service_->on_conversion(order(7, "ORD-7", 100, at));
  service_->on_conversion(order(8, "ORD-8", 100, at));
  const auto reversed = service_->on_cancellation({"ORD-7", at + 3 * kDay});
  EXPECT_EQ(reversed.outcome.outcome, "reversed");
  ASSERT_EQ(reversed.entries.size(), 1u);
  EXPECT_EQ(reversed.entries[0].type, EntryType::reversed);
  EXPECT_EQ(reversed.entries[0].amount_fen, -500);
  EXPECT_TRUE(service_->on_cancellation({"ORD-7", at + 4 * kDay}).repeat);
  // Past the reversal window (30 days), the commission stands.
  EXPECT_EQ(service_->on_cancellation({"ORD-8", at + 31 * kDay}).outcome.outcome, "not_reversed");
  // An order never settled has nothing to take back.
  EXPECT_EQ(service_->on_cancellation({"ORD-none", at}).outcome.outcome, "not_reversed");
  EXPECT_EQ(ledger_total("acme"), 500);
}

TEST_F(Settlement, TheStoreRefusesToChangeOrRemoveLedgerEntries) {
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cpa, 500)), store::WriteResult::ok);
  const auto at = ms("2026-11-10T10:00:00Z");
  touch(7, "acme", at - 1000);
  service_->on_conversion(order(7, "ORD-7", 100, at));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  for (const char* sql :
       {"UPDATE ledger_entries SET amount_fen = 99999", "DELETE FROM ledger_entries", "DELETE FROM order_outcomes",
        "UPDATE contracts SET cpa_fen = 1", "DELETE FROM webhook_events"}) {
    char* error = nullptr;
    EXPECT_NE(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << sql;
    sqlite3_free(error);
  }
  sqlite3_close(db);
  EXPECT_EQ(ledger_total("acme"), 500);
}

// Random streams of orders, repeats and cancellations: the ledger's sum is what an
// independent reckoning of the same stream says, and no order is settled twice.
TEST_F(Settlement, RandomStreamsAddUpAndNoOrderIsSettledTwice) {
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cps, 375, 40'000)),
            store::WriteResult::ok);
  std::mt19937_64 rng(20261206);
  const auto start = ms("2026-11-01T00:00:00Z");
  std::map<std::string, std::int64_t> earned;  // order → what it earned (the reckoning)
  std::int64_t month_earned = 0, expected = 0;
  int reversals = 0, repeats = 0;
  for (int i = 0; i < 600; ++i) {
    const auto at = start + i * 60'000;
    const std::uint64_t subscriber = 1 + rng() % 50;
    if (rng() % 3 != 0) touch(subscriber, "acme", at - 1000);
    const std::string id = "ORD-" + std::to_string(rng() % 400);  // ids repeat: the stream replays
    const std::int64_t amount = static_cast<std::int64_t>(rng() % 50'000);
    const auto s = service_->on_conversion(order(subscriber, id, amount, at));
    repeats += s.repeat ? 1 : 0;
    if (!s.repeat && s.outcome.outcome != "unattributed") {
      const std::int64_t commission = (amount * 375 + 5000) / 10000;
      const std::int64_t paid = std::min(commission, std::max<std::int64_t>(0, 40'000 - month_earned));
      month_earned += paid;
      earned[id] = paid;
      expected += paid;
    }
    if (rng() % 5 == 0 && !earned.empty()) {
      auto victim = earned.begin();
      std::advance(victim, static_cast<long>(rng() % earned.size()));
      const auto cancelled = service_->on_cancellation({victim->first, at});
      if (!cancelled.repeat) expected -= victim->second;
      reversals += cancelled.outcome.outcome == "reversed" && !cancelled.repeat ? 1 : 0;
    }
  }
  EXPECT_EQ(ledger_total("acme"), expected);
  // The month's statement says the same, to the fen.
  const auto month = quota::quota_periods(*shipped(), now_);
  const auto statement =
      build_statement("this", month.month_starts_at, month.month_ends_at,
                      records_->settlement_ledger.entries_recorded("acme", month.month_starts_at, month.month_ends_at));
  EXPECT_EQ(statement.net_fen, expected);
  EXPECT_EQ(statement.entries, records_->settlement_ledger.list_entries("acme", 0, 100000).items.size());
  std::map<std::string, int> settlements;
  for (const auto& e : records_->settlement_ledger.list_entries("acme", 0, 100000).items)
    if (e.type != EntryType::reversed) ++settlements[e.order_id];
  for (const auto& [order_id, n] : settlements) EXPECT_EQ(n, 1) << order_id;
  // Every entry has exactly one callback waiting in the outbox.
  EXPECT_EQ(records_->settlement_ledger.webhook_events("acme", 0, 100000).size(),
            records_->settlement_ledger.list_entries("acme", 0, 100000).items.size());
  EXPECT_EQ(month_earned, 40'000) << "the stream is long enough to reach the cap";
  EXPECT_GT(reversals, 10);
  EXPECT_GT(repeats, 100);
}

// Group commit changes nothing but the number of transactions: a stream with repeats, caps
// crossed and cancellations of orders in the same batch, settled in random batches, leaves
// exactly the ledger that settling it one event at a time leaves.
TEST_F(Settlement, ABatchSettlesExactlyAsOneEventAtATime) {
  const auto terms = contract("acme", PricingModel::cps, 500, 30'000);
  ASSERT_EQ(records_->contracts.create_contract(terms), store::WriteResult::ok);
  std::mt19937_64 rng(61206);
  const auto start = ms("2026-11-01T00:00:00Z");
  std::vector<engine::Conversion> stream;
  for (int i = 0; i < 400; ++i) {
    const auto at = start + i * 60'000;
    const std::uint64_t subscriber = 1 + rng() % 40;
    if (rng() % 4 != 0) touch(subscriber, "acme", at - 1000);
    const std::string id = "ORD-" + std::to_string(rng() % 250);
    if (rng() % 4 == 0) {
      engine::Conversion cancel;
      cancel.kind = engine::ConversionKind::cancellation;
      cancel.order_id = id;
      cancel.at_ms = at;
      stream.push_back(cancel);
    } else {
      stream.push_back(order(subscriber, id, static_cast<std::int64_t>(rng() % 40'000), at));
    }
  }
  for (const auto& c : stream) service_->settle({c});

  const auto other_path = fs::path(path_.string() + ".batched");
  fs::remove(other_path);
  {
    app::SqlRepositories batched(other_path.string());
    partners::Partner p;
    p.id = p.display_name = "acme";
    p.tier = "gold";
    p.category = "internet";
    ASSERT_EQ(batched.partners.create_partner(p), store::WriteResult::ok);
    ASSERT_EQ(batched.contracts.create_contract(terms), store::WriteResult::ok);
    SettlementService service(
        SettlementRecords{batched.settlement_ledger, batched.contracts}, touches_, [] { return shipped(); }, clock_);
    for (std::size_t at = 0; at < stream.size();) {
      const auto n = std::min<std::size_t>(1 + rng() % 40, stream.size() - at);
      service.settle({stream.begin() + static_cast<long>(at), stream.begin() + static_cast<long>(at + n)});
      at += n;
    }
    auto summary = [](LedgerRepository& ledger) {
      std::vector<std::tuple<std::string, EntryType, std::int64_t>> out;
      for (const auto& e : ledger.list_entries("acme", 0, 100000).items)
        out.emplace_back(e.order_id, e.type, e.amount_fen);
      return out;
    };
    const auto one_by_one = summary(records_->settlement_ledger);
    EXPECT_EQ(summary(batched.settlement_ledger), one_by_one);
    EXPECT_EQ(batched.settlement_ledger.outcome_counts(), records_->settlement_ledger.outcome_counts());
    EXPECT_GT(one_by_one.size(), 100u);
    EXPECT_GT(records_->settlement_ledger.outcome_counts()["capped"], 0u) << "the cap is crossed";
    EXPECT_GT(records_->settlement_ledger.outcome_counts()["reversed"], 0u);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(other_path.string() + suffix);
}

// The attribution and reversal windows are the product's class's (settlement.yaml): an
// add-on (3 days, 7 to reverse) is not brought by a message 4 days old, nor reversed 8 days on.
TEST_F(Settlement, EachProductClassHasItsOwnWindows) {
  auto terms = contract("acme", PricingModel::cpa, 300);
  terms.product_code = "DATA-20G";
  ASSERT_EQ(records_->contracts.create_contract(terms), store::WriteResult::ok);
  const auto at = ms("2026-11-10T10:00:00Z");
  touches_.record(1, "DATA-20G", {at - 4 * kDay, "acme", "ofr_acme", "dlv_acme"});
  touches_.record(2, "DATA-20G", {at - 2 * kDay, "acme", "ofr_acme", "dlv_acme"});
  EXPECT_EQ(service_->on_conversion({0, 1, "DATA-20G", "ORD-OLD", 1'000, at}).outcome.outcome, "unattributed");
  EXPECT_EQ(service_->on_conversion({0, 2, "DATA-20G", "ORD-NEW", 1'000, at}).outcome.outcome, "earned");
  EXPECT_EQ(service_->on_cancellation({"ORD-NEW", at + 8 * kDay}).outcome.outcome, "not_reversed");
  // 5G-PLUS has the default windows: 7 days back, 30 to reverse.
  ASSERT_EQ(records_->contracts.create_contract(contract("acme", PricingModel::cpa, 500)), store::WriteResult::ok);
  touch(3, "acme", at - 6 * kDay);
  EXPECT_EQ(service_->on_conversion(order(3, "ORD-5G", 1'000, at)).outcome.outcome, "earned");
  EXPECT_EQ(service_->on_cancellation({"ORD-5G", at + 8 * kDay}).outcome.outcome, "reversed");
}

}  // namespace
}  // namespace octopus::settlement
