#include <stdexcept>

#include "json_fields.hpp"

namespace octopus {

// Lets the library build a JsonValue from already-valid JSON without reparsing it.
struct JsonValueAccess {
  static JsonValue make(std::string text) { return JsonValue(std::move(text)); }
};

JsonValue JsonValue::parse(const std::string& text) {
  try {
    return JsonValue(nlohmann::json::parse(text).dump());
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("not JSON: ") + e.what());
  }
}

void to_json(nlohmann::json& j, const JsonValue& v) { j = nlohmann::json::parse(v.text()); }

void from_json(const nlohmann::json& j, JsonValue& v) { v = JsonValueAccess::make(j.dump()); }

}  // namespace octopus
