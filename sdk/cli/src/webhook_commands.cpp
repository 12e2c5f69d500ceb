#include <fstream>

#include "resource_commands.hpp"
#include "webhook_listener.hpp"

namespace octopus::cli {
namespace {

void add_create(CLI::App& webhooks, Context& context) {
  auto* cmd = webhooks.add_subcommand("create", "Register a URL for your callbacks (its secret is shown once)");
  auto body = std::make_shared<WebhookEndpointCreate>();
  auto versions = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--url", body->url, "https:// URL the gateway posts to")->required();
  cmd->add_option("--events", body->event_types, "Event types (comma-separated), e.g. settlement.earned")
      ->delimiter(',')
      ->required();
  cmd->add_option("--signatures", *versions, "Signature versions: v1 (default) and/or v1a")->delimiter(',');
  cmd->callback([&context, body, versions] {
    auto request = *body;
    if (!versions->empty()) request.signature_versions = *versions;
    print(context, context.client().create_webhook_endpoint(request));
  });
}

void add_replay(CLI::App& webhooks, Context& context) {
  auto* cmd = webhooks.add_subcommand("replay", "Send events to an endpoint again");
  auto id = std::make_shared<std::string>();
  auto body = std::make_shared<WebhookReplay>();
  cmd->add_option("id", *id, "The endpoint's id")->required();
  auto* event = cmd->add_option("--event", body->event_id, "One event id");
  auto* from = cmd->add_option("--from", body->from, "Start of a time range (RFC 3339)")->excludes(event);
  cmd->add_option("--until", body->until, "End of the time range (RFC 3339)")->needs(from);
  cmd->callback([&context, id, body] { print(context, context.client().replay_webhook_events(*id, *body)); });
}

void add_listen(CLI::App& webhooks) {
  auto* cmd = webhooks.add_subcommand("listen", "Receive callbacks locally: verify each and print the event");
  auto options = std::make_shared<ListenOptions>();
  auto secrets = std::make_shared<std::vector<std::string>>();
  auto keys = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--port", options->port, "Port to listen on (0: any free port)")->required();
  cmd->add_option("--host", options->host, "Address to listen on (default 127.0.0.1)");
  auto secret_file = std::make_shared<std::string>();
  cmd->add_option("--secret", *secrets, "The endpoint's whsec_ secret (repeat during a rotation)");
  cmd->add_option("--secret-file", *secret_file, "A file holding the secret (keeps it out of `ps`)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--public-key", *keys, "An operator whpk_ key, to accept v1a signatures");
  auto* cert = cmd->add_option("--tls-cert", options->tls_cert, "Certificate chain (PEM) to serve HTTPS")
                   ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", options->tls_key, "Its private key (PEM)")->check(CLI::ExistingFile)->needs(cert);
  cert->needs("--tls-key");
  cmd->add_option("--count", options->count, "Exit after this many verified callbacks");
  cmd->add_flag("--json-lines", options->json, "Print each event as one line of JSON");
  cmd->callback([options, secrets, keys, secret_file] {
    if (!secret_file->empty()) {
      std::ifstream in(*secret_file);
      std::string secret;
      in >> secret;
      secrets->push_back(secret);
    }
    if (secrets->empty() && keys->empty()) throw CLI::ValidationError("--secret", "give a secret or a public key");
    WebhookVerifier verifier(*secrets);
    for (const auto& key : *keys) verifier.add_public_key(key);
    listen_for_webhooks(*options, verifier);
  });
}

}  // namespace

void add_webhook_commands(CLI::App& app, Context& context) {
  auto* webhooks = app.add_subcommand("webhooks", "Callback endpoints, their deliveries, and a local receiver")
                       ->require_subcommand(1);
  add_create(*webhooks, context);
  add_get(*webhooks, context, "Show one endpoint",
          [](Client& c, const std::string& id) { return c.get_webhook_endpoint(id); });
  add_list(*webhooks, context, "List your endpoints", {"id", "url", "event_types", "signature_versions", "created_at"},
           [](Client& c) { return c.list_webhook_endpoints(); });
  add_action(*webhooks, context, "delete", "Stop sending callbacks to an endpoint",
             [](Client& c, const std::string& id) { c.delete_webhook_endpoint(id); });
  add_action(*webhooks, context, "rotate", "A new signing secret (the old one signs beside it for a day)",
             [](Client& c, const std::string& id) { return c.rotate_webhook_secret(id); });
  add_action(*webhooks, context, "test", "Send an endpoint a signed ping",
             [](Client& c, const std::string& id) { return c.test_webhook_endpoint(id); });
  add_replay(*webhooks, context);
  auto* deliveries = webhooks->add_subcommand("deliveries", "What became of each event sent to an endpoint");
  auto id = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  deliveries->add_option("id", *id, "The endpoint's id")->required();
  deliveries->add_option("--state", *state, "pending, delivered or dead");
  deliveries->callback([&context, id, state] {
    ListWebhookDeliveriesQuery query;
    if (!state->empty()) query.state = *state;
    print_list(context, context.client().list_webhook_deliveries(*id, query),
               {"event_id", "type", "state", "attempts", "last_status", "next_attempt_at"}, 0);
  });
  auto* keys = webhooks->add_subcommand("signing-keys", "The operator's public keys for v1a signatures");
  keys->callback([&context] {
    nlohmann::json j;
    to_json(j, context.client().list_webhook_signing_keys());
    print_table(context, j["keys"], {"id", "algorithm", "public_key"});
  });
  add_listen(*webhooks);
}

}  // namespace octopus::cli
