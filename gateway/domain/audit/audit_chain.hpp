// What makes the audit log tamper-evident, whatever happens to the database file. Each
// entry is hashed (SHA-256) together with the previous entry's id and hash, so editing,
// removing, inserting or reordering an entry breaks the chain from that entry on; and each
// link is signed with the gateway's audit key (Ed25519), so a chain recomputed by someone
// who changed the log does not carry valid signatures. The latest signed link (the head) can
// also be written to a file outside the database (audit.head_file): removing entries from
// the end of the log, links included, is then detected too.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "audit/audit_repository.hpp"
#include "octopus/protocol/ed25519.hpp"

namespace octopus::audit {

using ChainHash = std::array<std::uint8_t, 32>;

// SHA-256 over a version tag, the previous entry's id and hash (0 and 32 zero bytes before
// the first) and every field of `record`, its id included, each length-prefixed.
ChainHash chain_hash(std::int64_t previous_id, const ChainHash& previous, const AuditRecord& record);

// The bytes a link's signature covers: a tag, the entry id and its chain hash.
std::string signed_link_message(std::int64_t entry_id, const ChainHash& hash);

std::string to_hex(const ChainHash& hash);
std::optional<ChainHash> chain_hash_from_hex(const std::string& hex);

// The gateway's audit signing key: an owner-only 32-byte seed file in the data directory,
// made on first use.
class AuditSigner {
 public:
  static AuditSigner from_key_file(const std::filesystem::path& path);
  explicit AuditSigner(protocol::Ed25519PrivateKey key) : key_(std::move(key)) {}
  protocol::Ed25519Signature sign(std::int64_t entry_id, const ChainHash& hash) const;
  protocol::Ed25519PublicKey public_key() const { return key_.public_key(); }

 private:
  protocol::Ed25519PrivateKey key_;
};

// One entry as stored: the record and its link (absent when the entry has none).
struct ChainLink {
  AuditRecord record;
  std::optional<ChainHash> hash;
  std::optional<protocol::Ed25519Signature> signature;
};

// The last link, as written outside the database.
struct SignedHead {
  std::int64_t entry_id = 0;
  ChainHash hash{};
  protocol::Ed25519Signature signature{};
};

struct ChainVerdict {
  std::uint64_t entries = 0;  // entries that verified
  std::int64_t last_id = 0;   // the last one that verified
  ChainHash last_hash{};
  std::optional<std::int64_t> first_bad;  // the first entry that does not verify
  std::string reason;                     // why, in words
  bool intact() const { return !first_bad && reason.empty(); }
};

// Walks the log oldest first and stops at the first entry that breaks the chain.
// `head`: the head written outside the database, when there is one; the log must reach it
// and agree with it.
class ChainVerifier {
 public:
  ChainVerifier(protocol::Ed25519PublicKey key, std::optional<SignedHead> head = std::nullopt);
  // False once the chain is broken (at this entry or before).
  bool add(const ChainLink& link);
  // After the last entry: `highest_link` is the highest entry id any link names (links left
  // for entries that are gone show a removal from the log's end).
  void finish(std::int64_t highest_link);
  const ChainVerdict& verdict() const { return verdict_; }

 private:
  void broken(std::int64_t entry, std::string reason);
  bool verify_link(const ChainLink& link);
  protocol::Ed25519PublicKey key_;
  std::optional<SignedHead> head_;
  ChainVerdict verdict_;
};

// The head file: one JSON object (entry_id, hash in hex, signature and public key in
// base64). Written atomically (a temporary file renamed over it), owner-only.
void write_head_file(const std::filesystem::path& path, const SignedHead& head, const protocol::Ed25519PublicKey& key);
// Throws std::runtime_error naming the file when it cannot be read or is not a head.
SignedHead read_head_file(const std::filesystem::path& path);

}  // namespace octopus::audit
