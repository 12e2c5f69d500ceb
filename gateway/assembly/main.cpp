// octopus-gateway: the gateway's one binary. `serve` runs both planes; `engine serve` runs
// the reference engine as its own process; `policy` holds the compliance officers' tools.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/accounts_command.hpp"
#include "app/audit_command.hpp"
#include "app/engine_app.hpp"
#include "app/gateway_app.hpp"
#include "app/startup_check.hpp"
#include "config/gateway_config.hpp"
#include "observability/log.hpp"
#include "policy/policy_cli.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

// The commands and the server's options.
constexpr const char* kServeHelp = R"(octopus-gateway — the Octopus Open Gateway server

Usage:
  octopus-gateway serve [--config FILE] [--listen HOST:PORT] [--admin-listen HOST:PORT] [--data-dir DIR]
                        [--policies DIR] [--public-authority HOST[:PORT]] [--check]
  octopus-gateway config check [--config FILE] [serve's other options]
  octopus-gateway engine serve [--listen HOST:PORT] [--data-dir DIR] [--population N] [--seed S]
                               [--import FILE [--refuse-bad-rows]] [--timeout-ms MS]
                               [--events-per-second N] [--conversions-per-second N]
                               [--membership-index-mb N]
  octopus-gateway policy check DIR
  octopus-gateway policy test DIR
  octopus-gateway policy explain --case FILE [--policies DIR]
  octopus-gateway policy diff OLD_DIR NEW_DIR
  octopus-gateway audit verify [--config FILE] [--data-dir DIR] [--head-file FILE] [--public-key BASE64]
  octopus-gateway accounts create|token|revoke|disable|list ... (--data-dir DIR | --config FILE)
  octopus-gateway --help | --version

serve
  Runs the partner plane (HTTPS, RFC 9421-signed requests) and the admin plane
  (HTTPS, bearer token) until SIGTERM or SIGINT, then drains in-flight requests.
  SIGHUP reloads the policy files and re-reads the partner registry from the store.

  --config FILE            YAML configuration (see docs/operations.md); without it,
                           built-in defaults are used.
  --listen HOST:PORT       partner plane address (default 127.0.0.1:8443)
  --admin-listen HOST:PORT admin plane address (default 127.0.0.1:9443)
  --data-dir DIR           where the SQLite store and generated TLS files live
                           (default: var/ beside the configuration file)
  --policies DIR           the policy files (default: policies/ beside the
                           configuration file); refused policies stop the start
  --public-authority HOST[:PORT]
                           the name partners address the gateway by; every
                           signature's @authority must name it (auth.public_authority;
                           required with a configured certificate)
  --check                  check everything serve needs and start nothing: the
                           configuration, the policy set, the TLS files, the
                           environment's secrets and the data directory. Every
                           problem is printed (file:line where there is one); exit 0
                           when serve would start, 2 otherwise.

config check
  The same as serve --check.

)";

// The engine's options, the environment and the exit status.
constexpr const char* kEngineHelp = R"(
engine serve
  Serves the reference engine as its own HTTPS process on the engine API
  (api-spec/engine.yaml), for gateways configured with engine.kind: remote.
  --listen HOST:PORT       address (default 127.0.0.1:7443)
  --data-dir DIR           where generated TLS files live (default var/engine)
  --population N           synthetic subscribers (default 1000000)
  --seed S                 synthetic population seed (default 20261128)
  --import FILE            load a real population from CSV or JSON Lines instead;
                           bad rows are logged with their line and skipped, or with
                           --refuse-bad-rows the whole file is refused
  --timeout-ms MS          a call not answered by then is a 503 (default 5000)
  --events-per-second N    synthetic subscriber events (default 0: only injected ones)
  --conversions-per-second N  synthetic conversions (default 0)
  --membership-index-mb N  memory for the indexes of repeated membership questions
                           (triggers' segment lists; default 256, 0: none)

Environment
  OCTOPUS_ADMIN_TOKEN      the bootstrap token (>= 16 chars): it can only create the
                           first admin account (POST /admin/v1/accounts); required
                           while no admin account exists (or use accounts create)
  OCTOPUS_ENGINE_TOKEN     required by engine serve, and by a gateway with a remote
                           engine: the bearer token between the two (>= 16 chars)

Exit status: 0 after a clean shutdown (serve) or success (policy), 1 on a
runtime failure, a refused policy set or a failing case, 2 on bad usage or
configuration.
)";

void print_help(std::ostream& out) {
  out << kServeHelp << octopus::policy::kPolicyHelp << octopus::app::kAuditHelp << octopus::app::kAccountsHelp
      << kEngineHelp;
}

int usage_error(const std::string& message) {
  std::cerr << "octopus-gateway: " << message << "\nTry 'octopus-gateway --help'.\n";
  return 2;
}

// Builds a server app (the gateway, or the engine), serves until SIGTERM/SIGINT and drains;
// the exit status of `serve` and `engine serve`.
template <typename App, typename... Args>
int run_server(Args&&... args) {
  try {
    App app(std::forward<Args>(args)...);
    app.start();
    if (!app.generated_ca_file().empty())
      octopus::observability::log_info("development_tls", {{"ca_file", app.generated_ca_file()}});
    app.run_until_signal();
  } catch (const std::exception& e) {
    std::cerr << "octopus-gateway: " << e.what() << "\n";
    return 1;
  }
  octopus::observability::log_info("stopped");
  return 0;
}

// serve --check: every problem that would stop the start, or what would be served.
int check_startup(const octopus::config::GatewayConfig& config) {
  const auto problems = octopus::app::check_startup(config);
  for (const auto& problem : problems) std::cerr << "octopus-gateway: " << problem << "\n";
  if (!problems.empty()) {
    std::cerr << "octopus-gateway: " << problems.size() << " problem(s); the gateway would not start\n";
    return 2;
  }
  std::cout << "octopus-gateway: ready to serve: partner plane " << config.partner_listen.host << ":"
            << config.partner_listen.port << ", admin plane " << config.admin_listen.host << ":"
            << config.admin_listen.port << ", data in " << config.data_dir << ", policies in " << config.policies_dir
            << "\n";
  return 0;
}

int serve(const std::vector<std::string>& args) {
  std::string config_path, listen, admin_listen, data_dir, policies_dir, public_authority;
  bool check_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--config")
      ok = value(config_path);
    else if (a == "--listen")
      ok = value(listen);
    else if (a == "--admin-listen")
      ok = value(admin_listen);
    else if (a == "--data-dir")
      ok = value(data_dir);
    else if (a == "--policies")
      ok = value(policies_dir);
    else if (a == "--public-authority")
      ok = value(public_authority);
    else if (a == "--check")
      check_only = true;
    else if (a == "--help" || a == "-h") {
      print_help(std::cout);
      return 0;
    } else
      return usage_error("unknown option '" + a + "'");
    if (!ok) return usage_error(a + " needs a value");
  }

  octopus::config::GatewayConfig config;
  try {
    config = config_path.empty() ? octopus::config::parse_config("", "(defaults)", "")
                                 : octopus::config::load_config(config_path);
    if (!listen.empty()) config.partner_listen = octopus::config::parse_endpoint(listen);
    if (!admin_listen.empty()) config.admin_listen = octopus::config::parse_endpoint(admin_listen);
    if (!data_dir.empty()) config.data_dir = data_dir;
    if (!policies_dir.empty()) config.policies_dir = policies_dir;
    if (!public_authority.empty()) {
      if (!octopus::config::valid_authority(public_authority))
        throw octopus::config::ConfigError("--public-authority must be host[:port], e.g. api.operator.example");
      config.signatures.public_authority = public_authority;
    }
  } catch (const octopus::config::ConfigError& e) {
    for (const auto& error : e.errors()) std::cerr << "octopus-gateway: configuration error: " << error << "\n";
    return 2;
  }
  if (check_only) return check_startup(config);

  const char* token = std::getenv("OCTOPUS_ADMIN_TOKEN");
  return run_server<octopus::app::GatewayApp>(config, token ? token : "");
}

// Whole number option values; false (and a usage error) for anything else.
bool parse_count(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) return false;
  out = std::stoull(text);
  return true;
}

// One option of `engine serve` (and its value) read into `options`; an exit status when the
// command ends there (bad usage, or --help).
std::optional<int> engine_option(const std::vector<std::string>& args, std::size_t& i,
                                 octopus::app::EngineAppOptions& options, std::string& listen) {
  const auto& a = args[i];
  auto value = [&](std::string& into) {
    if (i + 1 >= args.size()) return false;
    into = args[++i];
    return true;
  };
  std::string text;
  std::uint64_t number = 0;
  auto whole_number = [&](std::uint64_t max) { return value(text) && parse_count(text, number) && number <= max; };
  if (a == "--listen" || a == "--data-dir" || a == "--import") {
    std::string& into = a == "--listen" ? listen : a == "--data-dir" ? options.data_dir : options.import_file;
    if (!value(into)) return usage_error(a + " needs a value");
  } else if (a == "--refuse-bad-rows") {
    options.refuse_bad_rows = true;
  } else if (a == "--events-per-second" || a == "--conversions-per-second") {
    if (!whole_number(100000)) return usage_error(a + " needs a whole number from 0 to 100000");
    (a == "--events-per-second" ? options.events_per_second : options.conversions_per_second) =
        static_cast<double>(number);
  } else if (a == "--membership-index-mb") {
    if (!whole_number(1'000'000)) return usage_error(a + " needs a whole number from 0 to 1000000");
    options.membership_index_mb = number;
  } else if (a == "--population" || a == "--seed" || a == "--timeout-ms") {
    if (!whole_number(UINT64_MAX)) return usage_error(a + " needs a whole number");
    if (a == "--population") {
      if (number < 1 || number > 100'000'000) return usage_error("--population must be from 1 to 100000000");
      options.population = number;
    } else if (a == "--seed") {
      options.seed = number;
    } else {
      if (number < 1 || number > 600000) return usage_error("--timeout-ms must be from 1 to 600000");
      options.timeout = std::chrono::milliseconds(number);
    }
  } else if (a == "--help" || a == "-h") {
    print_help(std::cout);
    return 0;
  } else {
    return usage_error("unknown option '" + a + "'");
  }
  return std::nullopt;
}

int engine_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "serve") return usage_error("engine needs a subcommand: serve");
  octopus::app::EngineAppOptions options;
  std::string listen;
  for (std::size_t i = 1; i < args.size(); ++i)
    if (const auto done = engine_option(args, i, options, listen)) return *done;
  try {
    if (!listen.empty()) options.listen = octopus::config::parse_endpoint(listen);
  } catch (const octopus::config::ConfigError& e) {
    return usage_error(e.what());
  }
  const char* token = std::getenv("OCTOPUS_ENGINE_TOKEN");
  if (!token || !*token) {
    std::cerr << "octopus-gateway: OCTOPUS_ENGINE_TOKEN is not set: the engine refuses to serve without a token\n";
    return 2;
  }
  options.token = token;
  return run_server<octopus::app::EngineApp>(options);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "octopus-gateway " << kVersion << "\n";
    return 0;
  }
  if (args[0] == "serve") return serve({args.begin() + 1, args.end()});
  if (args[0] == "engine") return engine_command({args.begin() + 1, args.end()});
  if (args[0] == "accounts")
    return octopus::app::run_accounts_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  if (args[0] == "audit") return octopus::app::run_audit_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  if (args[0] == "config") {
    if (args.size() < 2 || args[1] != "check") return usage_error("config needs a subcommand: check");
    std::vector<std::string> options(args.begin() + 2, args.end());
    options.push_back("--check");
    return serve(options);
  }
  if (args[0] == "policy")
    return octopus::policy::run_policy_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  return usage_error("unknown command '" + args[0] + "'");
}
