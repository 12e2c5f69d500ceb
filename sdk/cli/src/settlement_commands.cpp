#include "resource_commands.hpp"

namespace octopus::cli {

void add_settlement_commands(CLI::App& app, Context& context) {
  auto* settlements = app.add_subcommand("settlements", "Your ledger entries")->require_subcommand(1);
  add_list(*settlements, context, "List ledger entries in ledger order",
           {"sequence", "type", "amount_fen", "order_id", "product_code", "occurred_at"},
           [](Client& c) { return c.list_settlements(); });
  auto* statements = app.add_subcommand("statements", "Monthly statements")->require_subcommand(1);
  auto month = std::make_shared<std::string>();
  auto csv = std::make_shared<bool>(false);
  auto* get = statements->add_subcommand("get", "One month, totalled (YYYY-MM)");
  get->add_option("month", *month, "YYYY-MM")->required();
  get->add_flag("--csv", *csv, "Print the statement as CSV");
  get->callback([&context, month, csv] {
    if (*csv)
      std::cout << context.client().get_settlement_statement_csv(*month);
    else
      print(context, context.client().get_settlement_statement(*month));
  });
}

}  // namespace octopus::cli
