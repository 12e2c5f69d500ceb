#include "settlement/contract.hpp"

#include <algorithm>
#include <stdexcept>

namespace octopus::settlement {

std::string_view to_string(PricingModel model) { return model == PricingModel::cpa ? "cpa" : "cps"; }

std::optional<PricingModel> parse_pricing_model(std::string_view text) {
  if (text == "cpa") return PricingModel::cpa;
  if (text == "cps") return PricingModel::cps;
  return std::nullopt;
}

std::int64_t commission_fen(const Contract& contract, std::int64_t order_fen) {
  if (order_fen < 0 || order_fen > kMaxOrderFen)
    throw std::invalid_argument("an order amount must be 0 to " + std::to_string(kMaxOrderFen) + " fen");
  if (contract.model == PricingModel::cpa) return contract.cpa_fen;
  return (order_fen * contract.cps_basis_points + 5000) / 10000;
}

Pricing price_order(const Contract& contract, std::int64_t order_fen, std::int64_t earned_this_month_fen) {
  Pricing p;
  p.uncapped_fen = commission_fen(contract, order_fen);
  p.paid_fen = p.uncapped_fen;
  if (contract.monthly_cap_fen) {
    const std::int64_t room = std::max<std::int64_t>(0, *contract.monthly_cap_fen - earned_this_month_fen);
    p.paid_fen = std::min(p.uncapped_fen, room);
  }
  p.over_cap_fen = p.uncapped_fen - p.paid_fen;
  return p;
}

}  // namespace octopus::settlement
