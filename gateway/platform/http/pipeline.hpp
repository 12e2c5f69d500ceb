// A plane (partner or admin): its routes and the stages every non-public request passes
// before its handler. The session calls resolve() then run(); between the two it decides,
// from the route, whether the handler runs on an I/O thread or the worker pool.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http/stage.hpp"
#include "openapi/request_bodies.hpp"

namespace octopus::http {

class Pipeline {
 public:
  explicit Pipeline(vocabulary::Plane plane) : plane_(plane) {}

  std::string_view plane() const { return vocabulary::to_string(plane_); }
  // The plane's API document: routes added after this get the request body it declares for
  // their operation, and a body that breaks its schema is answered 422 (validation-error,
  // one `errors[]` entry per field) before any handler runs.
  void use_request_bodies(std::shared_ptr<const openapi::RequestBodies> bodies) { bodies_ = std::move(bodies); }
  // Checks the route's metadata against the plane (throws std::logic_error at start-up: a
  // partner route without a quota class, a scope or class on another plane) and adds it.
  void add_route(Route route);
  // Operations the plane's document declares a body for that no route serves (a route
  // pattern that differs from the document's path template would go unchecked): the
  // assembly refuses to start with any.
  std::vector<std::string> request_bodies_without_route() const;
  void add_stage(std::unique_ptr<Stage> stage) { stages_.push_back(std::move(stage)); }

  // Routes the request. Returns a response when it cannot be routed (404/405).
  std::optional<Response> resolve(RequestContext& ctx) const;
  // Runs the stages (unless the route is public) and the handler, then shows the answer to
  // the stages that passed the request on. Never throws: an exception escaping a handler
  // becomes a 500 problem with nothing of its text.
  Response run(RequestContext& ctx) const;
  // Adds the headers every response of this plane carries.
  void finish(const RequestContext& ctx, Response& response) const;

  // Told of every answered request (stages and handler run, or answered early), on the
  // thread that answered it, before the answer is written: it must be quick. Set before
  // serving.
  using Observer = std::function<void(const RequestContext&, const Response&)>;
  void observe(Observer observer) { observers_.push_back(std::move(observer)); }

 private:
  static Response internal_error(RequestContext& ctx);
  static std::optional<Response> check_body(RequestContext& ctx);

  vocabulary::Plane plane_;
  Router router_;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::vector<Observer> observers_;
  std::shared_ptr<const openapi::RequestBodies> bodies_;
  std::set<std::pair<std::string, std::string>> routed_;  // (method, pattern) of every route
};

}  // namespace octopus::http
