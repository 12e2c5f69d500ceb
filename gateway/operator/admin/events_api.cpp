#include "admin/events_api.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "admin/admin_audit.hpp"
#include "engine/remote/engine_wire.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"

namespace octopus::admin {

using nlohmann::json;

void register_event_routes(http::Pipeline& admin_plane, EventsApiDeps deps) {
  admin_plane.add_route(
      {.method = "POST",
       .pattern = "/admin/v1/events",
       .handler =
           [deps](http::RequestContext& ctx) {
             auto body = http::json_body(ctx);
             if (!body) return body.answer();
             engine::SubscriberEvent event;  // admin.yaml leaves out sequence and at_ms: the engine sets them
             try {
               event = engine::wire::event_from_json(*body);
             } catch (const engine::wire::WireError& e) {
               return http::make_problem(ctx, http::problems::validation_error,
                                         "The event breaks its schema; see errors.",
                                         {{"errors", json::array({{{"pointer", ""}, {"detail", e.what()}}})}});
             }
             std::uint64_t sequence = 0;
             try {
               sequence = engine::await(deps.engine.inject_event(event), deps.engine_timeout, std::chrono::seconds(1));
             } catch (const engine::EngineUnavailable& e) {
               return http::make_unavailable(ctx, http::problems::engine_unavailable,
                                             "The engine is not answering; the event was not added.", e.retry_after());
             } catch (const std::invalid_argument& e) {
               return http::make_problem(ctx, http::problems::validation_error,
                                         "The engine refused the event; see errors.",
                                         {{"errors", json::array({{{"pointer", ""}, {"detail", e.what()}}})}});
             }
             record_admin_action(deps.audit, deps.clock, ctx, "engine.event_injected", std::to_string(event.subscriber),
                                 deps.policies.current()->version, {{"type", event.type}, {"sequence", sequence}});
             return http::make_json(201, json{{"sequence", sequence}, {"type", event.type}});
           },
       .blocking = true});
}

}  // namespace octopus::admin
