// The `get ID`, `list` and `delete ID` subcommands every resource has, from one shape.
#pragma once
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "output.hpp"

namespace octopus::cli {

// `get ID`: prints what `fetch(client, id)` returns.
template <class Fetch>
void add_get(CLI::App& parent, Context& context, const std::string& help, Fetch fetch) {
  auto id = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("get", help);
  cmd->add_option("id", *id, "The resource's id")->required();
  cmd->callback([&context, id, fetch] { print(context, fetch(context.client(), *id)); });
}

// `list [--limit N]`: a table of what the pager from `list(client)` yields.
template <class List>
void add_list(CLI::App& parent, Context& context, const std::string& help, std::vector<std::string> columns,
              List list) {
  auto limit = std::make_shared<std::size_t>(0);
  auto* cmd = parent.add_subcommand("list", help);
  cmd->add_option("--limit", *limit, "Show at most this many (default: all, page by page)");
  cmd->callback([&context, limit, columns, list] { print_list(context, list(context.client()), columns, *limit); });
}

// `<name> ID`: runs `act(client, id)` (a delete, a cancel) and prints what it returns, if anything.
template <class Act>
void add_action(CLI::App& parent, Context& context, const std::string& name, const std::string& help, Act act) {
  auto id = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, help);
  cmd->add_option("id", *id, "The resource's id")->required();
  cmd->callback([&context, id, act, name] {
    if constexpr (std::is_void_v<decltype(act(context.client(), *id))>) {
      act(context.client(), *id);
      std::cerr << name << ": done for " << *id << "\n";
    } else {
      print(context, act(context.client(), *id));
    }
  });
}

// Waits with a progress bar on stderr (30 minutes at most).
inline WaitOptions waiting(const std::string& label) {
  WaitOptions wait;
  wait.timeout = std::chrono::minutes(30);
  wait.on_progress = progress_bar(label);
  return wait;
}

}  // namespace octopus::cli
