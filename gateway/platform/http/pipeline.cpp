#include "http/pipeline.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "observability/log.hpp"

namespace octopus::http {

void Pipeline::add_route(Route route) {
  const auto where = std::string(plane()) + " route " + route.method + " " + route.pattern;
  const bool partner = plane_ == vocabulary::Plane::partner && !route.public_route;
  if (partner && !route.capability_class)
    throw std::logic_error(where + " declares no capability class (quotas.yaml): every partner request counts");
  if (!partner && route.capability_class)
    throw std::logic_error(where + " declares a capability class off the partner plane");
  if (!partner && route.required_scope != vocabulary::Scope::none)
    throw std::logic_error(where + " declares a partner scope off the partner plane");
  const bool admin = plane_ == vocabulary::Plane::admin && !route.public_route;
  if (admin && route.roles.empty())
    throw std::logic_error(where + " declares no operator roles: every admin route says who may call it");
  if (!admin && !route.roles.empty()) throw std::logic_error(where + " declares operator roles off the admin plane");
  // The admin plane's authentication reads the accounts store: its routes run on the
  // worker pool, never on an I/O thread.
  if (admin) route.blocking = true;
  if (bodies_) route.request_body = bodies_->find(route.method, route.pattern);
  routed_.emplace(route.method, route.pattern);
  router_.add(std::move(route));
}

std::vector<std::string> Pipeline::request_bodies_without_route() const {
  std::vector<std::string> out;
  if (!bodies_) return out;
  for (const auto& operation : bodies_->operations())
    if (!routed_.count(operation)) out.push_back(operation.first + " " + operation.second);
  return out;
}

std::optional<Response> Pipeline::resolve(RequestContext& ctx) const {
  std::string allowed;
  const Route* route = nullptr;
  switch (router_.match(ctx.request.method, ctx.request.path(), route, ctx.path_params, allowed)) {
    case Router::Result::found: ctx.route = route; return std::nullopt;
    case Router::Result::method_not_allowed: {
      Response r =
          make_problem(ctx, problems::method_not_allowed, "This resource does not support " + ctx.request.method + ".");
      r.set_header("Allow", allowed);
      return r;
    }
    case Router::Result::not_found: break;
  }
  return make_problem(ctx, problems::not_found, "No resource at this path.");
}

Response Pipeline::run(RequestContext& ctx) const {
  const observability::RequestLogScope log_scope(ctx.request_id);
  std::size_t passed = 0;  // stages that let the request continue
  Response response;
  try {
    std::optional<Response> answer;
    if (!ctx.route->public_route) {
      for (; passed < stages_.size(); ++passed) {
        if ((answer = stages_[passed]->on_request(ctx))) break;
      }
    }
    if (!answer && ctx.route->request_body) answer = check_body(ctx);
    response = answer ? std::move(*answer) : ctx.route->handler(ctx);
  } catch (const std::exception& e) {
    observability::log_error("handler_exception", {{"request_id", ctx.request_id}, {"what", e.what()}});
    response = internal_error(ctx);
  } catch (...) {
    observability::log_error("handler_exception", {{"request_id", ctx.request_id}, {"what", "unknown"}});
    response = internal_error(ctx);
  }
  for (std::size_t i = passed; i-- > 0;) {
    try {
      stages_[i]->on_response(ctx, response);
    } catch (const std::exception& e) {
      observability::log_error(
          "stage_exception",
          {{"request_id", ctx.request_id}, {"stage", std::string(stages_[i]->name())}, {"what", e.what()}});
    }
  }
  return response;
}

// An optional body may be left out. Otherwise: 415 for another media type, 400 for anything but a JSON object, 422
// naming every field that breaks the schema; otherwise the parsed body waits in the context for the handler.
std::optional<Response> Pipeline::check_body(RequestContext& ctx) {
  const openapi::RequestBody& declared = *ctx.route->request_body;
  if (ctx.request.body.empty() && !declared.required()) return std::nullopt;
  auto body = json_body(ctx, declared.accepts_merge_patch());
  if (!body) return body.answer();
  auto fields = declared.check(*body);
  if (ctx.route->body_rules) {
    // A member the schema already refused is not refused a second time.
    for (auto& broken : ctx.route->body_rules(ctx, *body)) {
      const bool reported = std::any_of(fields.begin(), fields.end(),
                                        [&](const openapi::FieldError& f) { return f.pointer == broken.pointer; });
      if (!reported) fields.push_back(std::move(broken));
    }
  }
  if (fields.empty()) {
    ctx.checked_body = std::move(*body);
    return std::nullopt;
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& field : fields) errors.push_back({{"pointer", field.pointer}, {"detail", field.detail}});
  return make_problem(ctx, problems::validation_error,
                      std::to_string(fields.size()) + " field(s) are invalid; see errors.", {{"errors", errors}});
}

Response Pipeline::internal_error(RequestContext& ctx) {
  return make_problem(ctx, problems::internal_error,
                      "The gateway could not complete the request; quote the request_id to support.");
}

void Pipeline::finish(const RequestContext& ctx, Response& response) const {
  response.set_header("X-Request-Id", ctx.request_id);
  if (!ctx.correlator.empty()) response.set_header("x-correlator", ctx.correlator);
  if (!ctx.policy_version.empty()) response.set_header("Octopus-Policy-Version", std::string(ctx.policy_version));
  for (const auto& [name, value] : ctx.response_headers) response.set_header(name, value);
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  for (const auto& observer : observers_) observer(ctx, response);
}

}  // namespace octopus::http
