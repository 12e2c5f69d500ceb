#include "store/resource_id.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdio>

namespace octopus::store {

std::string new_resource_id(std::string_view prefix) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  unsigned char random[8];
  randombytes_buf(random, sizeof random);
  char time_hex[16];
  std::snprintf(time_hex, sizeof time_hex, "%012llx", static_cast<unsigned long long>(ms));
  std::string id(prefix);
  id += time_hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : random) {
    id += kHex[b >> 4];
    id += kHex[b & 0x0F];
  }
  return id;
}

}  // namespace octopus::store
