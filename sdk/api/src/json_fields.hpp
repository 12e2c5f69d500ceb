// Field-by-field JSON mapping used by the generated models_json.cpp: an absent optional is
// left out when writing and read back as nullopt; a missing required field is a
// ProtocolError naming it (the gateway broke partner.yaml's promise); unknown fields are
// ignored so that a newer gateway does not break an older SDK.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "octopus/sdk/errors.hpp"
#include "octopus/sdk/json_value.hpp"

namespace octopus {

void to_json(nlohmann::json& j, const JsonValue& v);
void from_json(const nlohmann::json& j, JsonValue& v);

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
void put(nlohmann::json& j, const char* key, const T& value) {
  if constexpr (is_optional<T>::value) {
    if (value) j[key] = *value;
  } else {
    j[key] = value;
  }
}

// A JSON number read into an integer field must be an integer that fits: 1.5, 2^63 or 1e20
// in an amount is a broken answer, not a value to truncate.
template <class T>
T read_value(const nlohmann::json& value, const char* key) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    const bool fits =
        value.is_number_integer() &&
        (!value.is_number_unsigned() || value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX));
    if (!fits) throw ProtocolError(std::string("the gateway's '") + key + "' is not a 64-bit integer");
  }
  return value.template get<T>();
}

template <class T>
void take(const nlohmann::json& j, const char* key, T& out) {
  const auto it = j.find(key);
  const bool absent = it == j.end() || it->is_null();
  if constexpr (is_optional<T>::value) {
    if (absent)
      out.reset();
    else
      out = read_value<typename T::value_type>(*it, key);
  } else {
    if (absent) throw ProtocolError(std::string("the gateway's answer lacks the required field '") + key + "'");
    out = read_value<T>(*it, key);
  }
}

}  // namespace detail
}  // namespace octopus
