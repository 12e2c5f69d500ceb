#include "context.hpp"

#include <iostream>

namespace octopus::cli {

void add_global_options(CLI::App& app, Context& context) {
  app.add_option("--gateway", context.gateway, "Gateway endpoint, https://host[:port]")->envname("OCTOPUS_GATEWAY");
  app.add_option("--key-id", context.key_id, "Your key id, as the operator registered it")->envname("OCTOPUS_KEY_ID");
  app.add_option("--key", context.key_file, "Your Ed25519 private key (PEM), as `octopus keygen` wrote it")
      ->envname("OCTOPUS_KEY_FILE");
  app.add_option("--ca", context.ca_file, "PEM bundle to trust instead of the system store")
      ->envname("OCTOPUS_CA_FILE");
  app.add_flag("--json", context.json, "Print JSON instead of tables");
  app.add_flag("-v,--verbose", context.verbose, "Log retries and reconnects to stderr");
}

Client& Context::client() {
  if (client_) return *client_;
  if (gateway.empty()) throw CLI::ValidationError("--gateway", "say which gateway (or set OCTOPUS_GATEWAY)");
  if (key_id.empty() || key_file.empty())
    throw CLI::ValidationError("--key-id/--key", "give your key id and key file (or OCTOPUS_KEY_ID, OCTOPUS_KEY_FILE)");
  ClientOptions options;
  options.ca_file = ca_file;
  options.user_agent_suffix = "octopus-cli";
  if (verbose) options.logger = [](LogLevel, const std::string& line) { std::cerr << "octopus: " << line << "\n"; };
  client_ = std::make_unique<Client>(gateway, Credential::from_pem_file(key_id, key_file), options);
  return *client_;
}

}  // namespace octopus::cli
