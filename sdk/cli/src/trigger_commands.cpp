#include "resource_commands.hpp"

namespace octopus::cli {
namespace {

void add_create(CLI::App& triggers, Context& context) {
  auto* cmd = triggers.add_subcommand("create", "Have an offer sent within a second of a subscriber event");
  struct Args {
    std::string offer, event, segment, purpose;
    std::int64_t cooldown = 0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--offer", args->offer, "An approved offer")->required();
  cmd->add_option("--event", args->event, "data_balance_low, roaming_started, entered_area, recharge, app_installed")
      ->required();
  cmd->add_option("--segment", args->segment, "Segment JSON (inline or @file)")->required();
  cmd->add_option("--cooldown", args->cooldown, "Seconds before the same subscriber can fire it again");
  cmd->add_option("--purpose", args->purpose, "Purpose (DPV term)");
  cmd->callback([&context, args] {
    TriggerCreate body{args->offer, args->event, json_argument("--segment", args->segment)};
    if (args->cooldown) body.cooldown_seconds = args->cooldown;
    if (!args->purpose.empty()) body.purpose = args->purpose;
    print(context, context.client().create_trigger(body));
  });
}

}  // namespace

void add_trigger_commands(CLI::App& app, Context& context) {
  auto* triggers = app.add_subcommand("triggers", "Register and inspect real-time triggers")->require_subcommand(1);
  add_create(*triggers, context);
  add_get(*triggers, context, "Show one trigger with its counts",
          [](Client& c, const std::string& id) { return c.get_trigger(id); });
  add_list(*triggers, context, "List your triggers", {"id", "offer_id", "event_type", "status", "created_at"},
           [](Client& c) { return c.list_triggers(); });
  add_action(*triggers, context, "delete", "Stop a trigger",
             [](Client& c, const std::string& id) { c.delete_trigger(id); });
}

}  // namespace octopus::cli
