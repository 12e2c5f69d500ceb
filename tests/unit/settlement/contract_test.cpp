// Commission arithmetic: integer fen, CPS rounding half up, caps crossed inside one order.
#include "settlement/contract.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace octopus::settlement {
namespace {

Contract cpa(std::int64_t fen, std::optional<std::int64_t> cap = std::nullopt) {
  Contract c;
  c.model = PricingModel::cpa;
  c.cpa_fen = fen;
  c.monthly_cap_fen = cap;
  return c;
}

Contract cps(std::int64_t basis_points, std::optional<std::int64_t> cap = std::nullopt) {
  Contract c;
  c.model = PricingModel::cps;
  c.cps_basis_points = basis_points;
  c.monthly_cap_fen = cap;
  return c;
}

TEST(Commission, CpaPaysItsFixedSumWhateverTheOrder) {
  EXPECT_EQ(commission_fen(cpa(1500), 0), 1500);
  EXPECT_EQ(commission_fen(cpa(1500), 99'900), 1500);
}

TEST(Commission, CpsRoundsHalfUpToTheFen) {
  EXPECT_EQ(commission_fen(cps(250), 10'000), 250);  // 2.5 % of 100 yuan
  EXPECT_EQ(commission_fen(cps(250), 20), 1);        // 0.5 fen → 1
  EXPECT_EQ(commission_fen(cps(250), 19), 0);        // 0.475 fen → 0
  EXPECT_EQ(commission_fen(cps(333), 1'001), 33);    // 33.3333 fen → 33
  EXPECT_EQ(commission_fen(cps(10'000), 12'345), 12'345);
  EXPECT_EQ(commission_fen(cps(1), kMaxOrderFen), 1'000'000);  // the largest order stays exact
}

TEST(Commission, AmountsOutsideTheRangeAreRefused) {
  EXPECT_THROW(commission_fen(cps(100), -1), std::invalid_argument);
  EXPECT_THROW(commission_fen(cps(100), kMaxOrderFen + 1), std::invalid_argument);
}

TEST(Commission, TheCapIsCrossedInsideOneOrderAndNoFurther) {
  const auto contract = cpa(500, 1'200);
  EXPECT_EQ(price_order(contract, 0, 0).paid_fen, 500);
  EXPECT_EQ(price_order(contract, 0, 1'000).paid_fen, 200);  // crosses: pays the rest of the cap
  EXPECT_EQ(price_order(contract, 0, 1'000).over_cap_fen, 300);
  EXPECT_EQ(price_order(contract, 0, 1'200).paid_fen, 0);  // reached
  EXPECT_EQ(price_order(contract, 0, 1'500).paid_fen, 0);  // past it (a cap lowered by a new contract)
  EXPECT_EQ(price_order(contract, 0, 1'500).uncapped_fen, 500);
  EXPECT_EQ(price_order(cpa(500), 0, 1'000'000).paid_fen, 500);  // no cap
}

TEST(Contract, CoversFromItsStartUntilBeforeItsEnd) {
  Contract c = cpa(1);
  c.effective_from = 100;
  c.effective_until = 200;
  EXPECT_FALSE(c.covers(99));
  EXPECT_TRUE(c.covers(100));
  EXPECT_TRUE(c.covers(199));
  EXPECT_FALSE(c.covers(200));
}

// Message charges: fen per delivered message by channel, SMS per segment when the contract
// says so, nothing for a channel it does not price; absurd counts refused.
TEST(MessageCharges, PricePerMessageOrPerSmsSegmentByChannel) {
  auto c = cpa(0);
  c.message_prices.sms_fen = 4;
  c.message_prices.push_fen = 1;
  EXPECT_EQ(message_charge_fen(c, "sms", 1'000, 3), 4'000);
  EXPECT_EQ(message_charge_fen(c, "push", 1'000, 1), 1'000);
  EXPECT_EQ(message_charge_fen(c, "outbound_call", 1'000, 1), 0);
  c.message_prices.sms_per_segment = true;
  EXPECT_EQ(message_charge_fen(c, "sms", 1'000, 3), 12'000);
  EXPECT_EQ(message_charge_fen(c, "push", 1'000, 3), 1'000) << "segments are an SMS matter";
  c.message_prices.sms_fen = 100'000;
  EXPECT_EQ(message_charge_fen(c, "sms", 1'000'000'000, 10), 1'000'000'000'000'000) << "no overflow at the bounds";
  EXPECT_THROW(message_charge_fen(c, "sms", 1'000'000'001, 1), std::invalid_argument);
  EXPECT_THROW(message_charge_fen(c, "sms", -1, 1), std::invalid_argument);
  EXPECT_THROW(message_charge_fen(c, "sms", 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace octopus::settlement
