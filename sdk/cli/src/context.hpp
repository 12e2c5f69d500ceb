// What every `octopus` command shares: where the gateway is, the partner's credential, the
// output format, and the Client made from them.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "octopus/sdk.hpp"

namespace octopus::cli {

struct Context {
  std::string gateway;   // --gateway / OCTOPUS_GATEWAY
  std::string key_id;    // --key-id / OCTOPUS_KEY_ID
  std::string key_file;  // --key / OCTOPUS_KEY_FILE
  std::string ca_file;   // --ca / OCTOPUS_CA_FILE
  bool json = false;     // --json: print the model as JSON (the SDK's fields) instead of a table
  bool verbose = false;  // -v: log retries and reconnects to stderr

  // The Client for this invocation (made on first use; throws CLI::ValidationError when
  // the gateway or the credential is missing).
  Client& client();

 private:
  std::unique_ptr<Client> client_;
};

// Adds the options shared by every command to `app`.
void add_global_options(CLI::App& app, Context& context);

// Each registers a command (with its subcommands) on `app`.
void add_keygen_command(CLI::App& app);
void add_call_command(CLI::App& app, Context& context);
void add_audience_commands(CLI::App& app, Context& context);
void add_offer_commands(CLI::App& app, Context& context);
void add_delivery_commands(CLI::App& app, Context& context);
void add_trigger_commands(CLI::App& app, Context& context);
void add_settlement_commands(CLI::App& app, Context& context);
void add_webhook_commands(CLI::App& app, Context& context);

}  // namespace octopus::cli
