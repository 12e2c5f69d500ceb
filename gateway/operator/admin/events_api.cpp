#include "admin/events_api.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "admin/admin_audit.hpp"
#include "engine/remote/engine_wire.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/resource_steps.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

http::Response refused(http::RequestContext& ctx, const char* what, const std::string& why) {
  return http::make_problem(ctx, http::problems::validation_error, what,
                            {{"errors", json::array({{{"pointer", ""}, {"detail", why}}})}});
}

// What an operator adds to the engine's streams, as the engine would have seen it.
class StreamHandlers {
 public:
  explicit StreamHandlers(EventsApiDeps deps) : deps_(deps) {}

  http::Response inject_event(http::RequestContext& ctx) {
    auto body = http::json_body(ctx);
    if (!body) return body.answer();
    engine::SubscriberEvent event;  // admin.yaml leaves out sequence and at_ms: the engine sets them
    try {
      event = engine::wire::event_from_json(*body);
    } catch (const engine::wire::WireError& e) {
      return refused(ctx, "The event breaks its schema; see errors.", e.what());
    }
    auto sequence = added(ctx, deps_.engine.inject_event(event), "The engine refused the event; see errors.");
    if (!sequence) return sequence.answer();
    record_admin_action(deps_.audit, deps_.clock, ctx, "engine.event_injected", std::to_string(event.subscriber),
                        deps_.policies.current()->version, {{"type", event.type}, {"sequence", *sequence}});
    return http::make_json(201, json{{"sequence", *sequence}, {"type", event.type}});
  }

  // An order says what it cost; a cancellation names the order it takes back.
  std::vector<openapi::FieldError> conversion_rules(http::RequestContext&, const json& body) const {
    const bool order = body.value("kind", json("order")) == "order";
    if (order && !body.contains("amount_fen")) return {{"/amount_fen", "is required for an order"}};
    return {};
  }

  // The body has passed admin.yaml's schema (a subscriber id in digits, an order id, fen).
  http::Response report_conversion(http::RequestContext& ctx) {
    auto body = http::json_body(ctx);
    if (!body) return body.answer();
    engine::Conversion c;
    const auto subscriber = (*body)["subscriber"].get<std::string>();
    if (subscriber.size() > 19)
      return refused(ctx, "The conversion breaks its schema; see errors.", "no such subscriber");
    c.subscriber = std::stoull(subscriber);
    c.product_code = (*body)["product_code"];
    c.order_id = (*body)["order_id"];
    c.amount_fen = body->value("amount_fen", std::int64_t{0});
    c.kind = *engine::parse_conversion_kind(body->value("kind", "order"));
    auto sequence = added(ctx, deps_.engine.report_conversion(c), "The engine refused the conversion; see errors.");
    if (!sequence) return sequence.answer();
    record_admin_action(deps_.audit, deps_.clock, ctx, "engine.conversion_reported", subscriber,
                        deps_.policies.current()->version,
                        {{"order_id", c.order_id},
                         {"kind", std::string(engine::to_string(c.kind))},
                         {"product_code", c.product_code},
                         {"amount_fen", c.amount_fen},
                         {"sequence", *sequence}});
    return http::make_json(
        201, json{{"sequence", *sequence}, {"order_id", c.order_id}, {"kind", std::string(engine::to_string(c.kind))}});
  }

 private:
  // The record's sequence in its stream, or why the engine did not take it.
  http::Step<std::uint64_t> added(http::RequestContext& ctx, std::future<std::uint64_t> sequence, const char* refusal) {
    try {
      return engine::await(std::move(sequence), deps_.engine_timeout, std::chrono::seconds(1));
    } catch (const engine::EngineUnavailable& e) {
      return http::make_unavailable(ctx, http::problems::engine_unavailable,
                                    "The engine is not answering; nothing was added.", e.retry_after());
    } catch (const std::invalid_argument& e) {
      return refused(ctx, refusal, e.what());
    }
  }

  EventsApiDeps deps_;
};

}  // namespace

void register_event_routes(http::Pipeline& admin_plane, EventsApiDeps deps) {
  using H = StreamHandlers;
  http::add_admin_routes<H>(
      admin_plane, std::make_shared<H>(deps),
      {{"POST", "/admin/v1/events", &H::inject_event, {vocabulary::Role::operator_}},
       {"POST", "/admin/v1/conversions", &H::report_conversion, {vocabulary::Role::operator_}, &H::conversion_rules}});
}

}  // namespace octopus::admin
