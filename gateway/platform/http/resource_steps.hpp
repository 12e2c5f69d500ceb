// The steps every resource handler of the partner API shares, so that each capability's
// handlers read as parse → authorise → act → render and answer alike:
//   page_request()   `limit` and `cursor` of a cursor-paged list (400 with what is wrong)
//   owned()          the caller's own resource by id, or 404 (another partner's id is as
//                    absent as an unknown or malformed one)
//   accepted()       201/202 with the resource and its Location
//   no_content()     204
#pragma once
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "http/message.hpp"
#include "http/paging.hpp"
#include "http/problem.hpp"
#include "http/request_context.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/step.hpp"

namespace octopus::http {

// Whether a cursor is one the list returned (the id of an item of that list).
using CursorCheck = std::function<bool(std::string_view)>;

Step<PageRequest> page_request(RequestContext& ctx, const CursorCheck& valid_cursor, std::size_t fallback = 50,
                               std::size_t max = 200);

// "You have no <noun> with this id." as a 404 problem.
Response not_owned(RequestContext& ctx, std::string_view noun);

// The record `find` returns for the path's `{id}` when `well_formed(id)`; otherwise, or when
// it returns nothing, 404.
template <typename Find>
auto owned(RequestContext& ctx, std::string_view noun, bool (*well_formed)(std::string_view), Find find)
    -> Step<typename std::invoke_result_t<Find, const std::string&>::value_type> {
  const auto& id = ctx.path_params.at("id");
  if (well_formed(id))
    if (auto found = find(id)) return std::move(*found);
  return not_owned(ctx, noun);
}

// 201 or 202 with the resource and `Location: <location>`.
Response accepted(int status, const nlohmann::json& body, const std::string& location);
Response no_content();

// A route handler that calls `method` on a capability's handlers object (shared by its routes).
template <typename Handlers>
Handler bind(std::shared_ptr<Handlers> handlers, Response (Handlers::*method)(RequestContext&)) {
  return [handlers = std::move(handlers), method](RequestContext& ctx) { return ((*handlers).*method)(ctx); };
}

// The body rules a handlers object declares for one route (nullptr: none).
template <typename Handlers>
using RulesMethod = std::vector<openapi::FieldError> (Handlers::*)(RequestContext&, const nlohmann::json&) const;

template <typename Handlers>
BodyRules bind_rules(std::shared_ptr<Handlers> handlers, RulesMethod<Handlers> rules) {
  if (!rules) return {};
  return [handlers = std::move(handlers), rules](RequestContext& ctx, const nlohmann::json& body) {
    return ((*handlers).*rules)(ctx, body);
  };
}

// One partner-plane operation of a capability: the routes of a capability are a table of
// these, every one running on the worker pool (handlers read the store).
template <typename Handlers>
struct PartnerRoute {
  std::string method;
  std::string pattern;
  Response (Handlers::*handler)(RequestContext&);
  vocabulary::Scope scope;
  vocabulary::CapabilityClass capability_class;
  bool idempotent = false;                     // a POST that creates or spends: Idempotency-Key makes retries safe
  RulesMethod<Handlers> body_rules = nullptr;  // checks of the body its schema cannot express
};

template <typename Handlers>
void add_partner_routes(Pipeline& plane, const std::shared_ptr<Handlers>& handlers,
                        std::initializer_list<PartnerRoute<Handlers>> routes) {
  for (const auto& r : routes)
    plane.add_route({.method = r.method,
                     .pattern = r.pattern,
                     .handler = bind(handlers, r.handler),
                     .blocking = true,
                     .idempotent = r.idempotent,
                     .required_scope = r.scope,
                     .capability_class = r.capability_class,
                     .body_rules = bind_rules(handlers, r.body_rules)});
}

// One operation of the admin plane (the account stages guard them all: `roles` may call
// it); every one runs on the worker pool.
template <typename Handlers>
struct AdminRoute {
  std::string method;
  std::string pattern;
  Response (Handlers::*handler)(RequestContext&);
  vocabulary::RoleSet roles;
  RulesMethod<Handlers> body_rules = nullptr;  // checks of the body its schema cannot express
};

template <typename Handlers>
void add_admin_routes(Pipeline& plane, const std::shared_ptr<Handlers>& handlers,
                      std::initializer_list<AdminRoute<Handlers>> routes) {
  for (const auto& r : routes)
    plane.add_route({.method = r.method,
                     .pattern = r.pattern,
                     .handler = bind(handlers, r.handler),
                     .blocking = true,
                     .body_rules = bind_rules(handlers, r.body_rules),
                     .roles = r.roles});
}

}  // namespace octopus::http
