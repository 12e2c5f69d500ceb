// Byte-exact vectors shared by the protocol tests (RFC 9421 Appendix B.1.4/B.2.6, a project vector, RFC 9530; sources
// in docs/standards.md §3–§5).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "octopus/protocol/http_message.hpp"

namespace octopus::protocol::test {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    return static_cast<std::uint8_t>(c - 'a' + 10);
  };
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(std::string_view hex) {
  const auto bytes = from_hex(hex);
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N && i < bytes.size(); ++i) out[i] = bytes[i];
  return out;
}

// SHA-256 of `data` as lowercase hex, computed through the library's own digest function
// so the tests need no crypto library of their own.
inline std::string sha256_hex(std::string_view data) {
  const std::string field = content_digest_sha256(data);  // sha-256=:<b64>:
  const auto raw = base64_decode(field.substr(9, field.size() - 10));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto b : raw.value()) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

inline constexpr std::string_view kTestKeySeedHex = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
inline constexpr std::string_view kTestKeyPublicHex =
    "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb";

inline constexpr std::string_view kTestKeyPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n";
inline constexpr std::string_view kTestKeyPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n";

inline Ed25519PrivateKey test_key() { return Ed25519PrivateKey::from_seed(array_from_hex<32>(kTestKeySeedHex)); }
inline Ed25519PublicKey test_public_key() { return array_from_hex<32>(kTestKeyPublicHex); }

// RFC 9421 Appendix B.2 "test-request".
inline std::vector<HeaderField> rfc_test_request_headers() {
  return {
      {"Host", "example.com"},
      {"Date", "Tue, 20 Apr 2021 02:07:55 GMT"},
      {"Content-Type", "application/json"},
      {"Content-Digest",
       "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
      {"Content-Length", "18"},
  };
}

inline RequestView rfc_test_request(const std::vector<HeaderField>& headers) {
  return RequestView{"POST", "https", "example.com", "/foo?param=Value&Pet=dog", &headers};
}

inline constexpr std::string_view kB26SignatureInput =
    "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ed25519\"";
inline constexpr std::string_view kB26Signature =
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
inline constexpr std::string_view kB26Base =
    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
    "\"@method\": POST\n"
    "\"@path\": /foo\n"
    "\"@authority\": example.com\n"
    "\"content-type\": application/json\n"
    "\"content-length\": 18\n"
    "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ed25519\"";
inline constexpr std::string_view kB26BaseSha256 = "e6402577f54303accfda63dfbde1a7b8c5e5e6f3f7898637b7d78dc07ee1896a";

}  // namespace octopus::protocol::test
