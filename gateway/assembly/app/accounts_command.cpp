#include "app/accounts_command.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>

#include "admin/admin_formats.hpp"
#include "app/sql_repositories.hpp"
#include "config/gateway_config.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::app {

const char* const kAccountsHelp = R"(
accounts create NAME --role ROLE [--token-days N] (--data-dir DIR | --config FILE)
accounts token NAME [--token-days N] (--data-dir DIR | --config FILE)
accounts revoke NAME TOKEN_ID (--data-dir DIR | --config FILE)
accounts disable NAME (--data-dir DIR | --config FILE)
accounts list (--data-dir DIR | --config FILE)
  Operator accounts of the admin plane, on the gateway's store directly. ROLE is
  admin, operator, compliance, support, viewer or metrics. create and token print
  the new token (shown this once; 90 days unless --token-days, at most 366).
  Every change is in the audit log, by "cli".
)";

namespace {

struct Command {
  std::string verb;
  std::vector<std::string> names;  // positional
  std::map<std::string, std::string> options;
};

std::optional<std::string> parse(const std::vector<std::string>& args, Command& c) {
  if (args.empty()) return "accounts needs a subcommand: create, token, revoke, disable or list";
  c.verb = args[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (!a.starts_with("--")) {
      c.names.push_back(a);
      continue;
    }
    if (a != "--role" && a != "--token-days" && a != "--data-dir" && a != "--config")
      return "unknown option '" + a + "'";
    if (i + 1 >= args.size()) return a + " needs a value";
    c.options[a] = args[++i];
  }
  const std::map<std::string, std::size_t> arity{
      {"create", 1}, {"token", 1}, {"revoke", 2}, {"disable", 1}, {"list", 0}};
  const auto expected = arity.find(c.verb);
  if (expected == arity.end()) return "unknown accounts subcommand '" + c.verb + "'";
  if (c.names.size() != expected->second)
    return "accounts " + c.verb + " takes " + std::to_string(expected->second) + " name(s)";
  if (!c.options.count("--data-dir") && !c.options.count("--config"))
    return "accounts needs --data-dir DIR or --config FILE";
  if (c.verb == "create" && !c.options.count("--role")) return "accounts create needs --role";
  return std::nullopt;
}

std::int64_t token_seconds(const Command& c) {
  const auto it = c.options.find("--token-days");
  if (it == c.options.end()) return accounts::kDefaultTokenLifetimeDays * 86'400;
  const auto& text = it->second;
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(text) < 1 || std::stoll(text) > accounts::kMaxTokenLifetimeDays)
    throw std::invalid_argument("--token-days must be a whole number from 1 to 366");
  return std::stoll(text) * 86'400;
}

void audit(SqlRepositories& r, std::string_view action, const std::string& subject, const std::string& detail) {
  r.audit.append_audit({.at = system_clock().unix_seconds(),
                        .actor = "cli",
                        .action = std::string(action),
                        .subject = subject,
                        .outcome = "accepted",
                        .detail = detail});
}

int create(SqlRepositories& r, const Command& c, std::ostream& out, std::ostream& err) {
  const auto& name = c.names[0];
  const auto role = vocabulary::parse_role(c.options.at("--role"));
  if (!role) throw std::invalid_argument("--role must be admin, operator, compliance, support, viewer or metrics");
  if (!accounts::valid_account_name(name))
    throw std::invalid_argument(
        "NAME must be 3 to 64 of a-z, 0-9, '.', '-', '_', '@', starting with a letter or digit");
  const auto now = system_clock().unix_seconds();
  const auto issued = accounts::issue_token(name, now, token_seconds(c));
  if (r.operator_accounts.create_account({.name = name, .role = *role, .created_at = now, .created_by = "cli"},
                                         issued.token, false) != store::WriteResult::ok) {
    err << "octopus-gateway: an account named " << name << " exists\n";
    return 1;
  }
  audit(r, "account.create", name,
        "{\"role\":\"" + std::string(to_string(*role)) + "\",\"token_id\":\"" + issued.token.id + "\"}");
  out << issued.text << "\n";
  return 0;
}

int token(SqlRepositories& r, const Command& c, std::ostream& out, std::ostream& err) {
  const auto account = r.operator_accounts.get_account(c.names[0]);
  if (!account || !account->active()) {
    err << "octopus-gateway: no active account named " << c.names[0] << "\n";
    return 1;
  }
  const auto issued = accounts::issue_token(account->name, system_clock().unix_seconds(), token_seconds(c));
  r.operator_accounts.add_token(issued.token);
  audit(r, "account_token.issue", account->name, "{\"token_id\":\"" + issued.token.id + "\"}");
  out << issued.text << "\n";
  return 0;
}

int change(SqlRepositories& r, const Command& c, std::ostream& out, std::ostream& err) {
  const auto now = system_clock().unix_seconds();
  const bool revoke = c.verb == "revoke";
  const auto done = revoke ? r.operator_accounts.revoke_token(c.names[0], c.names[1], now)
                           : r.operator_accounts.disable_account(c.names[0], now);
  if (done == store::WriteResult::conflict) {
    err << "octopus-gateway: " << c.names[0] << " is the last active admin account; create another one first\n";
    return 1;
  }
  if (done != store::WriteResult::ok) {
    err << "octopus-gateway: " << (revoke ? "no such token for " : "no account named ") << c.names[0] << "\n";
    return 1;
  }
  audit(r, revoke ? "account_token.revoke" : "account.disable", c.names[0],
        revoke ? "{\"token_id\":\"" + c.names[1] + "\"}" : "{}");
  out << (revoke ? "revoked token " + c.names[1] : "disabled " + c.names[0]) << "\n";
  return 0;
}

int list(SqlRepositories& r, std::ostream& out) {
  const auto now = system_clock().unix_seconds();
  for (const auto& a : r.operator_accounts.list_accounts()) {
    std::size_t usable = 0;
    for (const auto& t : r.operator_accounts.tokens_of(a.name)) usable += t.usable(now);
    out << a.name << "\t" << to_string(a.role) << "\t" << (a.active() ? "active" : "disabled") << "\t" << usable
        << " usable token(s)\tcreated " << admin::rfc3339(a.created_at) << " by " << a.created_by << "\n";
  }
  return 0;
}

}  // namespace

int run_accounts_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Command c;
  if (const auto problem = parse(args, c)) {
    err << "octopus-gateway: " << *problem << "\nTry 'octopus-gateway --help'.\n";
    return 2;
  }
  try {
    // --data-dir: that directory's SQLite file; --config: the configured store, which may be
    // the PostgreSQL database the instances share.
    config::StoreConfig sqlite;
    const auto config =
        c.options.count("--config") ? config::load_config(c.options.at("--config")) : config::GatewayConfig{};
    const auto& dir = c.options.count("--data-dir") ? c.options.at("--data-dir") : config.data_dir;
    // A data directory made here is the gateway account's alone, as the gateway makes it.
    if (std::filesystem::create_directories(dir))
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
    const auto opened = open_repositories(c.options.count("--data-dir") ? sqlite : config.store, dir);
    auto& records = *opened;
    if (c.verb == "create") return create(records, c, out, err);
    if (c.verb == "token") return token(records, c, out, err);
    if (c.verb == "list") return list(records, out);
    return change(records, c, out, err);
  } catch (const std::invalid_argument& e) {
    err << "octopus-gateway: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "octopus-gateway: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace octopus::app
