#include "resource_commands.hpp"

namespace octopus::cli {
namespace {

void add_create(CLI::App& offers, Context& context) {
  auto* cmd = offers.add_subcommand("create", "Submit an offer; the content policy decides at once");
  auto offer = std::make_shared<OfferCreate>();
  auto name = std::make_shared<std::string>();
  cmd->add_option("--channel", offer->channel, "sms, push or outbound_call")->required();
  cmd->add_option("--template", offer->template_, "The message text")->required();
  cmd->add_option("--product", offer->product_code, "Operator product code (see `octopus products`)")->required();
  cmd->add_option("--landing-url", offer->landing_url, "https:// landing page")->required();
  cmd->add_option("--valid-until", offer->valid_until, "RFC 3339 date-time")->required();
  cmd->add_option("--name", *name, "A name for your own use");
  cmd->callback([&context, offer, name] {
    auto body = *offer;
    if (!name->empty()) body.name = *name;
    print(context, context.client().create_offer(body));
  });
}

}  // namespace

void add_offer_commands(CLI::App& app, Context& context) {
  auto* offers = app.add_subcommand("offers", "Submit and inspect offers")->require_subcommand(1);
  add_create(*offers, context);
  add_get(*offers, context, "Show one offer with its decision",
          [](Client& c, const std::string& id) { return c.get_offer(id); });
  auto status = std::make_shared<std::string>();
  auto* list = offers->add_subcommand("list", "List your offers");
  auto limit = std::make_shared<std::size_t>(0);
  list->add_option("--status", *status, "Only offers with this status: approved, rejected or pending_review");
  list->add_option("--limit", *limit, "Show at most this many (default: all, page by page)");
  list->callback([&context, status, limit] {
    ListOffersQuery query;
    if (!status->empty()) query.status = *status;
    print_list(context, context.client().list_offers(query),
               {"id", "status", "channel", "product_code", "valid_until", "name"}, *limit);
  });
  auto* products = app.add_subcommand("products", "The operator products an offer may promote");
  products->callback([&context] {
    nlohmann::json j;
    to_json(j, context.client().list_products());
    print_table(context, j["products"], {"code", "name", "eligibility"});
  });
  auto* capabilities = app.add_subcommand("capabilities", "What you may do, and your plan");
  capabilities->callback([&context] { print(context, context.client().get_capabilities()); });
  auto* targeting = app.add_subcommand("targeting", "The attributes and tags you may target");
  targeting->callback([&context] {
    nlohmann::json j;
    to_json(j, context.client().get_targeting_attributes());
    if (context.json) return print_object(context, j);
    print_table(context, j["attributes"], {"name", "values", "ordered"});
    std::cout << "tags: " << j["tags"].dump() << "\nminimum audience size: " << j["minimum_audience_size"] << "\n";
  });
}

}  // namespace octopus::cli
