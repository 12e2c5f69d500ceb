// Partner-scoped subscriber tokens: where a partner must refer to one subscriber (a
// conversion, a trigger hit), it gets `sub_` + a keyed BLAKE2b hash of the subscriber id,
// under a key derived for that partner (libsodium crypto_kdf) from the operator's master
// secret. The same person has unrelated tokens at two partners, a token reveals nothing
// of the id, and without the master secret none can be made or linked.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "octopus/protocol/ed25519.hpp"

namespace octopus::tokens {

using MasterKey = std::array<unsigned char, 32>;

class PartnerTokenizer {
 public:
  explicit PartnerTokenizer(const MasterKey& master);
  ~PartnerTokenizer();  // wipes the key
  PartnerTokenizer(const PartnerTokenizer&) = delete;
  PartnerTokenizer& operator=(const PartnerTokenizer&) = delete;

  // "sub_" + 43 base64url characters (256 bits).
  std::string token(std::string_view partner_id, std::uint64_t subscriber_id) const;

 private:
  MasterKey master_;
};

// Reads the 32-byte master key from `path`, creating it (random, mode 0600) when absent.
// Throws std::runtime_error when the file exists but is not exactly 32 bytes, or is
// readable by others.
MasterKey load_or_create_master_key(const std::filesystem::path& path);

// An Ed25519 signing key kept as its 32-byte seed in the same kind of owner-only file (the
// operator's callback key, the audit key); the seed's copies are wiped.
protocol::Ed25519PrivateKey load_or_create_signing_key(const std::filesystem::path& path);

}  // namespace octopus::tokens
