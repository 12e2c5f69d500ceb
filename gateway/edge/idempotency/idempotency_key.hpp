// The Idempotency-Key request field (draft-ietf-httpapi-idempotency-key-header): an RFC 8941
// String, `"8e03978e-40d5-43e8-bc93-6894a57f9324"`, or the bare form many clients send,
// `8e03978e-40d5-43e8-bc93-6894a57f9324`. Both name the same key.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace octopus::idempotency {

inline constexpr std::size_t kMaxKeyLength = 255;

// The key, or nullopt with `why` set when the field is not a valid key: empty, longer than
// 255 characters, or holding anything but visible ASCII (no spaces, quotes or backslashes
// inside the key; a quoted form must be closed).
std::optional<std::string> parse_idempotency_key(std::string_view field, std::string& why);

// What identifies "the same request" for a key: method, target and body, hashed (SHA-256, hex).
std::string request_fingerprint(std::string_view method, std::string_view target, std::string_view body);

}  // namespace octopus::idempotency
