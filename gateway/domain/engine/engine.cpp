#include "engine/engine.hpp"

namespace octopus::engine {

std::string_view to_string(ConsentState s) {
  switch (s) {
    case ConsentState::granted: return "granted";
    case ConsentState::withdrawn: return "withdrawn";
    case ConsentState::none: break;
  }
  return "none";
}

std::optional<ConsentState> parse_consent_state(std::string_view s) {
  if (s == "granted") return ConsentState::granted;
  if (s == "withdrawn") return ConsentState::withdrawn;
  if (s == "none") return ConsentState::none;
  return std::nullopt;
}

std::string_view to_string(ConversionKind kind) { return kind == ConversionKind::order ? "order" : "cancellation"; }

std::optional<ConversionKind> parse_conversion_kind(std::string_view text) {
  if (text == "order") return ConversionKind::order;
  if (text == "cancellation") return ConversionKind::cancellation;
  return std::nullopt;
}

}  // namespace octopus::engine
