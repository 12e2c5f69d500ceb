// A plane (partner or admin): its routes and the stages every non-public request passes
// before its handler. The session calls resolve() then run(); between the two it decides,
// from the route, whether the handler runs on an I/O thread or the worker pool.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http/stage.hpp"

namespace octopus::http {

class Pipeline {
 public:
  explicit Pipeline(vocabulary::Plane plane) : plane_(plane) {}

  std::string_view plane() const { return vocabulary::to_string(plane_); }
  // Checks the route's metadata against the plane (throws std::logic_error at start-up: a
  // partner route without a quota class, a scope or class on another plane) and adds it.
  void add_route(Route route);
  void add_stage(std::unique_ptr<Stage> stage) { stages_.push_back(std::move(stage)); }

  // Routes the request. Returns a response when it cannot be routed (404/405).
  std::optional<Response> resolve(RequestContext& ctx) const;
  // Runs the stages (unless the route is public) and the handler, then shows the answer to
  // the stages that passed the request on. Never throws: an exception escaping a handler
  // becomes a 500 problem with nothing of its text.
  Response run(RequestContext& ctx) const;
  // Adds the headers every response of this plane carries.
  void finish(const RequestContext& ctx, Response& response) const;

 private:
  static Response internal_error(RequestContext& ctx);

  vocabulary::Plane plane_;
  Router router_;
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace octopus::http
