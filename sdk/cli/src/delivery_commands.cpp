#include "resource_commands.hpp"

namespace octopus::cli {
namespace {

void add_create(CLI::App& deliveries, Context& context) {
  auto* cmd = deliveries.add_subcommand("create", "Have an approved offer delivered to an audience or to tokens");
  struct Args {
    DeliveryCreate body;
    std::string audience, send_at;
    std::vector<std::string> tokens;
    bool wait = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--offer", args->body.offer_id, "An approved offer")->required();
  auto* audience = cmd->add_option("--audience", args->audience, "A ready audience");
  cmd->add_option("--tokens", args->tokens, "Subscriber tokens (comma-separated)")->delimiter(',')->excludes(audience);
  cmd->add_option("--send-at", args->send_at, "RFC 3339 date-time to send at (default now)");
  cmd->add_flag("--wait", args->wait, "Wait until it finishes, showing progress");
  cmd->callback([&context, args] {
    auto body = args->body;
    if (!args->audience.empty()) body.audience_id = args->audience;
    if (!args->tokens.empty()) body.subscriber_tokens = args->tokens;
    if (!args->send_at.empty()) body.send_at = args->send_at;
    if (!body.audience_id && !body.subscriber_tokens)
      throw CLI::ValidationError("--audience/--tokens", "say whom: an audience or subscriber tokens");
    auto delivery = context.client().create_delivery(body);
    if (args->wait) delivery = context.client().wait_for_delivery(delivery.id, waiting(delivery.id));
    print(context, delivery);
  });
}

}  // namespace

void add_delivery_commands(CLI::App& app, Context& context) {
  auto* deliveries = app.add_subcommand("deliveries", "Deliver offers and follow them")->require_subcommand(1);
  add_create(*deliveries, context);
  add_get(*deliveries, context, "Show one delivery",
          [](Client& c, const std::string& id) { return c.get_delivery(id); });
  add_action(*deliveries, context, "wait", "Wait until a delivery finishes, showing progress",
             [](Client& c, const std::string& id) { return c.wait_for_delivery(id, waiting(id)); });
  add_action(*deliveries, context, "cancel", "Stop a delivery",
             [](Client& c, const std::string& id) { return c.cancel_delivery(id); });
  add_list(*deliveries, context, "List your deliveries", {"id", "offer_id", "status", "progress", "created_at"},
           [](Client& c) { return c.list_deliveries(); });
}

}  // namespace octopus::cli
