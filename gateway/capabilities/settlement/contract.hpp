// What the operator pays a partner for the orders its messages bring: one contract per
// partner and product for a span of time, priced per order (CPA: a fixed sum) or as a share
// of the order (CPS: basis points of its amount), with an optional monthly cap. Money is
// integer fen (CNY) everywhere; nothing on the money path is floating point.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace octopus::settlement {

enum class PricingModel { cpa, cps };

// What the partner pays per message it has the operator send (the partner, not the
// subscriber, pays for its marketing): fen per delivered message by channel, and for SMS
// optionally per segment. 0: the channel is not charged.
struct MessagePrices {
  std::int64_t sms_fen = 0, push_fen = 0, outbound_call_fen = 0;
  bool sms_per_segment = false;
  std::int64_t fen_for(std::string_view channel) const;  // "sms", "push", "outbound_call"
  bool any() const { return sms_fen > 0 || push_fen > 0 || outbound_call_fen > 0; }
};

std::string_view to_string(PricingModel model);
std::optional<PricingModel> parse_pricing_model(std::string_view text);

struct Contract {
  std::string id;  // "ctr_..."
  std::string partner_id;
  std::string product_code;
  PricingModel model = PricingModel::cpa;
  std::int64_t cpa_fen = 0;                     // CPA: paid per order
  std::int64_t cps_basis_points = 0;            // CPS: 1..10000 of the order's amount
  std::optional<std::int64_t> monthly_cap_fen;  // none: no cap
  MessagePrices message_prices;                 // charges for the offer's deliveries
  std::int64_t effective_from = 0;              // Unix seconds, inclusive
  std::int64_t effective_until = 0;             // Unix seconds, exclusive
  std::string created_by;
  std::string policy_version;  // the policies in force when it was made
  std::int64_t created_at = 0;

  bool covers(std::int64_t at_seconds) const { return effective_from <= at_seconds && at_seconds < effective_until; }
};

// The largest order amount the arithmetic accepts (100 million yuan): amount × 10000 stays far
// inside 64 bits.
inline constexpr std::int64_t kMaxOrderFen = 10'000'000'000;

// The commission an order of `order_fen` earns under `contract`, before any cap.
// CPS rounds half up to the fen: (order × basis points + 5000) / 10000, so 0.5 fen pays 1 fen
// and 0.49 fen pays nothing. Throws std::invalid_argument for an amount outside
// 0..kMaxOrderFen.
std::int64_t commission_fen(const Contract& contract, std::int64_t order_fen);

// What one order is paid once the month's cap is applied.
struct Pricing {
  std::int64_t paid_fen = 0;      // what the ledger credits (0 when the cap is already reached)
  std::int64_t uncapped_fen = 0;  // what the contract would pay without a cap
  std::int64_t over_cap_fen = 0;  // uncapped - paid
};

// `earned_this_month_fen`: what the contract has already earned for orders of the same
// month (reversals do not give room back). The cap can be crossed inside one order: it then
// pays the rest of the cap and no more.
Pricing price_order(const Contract& contract, std::int64_t order_fen, std::int64_t earned_this_month_fen);

// What `messages` delivered messages on `channel` cost the partner (positive fen), each of
// `segments` SMS segments when the contract prices SMS per segment. Throws
// std::invalid_argument beyond 10^9 messages or 10 segments (far past any real delivery,
// and the product stays far inside 64 bits).
std::int64_t message_charge_fen(const Contract& contract, std::string_view channel, std::int64_t messages,
                                std::int64_t segments);

}  // namespace octopus::settlement
