// octopus-gateway: the gateway's one binary. `serve` runs both planes; `policy` holds the
// compliance officers' tools.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "app/gateway_app.hpp"
#include "config/gateway_config.hpp"
#include "observability/log.hpp"
#include "policy/policy_cli.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

void print_help(std::ostream& out) {
  out << R"(octopus-gateway — the Octopus Open Gateway server

Usage:
  octopus-gateway serve [--config FILE] [--listen HOST:PORT] [--admin-listen HOST:PORT] [--data-dir DIR]
                        [--policies DIR]
  octopus-gateway policy check DIR
  octopus-gateway policy test DIR
  octopus-gateway policy explain --case FILE [--policies DIR]
  octopus-gateway policy diff OLD_DIR NEW_DIR
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

)" << octopus::policy::kPolicyHelp << R"(
Environment
  OCTOPUS_ADMIN_TOKEN      required: bearer token for the admin plane (>= 16 chars)

Exit status: 0 after a clean shutdown (serve) or success (policy), 1 on a
runtime failure, a refused policy set or a failing case, 2 on bad usage or
configuration.
)";
}

int usage_error(const std::string& message) {
  std::cerr << "octopus-gateway: " << message << "\nTry 'octopus-gateway --help'.\n";
  return 2;
}

int serve(const std::vector<std::string>& args) {
  std::string config_path, listen, admin_listen, data_dir, policies_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--config") ok = value(config_path);
    else if (a == "--listen") ok = value(listen);
    else if (a == "--admin-listen") ok = value(admin_listen);
    else if (a == "--data-dir") ok = value(data_dir);
    else if (a == "--policies") ok = value(policies_dir);
    else if (a == "--help" || a == "-h") {
      print_help(std::cout);
      return 0;
    } else return usage_error("unknown option '" + a + "'");
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
  } catch (const octopus::config::ConfigError& e) {
    std::cerr << "octopus-gateway: configuration error: " << e.what() << "\n";
    return 2;
  }

  const char* token = std::getenv("OCTOPUS_ADMIN_TOKEN");
  try {
    octopus::app::GatewayApp app(config, token ? token : "");
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
  if (args[0] == "policy") return octopus::policy::run_policy_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  return usage_error("unknown command '" + args[0] + "'");
}
