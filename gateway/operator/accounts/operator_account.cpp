#include "accounts/operator_account.hpp"

#include <sodium.h>

#include <stdexcept>

#include "octopus/protocol/ed25519.hpp"

namespace octopus::accounts {

namespace {
constexpr std::string_view kPrefix = "oat_";
constexpr std::size_t kIdLength = 16;      // hex of 8 random bytes
constexpr std::size_t kSecretLength = 43;  // base64url, unpadded, of 32 random bytes
}  // namespace

TokenDigest digest_of(std::string_view secret) {
  TokenDigest out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return out;
}

IssuedToken issue_token(const std::string& account, std::int64_t now, std::int64_t lifetime_seconds) {
  protocol::ensure_sodium_initialised();
  std::array<unsigned char, 8> id_bytes{};
  std::array<unsigned char, 32> secret_bytes{};
  randombytes_buf(id_bytes.data(), id_bytes.size());
  randombytes_buf(secret_bytes.data(), secret_bytes.size());
  std::string id(kIdLength + 1, '\0');
  sodium_bin2hex(id.data(), id.size(), id_bytes.data(), id_bytes.size());
  id.pop_back();
  std::string secret(sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret.data(), secret.size(), secret_bytes.data(), secret_bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret.resize(kSecretLength);
  sodium_memzero(secret_bytes.data(), secret_bytes.size());
  IssuedToken issued;
  issued.token = {id, account, digest_of(secret), now, now + lifetime_seconds, std::nullopt};
  issued.text = std::string(kPrefix) + id + "_" + secret;
  sodium_memzero(secret.data(), secret.size());
  return issued;
}

std::optional<PresentedToken> parse_token(std::string_view text) {
  if (text.size() != kPrefix.size() + kIdLength + 1 + kSecretLength || !text.starts_with(kPrefix) ||
      text[kPrefix.size() + kIdLength] != '_')
    return std::nullopt;
  const auto id = text.substr(kPrefix.size(), kIdLength);
  if (id.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  return PresentedToken{std::string(id), std::string(text.substr(kPrefix.size() + kIdLength + 1))};
}

bool valid_account_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 64) return false;
  // The audit log's names for the bootstrap token and the command line: no account may pass for them.
  if (name == "bootstrap" || name == "cli") return false;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '@';
  };
  for (const char c : name)
    if (!allowed(c)) return false;
  return name.front() != '.' && name.front() != '-' && name.front() != '_' && name.front() != '@';
}

}  // namespace octopus::accounts
