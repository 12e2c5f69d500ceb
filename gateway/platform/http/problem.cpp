#include "http/problem.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace octopus::http {

namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence, marking the cut.
std::string cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // a continuation byte
  return std::string(s.substr(0, end)) + "…";
}

void cap(nlohmann::json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > kMaxProblemText) j = cut(s, kMaxProblemText);
  } else if (j.is_array()) {
    if (j.size() > kMaxProblemItems) j.erase(j.begin() + kMaxProblemItems, j.end());
    for (auto& e : j) cap(e);
  } else if (j.is_object()) {
    for (auto& [_, v] : j.items()) cap(v);
  }
}

}  // namespace

std::string quote_input(std::string_view value, std::size_t max) { return "'" + cut(value, max) + "'"; }

std::string problem_type_uri(const ProblemType& type) {
  std::string uri(kProblemBase);
  uri += type.slug;
  return uri;
}

Response make_problem(const ProblemType& type, std::string detail, std::string_view request_id,
                      std::string_view instance) {
  nlohmann::json body = {
      {"type", problem_type_uri(type)},
      {"title", type.title},
      {"status", type.status},
      {"detail", detail.size() > kMaxProblemText ? cut(detail, kMaxProblemText) : std::move(detail)},
      {"instance", instance},
      {"request_id", request_id},
  };
  Response r;
  r.status = type.status;
  r.set_header("Content-Type", "application/problem+json");
  r.body = body.dump();
  return r;
}

Response make_problem(RequestContext& ctx, const ProblemType& type, std::string detail) {
  return make_problem(ctx, type, std::move(detail), nlohmann::json::object());
}

Response make_problem(RequestContext& ctx, const ProblemType& type, std::string detail,
                      const nlohmann::json& extensions) {
  ctx.outcome = type.slug;
  // The instance names this occurrence: the request id, resolvable through the access log.
  std::string instance = "urn:octopus:request:" + ctx.request_id;
  Response r = make_problem(type, std::move(detail), ctx.request_id, instance);
  if (extensions.is_object() && !extensions.empty()) {
    auto body = nlohmann::json::parse(r.body);
    for (auto it = extensions.begin(); it != extensions.end(); ++it) {
      body[it.key()] = it.value();
      cap(body[it.key()]);
    }
    r.body = body.dump();
  }
  return r;
}

Response make_unavailable(RequestContext& ctx, const ProblemType& type, std::string detail,
                          std::chrono::seconds retry_after) {
  Response r = make_problem(ctx, type, std::move(detail));
  r.set_header("Retry-After", std::to_string(std::max<std::int64_t>(1, retry_after.count())));
  return r;
}

Response make_json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

}  // namespace octopus::http
