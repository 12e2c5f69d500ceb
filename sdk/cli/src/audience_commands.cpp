#include "resource_commands.hpp"

namespace octopus::cli {
namespace {

AudienceEstimateRequest estimate_request(const std::string& segment, const std::string& purpose) {
  AudienceEstimateRequest request{json_argument("--segment", segment)};
  if (!purpose.empty()) request.purpose = purpose;
  return request;
}

void add_estimate(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("estimate", "Count an audience (privacy-filtered)");
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  cmd->add_option("--segment", args->first, "Segment JSON (inline or @file)")->required();
  cmd->add_option("--purpose", args->second, "Purpose (DPV term)");
  cmd->callback([&context, args] {
    print(context, context.client().estimate_audience(estimate_request(args->first, args->second)));
  });
}

void add_create(CLI::App& audiences, Context& context) {
  auto* cmd = audiences.add_subcommand("create", "Materialise an audience");
  struct Args {
    std::string segment, purpose;
    bool wait = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--segment", args->segment, "Segment JSON (inline or @file)")->required();
  cmd->add_option("--purpose", args->purpose, "Purpose (DPV term)");
  cmd->add_flag("--wait", args->wait, "Wait until it is ready, showing progress");
  cmd->callback([&context, args] {
    auto audience = context.client().create_audience(estimate_request(args->segment, args->purpose));
    if (args->wait) audience = context.client().wait_for_audience(audience.id, waiting(audience.id));
    print(context, audience);
  });
}

}  // namespace

void add_audience_commands(CLI::App& app, Context& context) {
  add_estimate(app, context);
  auto* audiences = app.add_subcommand("audiences", "Build and inspect audiences")->require_subcommand(1);
  add_create(*audiences, context);
  add_get(*audiences, context, "Show one audience",
          [](Client& c, const std::string& id) { return c.get_audience(id); });
  add_action(*audiences, context, "wait", "Wait until an audience is ready, showing progress",
             [](Client& c, const std::string& id) { return c.wait_for_audience(id, waiting(id)); });
  add_list(*audiences, context, "List your audiences", {"id", "status", "count", "suppressed", "purpose", "created_at"},
           [](Client& c) { return c.list_audiences(); });
  add_action(*audiences, context, "delete", "Delete an audience",
             [](Client& c, const std::string& id) { c.delete_audience(id); });
}

}  // namespace octopus::cli
