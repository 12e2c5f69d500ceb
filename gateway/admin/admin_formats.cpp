#include "admin/admin_formats.hpp"

#include <ctime>

#include "http/problem.hpp"

namespace octopus::admin {

std::string rfc3339(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::size_t> page_limit(const std::map<std::string, std::string>& query, std::size_t fallback,
                                      std::size_t max) {
  auto it = query.find("limit");
  if (it == query.end()) return fallback;
  const auto& s = it->second;
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const std::size_t n = std::stoul(s);
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

std::optional<nlohmann::json> json_body(http::RequestContext& ctx, http::Response& error, bool allow_merge_patch) {
  const auto ct = ctx.request.header("content-type");
  const auto media = ct.substr(0, ct.find(';'));
  const bool json_type = http::iequals(media, "application/json") ||
                         (allow_merge_patch && http::iequals(media, "application/merge-patch+json"));
  if (!json_type) {
    error = http::make_problem(ctx, http::problems::unsupported_media_type,
                               allow_merge_patch ? "Send application/json or application/merge-patch+json."
                                                 : "Send application/json.");
    return std::nullopt;
  }
  auto body = nlohmann::json::parse(ctx.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    error = http::make_problem(ctx, http::problems::malformed_request, "The body must be a JSON object.");
    return std::nullopt;
  }
  return body;
}

}  // namespace octopus::admin
