#include "store/resource_id.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdio>

namespace octopus::store {

std::string_view prefix_of(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::audience: return "aud_";
    case ResourceKind::offer: return "ofr_";
    case ResourceKind::delivery: return "dlv_";
    case ResourceKind::trigger: return "trg_";
    case ResourceKind::contract: return "ctr_";
    case ResourceKind::settlement_entry: return "stl_";
    case ResourceKind::webhook_endpoint: return "whe_";
    case ResourceKind::webhook_event: return "msg_";
  }
  return "";
}

bool is_resource_id(ResourceKind kind, std::string_view text) {
  const auto prefix = prefix_of(kind);
  if (text.size() != prefix.size() + 28 || !text.starts_with(prefix)) return false;
  for (char c : text.substr(prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string new_resource_id(ResourceKind kind) {
  const auto prefix = prefix_of(kind);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
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
