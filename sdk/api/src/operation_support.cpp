#include "operation_support.hpp"

namespace octopus::detail {

std::string percent_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

void Query::add(const char* name, const std::string& value) {
  if (!text_.empty()) text_ += '&';
  text_ += name;
  text_ += '=';
  text_ += percent_encode(value);
}

}  // namespace octopus::detail
