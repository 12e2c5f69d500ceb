#include "settlement/ledger_repository.hpp"

namespace octopus::settlement {

std::string_view to_string(EntryType type) {
  switch (type) {
    case EntryType::earned: return "settlement.earned";
    case EntryType::reversed: return "settlement.reversed";
    case EntryType::capped: return "settlement.capped";
    case EntryType::charged: return "charge.messages";
    case EntryType::adjusted: return "adjustment";
  }
  return "";
}

std::optional<EntryType> parse_entry_type(std::string_view text) {
  for (const auto type :
       {EntryType::earned, EntryType::reversed, EntryType::capped, EntryType::charged, EntryType::adjusted})
    if (to_string(type) == text) return type;
  return std::nullopt;
}

std::string_view to_string(OrderEvent event) { return event == OrderEvent::conversion ? "conversion" : "cancellation"; }

std::optional<OrderEvent> parse_order_event(std::string_view text) {
  if (text == "conversion") return OrderEvent::conversion;
  if (text == "cancellation") return OrderEvent::cancellation;
  return std::nullopt;
}

}  // namespace octopus::settlement
