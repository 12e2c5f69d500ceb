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

std::int64_t MessagePrices::fen_for(std::string_view channel) const {
  if (channel == "sms") return sms_fen;
  if (channel == "push") return push_fen;
  if (channel == "outbound_call") return outbound_call_fen;
  return 0;
}

std::int64_t message_charge_fen(const Contract& contract, std::string_view channel, std::int64_t messages,
                                std::int64_t segments) {
  if (messages < 0 || messages > 1'000'000'000 || segments < 1 || segments > 10)
    throw std::invalid_argument("message count or segments out of range");
  const auto per_message = contract.message_prices.fen_for(channel);
  const bool by_segment = channel == "sms" && contract.message_prices.sms_per_segment;
  return messages * per_message * (by_segment ? segments : 1);
}

}  // namespace octopus::settlement
