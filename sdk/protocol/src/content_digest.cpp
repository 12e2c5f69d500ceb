#include "octopus/protocol/content_digest.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <vector>

#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "octopus/protocol/structured_fields.hpp"

namespace octopus::protocol {
namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::array<std::uint8_t, crypto_hash_sha256_BYTES> sha256(std::string_view content) {
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256(out.data(), bytes_of(content), content.size());
  return out;
}

std::array<std::uint8_t, crypto_hash_sha512_BYTES> sha512(std::string_view content) {
  std::array<std::uint8_t, crypto_hash_sha512_BYTES> out{};
  crypto_hash_sha512(out.data(), bytes_of(content), content.size());
  return out;
}

template <std::size_t N>
bool digest_matches(const std::vector<std::uint8_t>& received, const std::array<std::uint8_t, N>& expected) {
  // The length is public (fixed per algorithm); only the bytes need constant-time comparison.
  return received.size() == N && sodium_memcmp(received.data(), expected.data(), N) == 0;
}

}  // namespace

std::string content_digest_sha256(std::string_view content) {
  const auto digest = sha256(content);
  return "sha-256=:" + base64_encode(digest.data(), digest.size()) + ":";
}

std::string content_digest_sha512(std::string_view content) {
  const auto digest = sha512(content);
  return "sha-512=:" + base64_encode(digest.data(), digest.size()) + ":";
}

DigestCheck verify_content_digest(std::string_view field_value, std::string_view content) {
  ensure_sodium_initialised();
  const auto dict = sf::parse_dictionary(field_value);
  if (!dict) return DigestCheck::malformed;

  // Check the whole field's shape first, so a malformed member is reported as such even when
  // an earlier active member already mismatched.
  for (const auto& [algorithm, member] : *dict) {
    const auto* item = std::get_if<sf::Item>(&member);
    if (item == nullptr || !std::holds_alternative<sf::ByteSequence>(item->value)) {
      return DigestCheck::malformed;
    }
  }

  bool any_active = false;
  bool all_match = true;
  for (const auto& [algorithm, member] : *dict) {
    const auto& received = std::get<sf::ByteSequence>(std::get<sf::Item>(member).value).bytes;
    if (algorithm == "sha-256") {
      any_active = true;
      all_match = digest_matches(received, sha256(content)) && all_match;
    } else if (algorithm == "sha-512") {
      any_active = true;
      all_match = digest_matches(received, sha512(content)) && all_match;
    }
    // Deprecated or unknown algorithms are ignored, as if absent (RFC 9530 §5).
  }
  if (!any_active) return DigestCheck::unsupported;
  return all_match ? DigestCheck::ok : DigestCheck::mismatch;
}

}  // namespace octopus::protocol
