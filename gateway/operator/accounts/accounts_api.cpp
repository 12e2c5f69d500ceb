#include "accounts/accounts_api.hpp"

#include <nlohmann/json.hpp>

#include "accounts/account_stages.hpp"
#include "admin/admin_audit.hpp"
#include "admin/admin_formats.hpp"
#include "http/json_body.hpp"
#include "http/resource_steps.hpp"
#include "observability/log.hpp"

namespace octopus::accounts {

using nlohmann::json;
using vocabulary::Role;

namespace {

json token_json(const AccountToken& t) {
  return {{"id", t.id},
          {"created_at", admin::rfc3339(t.created_at)},
          {"expires_at", admin::rfc3339(t.expires_at)},
          {"revoked_at", t.revoked_at ? json(admin::rfc3339(*t.revoked_at)) : json(nullptr)}};
}

json account_json(const OperatorAccount& a, const std::vector<AccountToken>& tokens) {
  json list = json::array();
  for (const auto& t : tokens) list.push_back(token_json(t));
  return {{"name", a.name},
          {"role", to_string(a.role)},
          {"created_at", admin::rfc3339(a.created_at)},
          {"created_by", a.created_by},
          {"disabled_at", a.disabled_at ? json(admin::rfc3339(*a.disabled_at)) : json(nullptr)},
          {"tokens", list}};
}

// The one time a token's secret is shown.
json issued_json(const IssuedToken& issued) {
  auto out = token_json(issued.token);
  out["token"] = issued.text;
  return out;
}

class AccountHandlers {
 public:
  explicit AccountHandlers(AccountsApiDeps deps) : d_(std::move(deps)) {}

  std::vector<openapi::FieldError> create_rules(http::RequestContext& ctx, const json& body) const {
    std::vector<openapi::FieldError> out;
    if (body.contains("name") && body["name"].is_string() && !valid_account_name(body["name"].get<std::string>()))
      out.push_back({"/name",
                     "must be 3 to 64 of a-z, 0-9, '.', '-', '_', '@', starting with a letter or digit, and not "
                     "'bootstrap' or 'cli'"});
    const bool bootstrap = ctx.principal && ctx.principal->id == kBootstrapPrincipal;
    if (bootstrap && body.value("role", json()) != json("admin"))
      out.push_back({"/role", "the bootstrap token creates the first admin account: role must be admin"});
    return out;
  }

  http::Response create(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    const auto now = d_.clock.unix_seconds();
    OperatorAccount account{.name = (*body)["name"].get<std::string>(),
                            .role = *vocabulary::parse_role((*body)["role"].get<std::string>()),
                            .created_at = now,
                            .created_by = ctx.principal->id};
    const auto issued = issue_token(account.name, now, lifetime_of(*body));
    const bool bootstrap = ctx.principal->id == kBootstrapPrincipal;
    if (d_.accounts.create_account(account, issued.token, bootstrap) != store::WriteResult::ok)
      return http::make_problem(ctx, http::problems::conflict,
                                bootstrap ? "An admin account exists already: the bootstrap token is retired."
                                          : "An account with this name exists.");
    audit(ctx, "account.create", account.name, {{"role", to_string(account.role)}, {"token_id", issued.token.id}});
    auto out = account_json(account, {issued.token});
    out["token"] = issued_json(issued);
    return http::accepted(201, out, "/admin/v1/accounts/" + account.name);
  }

  http::Response list(http::RequestContext&) {
    json items = json::array();
    for (const auto& a : d_.accounts.list_accounts()) items.push_back(account_json(a, d_.accounts.tokens_of(a.name)));
    return http::make_json(200, {{"items", items}});
  }

  http::Response get(http::RequestContext& ctx) {
    const auto account = d_.accounts.get_account(ctx.path_params.at("name"));
    if (!account) return http::make_problem(ctx, http::problems::not_found, "No account has this name.");
    return http::make_json(200, account_json(*account, d_.accounts.tokens_of(account->name)));
  }

  // The last active admin cannot be disabled: nobody could manage accounts any more.
  http::Response disable(http::RequestContext& ctx) {
    const auto account = d_.accounts.get_account(ctx.path_params.at("name"));
    if (!account) return http::make_problem(ctx, http::problems::not_found, "No account has this name.");
    if (d_.accounts.disable_account(account->name, d_.clock.unix_seconds()) == store::WriteResult::conflict)
      return http::make_problem(ctx, http::problems::conflict, "This is the last active admin account.");
    if (account->active()) audit(ctx, "account.disable", account->name, json::object());
    return get(ctx);
  }

  http::Response issue(http::RequestContext& ctx) {
    json body = json::object();  // the body is optional
    if (!ctx.request.body.empty()) {
      auto given = json_body(ctx);
      if (!given) return given.answer();
      body = std::move(*given);
    }
    const auto account = d_.accounts.get_account(ctx.path_params.at("name"));
    if (!account) return http::make_problem(ctx, http::problems::not_found, "No account has this name.");
    if (!account->active()) return http::make_problem(ctx, http::problems::conflict, "This account is disabled.");
    const auto issued = issue_token(account->name, d_.clock.unix_seconds(), lifetime_of(body));
    if (d_.accounts.add_token(issued.token) != store::WriteResult::ok) throw std::runtime_error("token id collision");
    audit(ctx, "account_token.issue", account->name, {{"token_id", issued.token.id}});
    return http::accepted(201, issued_json(issued),
                          "/admin/v1/accounts/" + account->name + "/tokens/" + issued.token.id);
  }

  http::Response revoke(http::RequestContext& ctx) {
    const auto& name = ctx.path_params.at("name");
    const auto& id = ctx.path_params.at("token_id");
    const auto before = d_.accounts.get_token(id);
    if (!before || before->account != name ||
        d_.accounts.revoke_token(name, id, d_.clock.unix_seconds()) != store::WriteResult::ok)
      return http::make_problem(ctx, http::problems::not_found, "This account has no token with this id.");
    if (!before->revoked_at) audit(ctx, "account_token.revoke", name, {{"token_id", id}});
    return http::make_json(200, token_json(*d_.accounts.get_token(id)));
  }

 private:
  static std::int64_t lifetime_of(const json& body) {
    return body.value("token_lifetime_days", kDefaultTokenLifetimeDays) * 86'400;
  }
  // The change is committed by now: a failed audit write is logged, and the answer (which may
  // carry a token shown only once) still goes out.
  void audit(http::RequestContext& ctx, std::string_view action, const std::string& subject, const json& detail) {
    try {
      admin::record_admin_action(d_.audit, d_.clock, ctx, action, subject, d_.policy_version(), detail);
    } catch (const std::exception& e) {
      observability::log_error(
          "audit_write_failed",
          {{"action", action}, {"subject", subject}, {"request_id", ctx.request_id}, {"what", e.what()}});
    }
  }

  AccountsApiDeps d_;
};

}  // namespace

void register_account_routes(http::Pipeline& admin_plane, AccountsApiDeps deps) {
  using H = AccountHandlers;
  const vocabulary::RoleSet admins{Role::admin};
  http::add_admin_routes<H>(admin_plane, std::make_shared<H>(std::move(deps)),
                            {{"POST", "/admin/v1/accounts", &H::create, admins, &H::create_rules},
                             {"GET", "/admin/v1/accounts", &H::list, admins},
                             {"GET", "/admin/v1/accounts/{name}", &H::get, admins},
                             {"POST", "/admin/v1/accounts/{name}/disable", &H::disable, admins},
                             {"POST", "/admin/v1/accounts/{name}/tokens", &H::issue, admins},
                             {"DELETE", "/admin/v1/accounts/{name}/tokens/{token_id}", &H::revoke, admins}});
}

}  // namespace octopus::accounts
