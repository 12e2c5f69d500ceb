// octopus: the partner's command-line tool for the Octopus Open Gateway, on the SDK.
//   octopus keygen --out partner.pem
//   export OCTOPUS_GATEWAY=https://gateway.example OCTOPUS_KEY_ID=key-1 OCTOPUS_KEY_FILE=partner.pem
//   octopus estimate --segment '{"tag":"streaming"}'
//   octopus audiences create --segment @segment.json --wait
//   octopus webhooks listen --port 8500 --secret whsec_...
// Exit status: 0 done; 1 the gateway refused (the problem is printed) or the command
// failed otherwise (an answer that is not what partner.yaml promises, a wait that timed
// out, a port that cannot be bound); 2 bad input; 3 the gateway could not be reached.
#include <iostream>

#include "context.hpp"
#include "output.hpp"

int main(int argc, char** argv) {
  CLI::App app{"octopus: the Octopus Open Gateway from the command line (SDK " + std::string(octopus::sdk_version()) +
               ")"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command too
  app.set_version_flag("--version", octopus::sdk_version());
  octopus::cli::Context context;
  octopus::cli::add_global_options(app, context);
  octopus::cli::add_keygen_command(app);
  octopus::cli::add_call_command(app, context);
  octopus::cli::add_audience_commands(app, context);
  octopus::cli::add_offer_commands(app, context);
  octopus::cli::add_delivery_commands(app, context);
  octopus::cli::add_trigger_commands(app, context);
  octopus::cli::add_settlement_commands(app, context);
  octopus::cli::add_webhook_commands(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or what is wrong with the input
    if (code == 0 || dynamic_cast<const CLI::RuntimeError*>(&e)) return code;
    return 2;
  } catch (const std::exception& e) {
    return octopus::cli::report(e);
  }
  return 0;
}
