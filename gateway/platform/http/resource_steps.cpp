#include "http/resource_steps.hpp"

#include "http/formats.hpp"
#include "http/query.hpp"

namespace octopus::http {

Step<PageRequest> page_request(RequestContext& ctx, const CursorCheck& valid_cursor, std::size_t fallback,
                               std::size_t max) {
  auto query = parse_query(ctx.request.query());
  if (!query) return make_problem(ctx, problems::malformed_request, "The query string is malformed.");
  const auto limit = page_limit(*query, fallback, max);
  if (!limit)
    return make_problem(ctx, problems::malformed_request,
                        "limit must be an integer from 1 to " + std::to_string(max) + ".");
  PageRequest r{std::move(*query), *limit, std::nullopt};
  if (auto it = r.query.find("cursor"); it != r.query.end()) {
    if (!valid_cursor(it->second))
      return make_problem(ctx, problems::malformed_request,
                          "cursor is not one this API returned; start again without it.");
    r.after = it->second;
  }
  return r;
}

Response not_owned(RequestContext& ctx, std::string_view noun) {
  return make_problem(ctx, problems::not_found, "You have no " + std::string(noun) + " with this id.");
}

Response accepted(int status, const nlohmann::json& body, const std::string& location) {
  auto r = make_json(status, body);
  r.set_header("Location", location);
  return r;
}

Response no_content() {
  Response r;
  r.status = 204;
  return r;
}

}  // namespace octopus::http
