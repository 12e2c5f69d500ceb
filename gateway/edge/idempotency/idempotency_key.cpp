#include "idempotency/idempotency_key.hpp"

#include <sodium.h>

namespace octopus::idempotency {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool visible_key_char(char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; }

}  // namespace

std::optional<std::string> parse_idempotency_key(std::string_view field, std::string& why) {
  std::string_view key = trim(field);
  if (!key.empty() && key.front() == '"') {
    if (key.size() < 2 || key.back() != '"') {
      why = "Idempotency-Key opens a quoted string it does not close.";
      return std::nullopt;
    }
    key = key.substr(1, key.size() - 2);
  }
  if (key.empty()) {
    why = "Idempotency-Key is empty.";
    return std::nullopt;
  }
  if (key.size() > kMaxKeyLength) {
    why = "Idempotency-Key is longer than 255 characters.";
    return std::nullopt;
  }
  for (char c : key)
    if (!visible_key_char(c)) {
      why =
          "Idempotency-Key may hold only visible ASCII characters other than quotes and backslashes; a UUID is "
          "recommended.";
      return std::nullopt;
    }
  return std::string(key);
}

std::string request_fingerprint(std::string_view method, std::string_view target, std::string_view body) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const auto add = [&](std::string_view part) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  };
  add(method);
  add("\n");
  add(target);
  add("\n");
  add(body);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace octopus::idempotency
