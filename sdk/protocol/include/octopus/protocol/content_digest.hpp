// RFC 9530 Content-Digest over the exact content bytes of a message.
// Only the algorithms the IANA registry marks Active (sha-256, sha-512) are accepted;
// deprecated ones (md5, sha, crc32c, ...) are ignored as if absent.
#pragma once
#include <string>
#include <string_view>

namespace octopus::protocol {

// "sha-256=:<base64>:" for `content`.
std::string content_digest_sha256(std::string_view content);
// "sha-512=:<base64>:" for `content`.
std::string content_digest_sha512(std::string_view content);

enum class DigestCheck {
  ok,           // at least one active algorithm present and every active one matches
  mismatch,     // an active algorithm's digest differs from the content
  unsupported,  // well-formed, but no active algorithm (sha-256/sha-512) present
  malformed,    // not an RFC 8941 dictionary of byte sequences
};

// Checks a received Content-Digest field value against the received content bytes.
// Comparison is constant-time.
DigestCheck verify_content_digest(std::string_view field_value, std::string_view content);

}  // namespace octopus::protocol
