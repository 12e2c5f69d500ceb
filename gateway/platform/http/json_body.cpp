#include "http/json_body.hpp"

#include "http/problem.hpp"

namespace octopus::http {

Step<nlohmann::json> json_body(RequestContext& ctx, bool allow_merge_patch) {
  if (ctx.checked_body) {  // parsed and checked against the schema by the pipeline
    nlohmann::json body = std::move(*ctx.checked_body);
    ctx.checked_body.reset();
    return body;
  }
  const auto ct = ctx.request.header("content-type");
  const auto media = ct.substr(0, ct.find(';'));
  const bool json_type =
      iequals(media, "application/json") || (allow_merge_patch && iequals(media, "application/merge-patch+json"));
  if (!json_type) {
    return make_problem(
        ctx, problems::unsupported_media_type,
        allow_merge_patch ? "Send application/json or application/merge-patch+json." : "Send application/json.");
  }
  auto body = nlohmann::json::parse(ctx.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return make_problem(ctx, problems::malformed_request, "The body must be a JSON object.");
  }
  return body;
}

}  // namespace octopus::http
