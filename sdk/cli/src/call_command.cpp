#include <iostream>

#include "output.hpp"

namespace octopus::cli {

// `octopus call GET /v1/capabilities`, `octopus call POST /v1/offers --data @offer.json`: a
// signed request to any path, with retries; prints the status line to stderr and the body.
void add_call_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("call", "Send one signed request (like curl, signed) and print the answer");
  struct Args {
    std::string method, path, data;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("method", args->method, "GET, POST or DELETE")
      ->required()
      ->check(CLI::IsMember({"GET", "POST", "DELETE"}));
  cmd->add_option("path", args->path, "Path and query, e.g. /v1/offers?limit=5")->required();
  cmd->add_option("-d,--data", args->data, "JSON body (inline or @file)");
  cmd->callback([&context, args] {
    const std::string body = args->data.empty() ? "" : json_argument("--data", args->data).text();
    const auto response = context.client().call(args->method, args->path, body);
    std::cerr << "HTTP " << response.status << "  request " << response.info.request_id << "\n";
    std::cout << response.body << (response.body.empty() || response.body.back() == '\n' ? "" : "\n");
    if (response.status >= 400) throw CLI::RuntimeError(1);
  });
}

}  // namespace octopus::cli
