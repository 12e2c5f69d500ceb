// Named operator accounts and their API tokens, for the admin plane. A token is shown once,
// when it is issued ("oat_<id>_<secret>"); the store keeps only its id and the SHA-256 of its
// secret (256 random bits, so a fast hash is enough: there is nothing to guess).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vocabulary/operator_roles.hpp"

namespace octopus::accounts {

struct OperatorAccount {
  std::string name;
  vocabulary::Role role = vocabulary::Role::viewer;
  std::int64_t created_at = 0;
  std::string created_by;
  std::optional<std::int64_t> disabled_at;
  bool active() const { return !disabled_at; }
};

using TokenDigest = std::array<std::uint8_t, 32>;

struct AccountToken {
  std::string id;  // 16 hex digits, public (named in lists and revocations)
  std::string account;
  TokenDigest digest{};
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
  bool usable(std::int64_t now) const { return !revoked_at && now < expires_at; }
};

// A freshly issued token: what is stored, and the text handed to the operator once.
struct IssuedToken {
  AccountToken token;
  std::string text;
};

IssuedToken issue_token(const std::string& account, std::int64_t now, std::int64_t lifetime_seconds);

// The id and secret of a token's text; nullopt when it is not shaped like one.
struct PresentedToken {
  std::string id;
  std::string secret;
};
std::optional<PresentedToken> parse_token(std::string_view text);

TokenDigest digest_of(std::string_view secret);

// Account names: 3 to 64 of lowercase letters, digits, '.', '-', '_' and '@', starting with a
// letter or digit (room for "alice@ops"); "bootstrap" and "cli" are reserved.
bool valid_account_name(std::string_view name);

inline constexpr std::int64_t kDefaultTokenLifetimeDays = 90;
inline constexpr std::int64_t kMaxTokenLifetimeDays = 366;

}  // namespace octopus::accounts
