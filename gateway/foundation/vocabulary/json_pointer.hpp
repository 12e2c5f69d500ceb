// RFC 6901 JSON Pointers, as every error that names a place in a document writes them (the
// API's problem details, the policy files' errors, the schema checks).
#pragma once

#include <string>
#include <string_view>

namespace octopus::vocabulary {

// One reference token escaped: "~" → "~0", "/" → "~1", so names such as "dpv:X" or "a/b"
// stay one token.
inline std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// `pointer` + "/" + the escaped token: the pointer of one member or item.
inline std::string child_pointer(const std::string& pointer, std::string_view token) {
  return pointer + "/" + escape_pointer_token(token);
}

}  // namespace octopus::vocabulary
