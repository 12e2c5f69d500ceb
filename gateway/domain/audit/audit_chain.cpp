#include "audit/audit_chain.hpp"

#include <sodium.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "octopus/protocol/base64.hpp"
#include "store/durable_file.hpp"
#include "tokens/partner_token.hpp"

namespace octopus::audit {

namespace {

constexpr std::string_view kChainTag = "octopus-audit-chain-v1";
constexpr std::string_view kLinkTag = "octopus-audit-link-v1";

// Length-prefixed fields: no two different records hash the same bytes.
class HashInput {
 public:
  HashInput() { crypto_hash_sha256_init(&state_); }
  HashInput& field(std::string_view bytes) {
    number(static_cast<std::int64_t>(bytes.size()));
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return *this;
  }
  HashInput& number(std::int64_t n) {
    std::array<unsigned char, 8> be{};
    for (int i = 7; i >= 0; --i, n >>= 8) be[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n & 0xff);
    crypto_hash_sha256_update(&state_, be.data(), be.size());
    return *this;
  }
  ChainHash finish() {
    ChainHash out{};
    crypto_hash_sha256_final(&state_, out.data());
    return out;
  }

 private:
  crypto_hash_sha256_state state_{};
};

std::string_view bytes_of(const ChainHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

}  // namespace

ChainHash chain_hash(std::int64_t previous_id, const ChainHash& previous, const AuditRecord& r) {
  HashInput in;
  in.field(kChainTag).number(previous_id).field(bytes_of(previous)).number(r.id).number(r.at);
  for (const std::string* text :
       {&r.actor, &r.action, &r.subject, &r.outcome, &r.policy_version, &r.detail, &r.request_id})
    in.field(*text);
  return in.finish();
}

std::string signed_link_message(std::int64_t entry_id, const ChainHash& hash) {
  return std::string(kLinkTag) + "\n" + std::to_string(entry_id) + "\n" + to_hex(hash);
}

std::string to_hex(const ChainHash& hash) {
  std::string out(hash.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), hash.data(), hash.size());
  out.pop_back();
  return out;
}

std::optional<ChainHash> chain_hash_from_hex(const std::string& hex) {
  ChainHash out{};
  std::size_t length = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != out.size())
    return std::nullopt;
  return out;
}

AuditSigner AuditSigner::from_key_file(const std::filesystem::path& path) {
  return AuditSigner(tokens::load_or_create_signing_key(path));
}

protocol::Ed25519Signature AuditSigner::sign(std::int64_t entry_id, const ChainHash& hash) const {
  return key_.sign(signed_link_message(entry_id, hash));
}

void ChainVerifier::broken(std::int64_t entry, std::string reason) {
  verdict_.first_bad = entry;
  verdict_.reason = std::move(reason);
}

ChainVerifier::ChainVerifier(protocol::Ed25519PublicKey key, std::optional<SignedHead> head)
    : key_(key), head_(std::move(head)) {
  if (!head_) return;
  const auto message = signed_link_message(head_->entry_id, head_->hash);
  if (!protocol::ed25519_verify(key_, message, head_->signature.data(), head_->signature.size()))
    broken(head_->entry_id, "the head file is not signed by the gateway's audit key");
}

bool ChainVerifier::add(const ChainLink& link) {
  if (!verdict_.intact() || !verify_link(link)) return false;
  const auto id = link.record.id;
  if (head_ && head_->entry_id == id && head_->hash != *link.hash) {
    broken(id, "entry " + std::to_string(id) + ": differs from the signed head file (the chain was rewritten)");
    return false;
  }
  ++verdict_.entries;
  verdict_.last_id = id;
  verdict_.last_hash = *link.hash;
  return true;
}

// One entry against the chain so far: its place, its link, its hash, its signature.
bool ChainVerifier::verify_link(const ChainLink& link) {
  const auto id = link.record.id;
  const auto at = "entry " + std::to_string(id) + ": ";
  if (id <= verdict_.last_id) {
    broken(id, at + "out of order");
    return false;
  }
  if (id != verdict_.last_id + 1) {  // entry ids are consecutive: a gap is a removal
    const auto first_missing = verdict_.last_id + 1;
    broken(first_missing, "entry " + std::to_string(first_missing) +
                              (id - 1 > first_missing ? " to " + std::to_string(id - 1) : std::string()) +
                              ": missing (removed from the log)");
    return false;
  }
  if (!link.hash || !link.signature) {
    broken(id, at + "has no chain link: it was not written by the gateway (inserted into the database)");
    return false;
  }
  if (chain_hash(verdict_.last_id, verdict_.last_hash, link.record) != *link.hash) {
    broken(id, at + "does not match its chain hash: it was edited, or moved");
    return false;
  }
  const auto message = signed_link_message(id, *link.hash);
  if (!protocol::ed25519_verify(key_, message, link.signature->data(), link.signature->size())) {
    broken(id, at + "its chain link is not signed by the gateway's audit key (the chain was recomputed)");
    return false;
  }
  return true;
}

void ChainVerifier::finish(std::int64_t highest_link) {
  if (!verdict_.intact()) return;
  const auto expected_end = std::max(highest_link, head_ ? head_->entry_id : 0);
  if (expected_end > verdict_.last_id)
    broken(verdict_.last_id + 1,
           "entries " + std::to_string(verdict_.last_id + 1) + " to " + std::to_string(expected_end) +
               " are missing from the end of the log (" +
               (highest_link > verdict_.last_id ? "their chain links remain" : "the signed head file names them") +
               ")");
}

void write_head_file(const std::filesystem::path& path, const SignedHead& head, const protocol::Ed25519PublicKey& key) {
  const nlohmann::json j{{"entry_id", head.entry_id},
                         {"hash", to_hex(head.hash)},
                         {"signature", protocol::base64_encode(head.signature.data(), head.signature.size())},
                         {"public_key", protocol::base64_encode(key.data(), key.size())}};
  store::replace_file_durably(path, j.dump() + "\n");
}

SignedHead read_head_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot read the audit head file");
  std::stringstream text;
  text << in.rdbuf();
  const auto fail = [&] { return std::runtime_error(path.string() + ": not an audit head file"); };
  const auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("entry_id") || !j["entry_id"].is_number_integer() || !j.contains("hash") ||
      !j["hash"].is_string() || !j.contains("signature") || !j["signature"].is_string())
    throw fail();
  SignedHead head;
  head.entry_id = j["entry_id"].get<std::int64_t>();
  const auto hash = chain_hash_from_hex(j["hash"].get<std::string>());
  const auto signature = protocol::base64_decode(j["signature"].get<std::string>());
  if (!hash || !signature || signature->size() != head.signature.size()) throw fail();
  head.hash = *hash;
  std::copy(signature->begin(), signature->end(), head.signature.begin());
  return head;
}

}  // namespace octopus::audit
