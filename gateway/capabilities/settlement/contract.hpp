// What the operator pays a partner for the orders its messages bring: one contract per
// partner and product for a span of time, priced per order (CPA: a fixed sum) or as a share
// of the order (CPS: basis points of its amount), with an optional monthly cap. Money is
// integer fen (CNY) everywhere; nothing on the money path is floating point.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace octopus::settlement {

enum class PricingModel { cpa, cps };

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

}  // namespace octopus::settlement
