#include "accounts/account_stages.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

#include "http/router.hpp"

namespace octopus::accounts {

namespace {

bool same_digest(const TokenDigest& a, const TokenDigest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

AccountAuthenticator::AccountAuthenticator(AccountRepository& accounts, const Clock& clock,
                                           const std::string& bootstrap_token,
                                           std::function<void(std::string_view)> on_throttled)
    : accounts_(accounts), clock_(clock), gate_("octopus-admin", std::move(on_throttled)) {
  if (bootstrap_token.empty()) return;
  if (bootstrap_token.size() < 16) throw std::invalid_argument("OCTOPUS_ADMIN_TOKEN must be at least 16 characters");
  has_bootstrap_ = true;
  bootstrap_digest_ = digest_of(bootstrap_token);
}

std::optional<http::Response> AccountAuthenticator::on_request(http::RequestContext& ctx) {
  if (auto wait = gate_.throttled(ctx)) return wait;
  const auto presented = auth::BearerGate::presented(ctx);
  if (has_bootstrap_ && same_digest(digest_of(presented), bootstrap_digest_)) return bootstrap(ctx);
  std::string why;
  if (auto account = account_of(presented, why)) {
    ctx.principal = http::Principal{.id = account->name, .role = account->role};
    return std::nullopt;
  }
  return gate_.refuse(ctx, why.empty() ? "Send an operator account's token as 'Authorization: Bearer <token>'." : why);
}

// The bootstrap token opens one door, once: creating the first admin account.
std::optional<http::Response> AccountAuthenticator::bootstrap(http::RequestContext& ctx) {
  if (accounts_.any_active_admin())
    return gate_.refuse(
        ctx, "The bootstrap token only creates the first admin account, and one exists: use an account token.");
  if (ctx.request.method != "POST" || ctx.route->pattern != "/admin/v1/accounts")
    return http::make_problem(ctx, forbidden,
                              "The bootstrap token can only create the first admin account (POST /admin/v1/accounts).");
  ctx.principal = http::Principal{.id = kBootstrapPrincipal, .role = vocabulary::Role::admin};
  return std::nullopt;
}

std::optional<OperatorAccount> AccountAuthenticator::account_of(std::string_view text, std::string& why) {
  const auto parsed = parse_token(text);
  if (!parsed) return std::nullopt;
  const auto token = accounts_.get_token(parsed->id);
  if (!token || !same_digest(digest_of(parsed->secret), token->digest)) return std::nullopt;
  // From here the caller holds the secret: it may hear why its token no longer works.
  const auto now = clock_.unix_seconds();
  if (token->revoked_at) {
    why = "This token was revoked; ask an admin for a new one.";
    return std::nullopt;
  }
  if (!token->usable(now)) {
    why = "This token has expired; ask an admin for a new one.";
    return std::nullopt;
  }
  auto account = accounts_.get_account(token->account);
  if (!account || !account->active()) {
    why = "This token's account is disabled.";
    return std::nullopt;
  }
  return account;
}

std::optional<http::Response> RoleAuthorizer::on_request(http::RequestContext& ctx) {
  const auto& roles = ctx.route->roles;
  if (ctx.principal && ctx.principal->role && roles.contains(*ctx.principal->role)) return std::nullopt;
  std::string allowed;
  for (const auto role : vocabulary::kRoles)
    if (roles.contains(role)) allowed += std::string(allowed.empty() ? "" : ", ") + std::string(to_string(role));
  const std::string role = ctx.principal && ctx.principal->role ? std::string(to_string(*ctx.principal->role)) : "none";
  return http::make_problem(ctx, forbidden,
                            "The account's role (" + role + ") may not do this; it needs one of: " + allowed + ".");
}

}  // namespace octopus::accounts
