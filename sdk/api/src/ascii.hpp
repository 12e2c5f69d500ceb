// ASCII helpers for header names and tokens (HTTP field names are case-insensitive).
#pragma once
#include <cctype>
#include <string_view>

namespace octopus::detail {

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace octopus::detail
