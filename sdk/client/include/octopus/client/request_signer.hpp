// Signs partner requests the way the gateway requires (docs/standards.md §2): Content-Digest
// (sha-256) for any body, then one RFC 9421 ed25519 signature covering @method,
// @authority, @path, @query (when present), content-digest and idempotency-key (when
// sent), with created, a fresh nonce and keyid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "octopus/protocol/ed25519.hpp"
#include "octopus/protocol/http_message.hpp"

namespace octopus::client {

struct Credential {
  std::string key_id;
  protocol::Ed25519PrivateKey key;
};

struct SigningOverrides {
  std::optional<std::int64_t> created;  // default: now
  std::optional<std::string> nonce;     // default: 16 random bytes
  std::string label = "sig1";
};

// Adds Content-Digest (when `body` is non-empty), Signature-Input and Signature to
// `headers`. `authority` is host[:port] as the gateway sees it. Throws
// std::invalid_argument when the request cannot be signed (e.g. a non-ASCII header).
void sign_request(std::string_view method, std::string_view authority, std::string_view target,
                  std::vector<protocol::HeaderField>& headers, std::string_view body, const Credential& credential,
                  const SigningOverrides& overrides = {});

}  // namespace octopus::client
