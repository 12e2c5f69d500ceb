#include "engine/remote/engine_api.hpp"

#include <algorithm>
#include <charconv>

#include "engine/remote/engine_wire.hpp"
#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "http/resource_steps.hpp"

namespace octopus::engine::remote {

using nlohmann::json;

namespace {

// Waits for the engine's answer and turns every way it can fail into the problem the
// remote adapter maps back onto the same exception on the gateway's side.
template <typename T, typename Render>
http::Response answer(http::RequestContext& ctx, std::future<T> f, std::chrono::milliseconds timeout, Render render) {
  try {
    if constexpr (std::is_void_v<T>) {
      await(std::move(f), timeout);
      return render();
    } else {
      return render(await(std::move(f), timeout));
    }
  } catch (const EngineUnavailable& e) {
    return http::make_unavailable(ctx, http::problems::engine_unavailable, e.what(), std::chrono::seconds(1));
  } catch (const AudienceNotFound&) {
    return http::make_problem(ctx, http::problems::not_found, "The engine holds no audience with this id.");
  } catch (const SubscriberNotFound&) {
    return http::make_problem(ctx, http::problems::not_found, "The engine holds no subscriber with this id.");
  } catch (const std::invalid_argument& e) {
    return http::make_problem(ctx, http::problems::validation_error, e.what());
  }
}

// The body as the query type, or a 422 naming the field that is wrong.
template <typename T, typename Read>
http::Step<T> read_body(http::RequestContext& ctx, Read read) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  try {
    return read(*body);
  } catch (const wire::WireError& e) {
    return http::make_problem(ctx, http::problems::validation_error, e.what());
  }
}

// A POST route whose body is the query: read it (422 naming a wrong field), ask the engine,
// render its answer.
template <typename Query, typename Read, typename Ask, typename Render>
void add_query_route(http::Pipeline& plane, const char* pattern, std::chrono::milliseconds timeout, Read read, Ask ask,
                     Render render) {
  plane.add_route({.method = "POST",
                   .pattern = pattern,
                   .handler =
                       [=](http::RequestContext& ctx) {
                         auto q = read_body<Query>(ctx, read);
                         if (!q) return q.answer();
                         return answer(ctx, ask(std::move(*q)), timeout, render);
                       },
                   .blocking = true});
}

std::optional<std::uint64_t> parse_cursor(const std::map<std::string, std::string>& query,
                                          const char* name = "cursor") {
  auto it = query.find(name);
  if (it == query.end()) return 0;
  std::uint64_t v = 0;
  const auto* end = it->second.data() + it->second.size();
  auto [p, ec] = std::from_chars(it->second.data(), end, v);
  if (ec != std::errc() || p != end || it->second.empty()) return std::nullopt;
  return v;
}

// GET of a stream: ?after=SEQ&limit=N&wait_ms=MS. The wait is capped below the call timeout
// so that an idle stream answers empty rather than 503.
template <typename Batch, typename Read>
http::Handler stream_reader(std::chrono::milliseconds timeout, Read read) {
  return [timeout, read](http::RequestContext& ctx) {
    auto query = http::parse_query(ctx.request.query());
    std::optional<std::uint64_t> after, wait_ms;
    std::optional<std::size_t> limit;
    if (query) {
      after = parse_cursor(*query, "after");
      wait_ms = parse_cursor(*query, "wait_ms");
      limit = http::page_limit(*query, 1000, 10000);
    }
    if (!after || !wait_ms || !limit)
      return http::make_problem(ctx, http::problems::malformed_request,
                                "after and wait_ms must be whole numbers and limit one from 1 to 10000.");
    const auto wait = std::min(
        std::chrono::milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(*wait_ms, 600000))), timeout / 2);
    return answer(ctx, read(*after, *limit, wait), timeout,
                  [](const Batch& b) { return http::make_json(200, wire::to_json(b)); });
  };
}

// POST of a record into a stream; answers its sequence.
template <typename Record, typename Parse, typename Append>
http::Handler stream_writer(std::chrono::milliseconds timeout, Parse parse, Append append) {
  return [timeout, parse, append](http::RequestContext& ctx) {
    auto record = read_body<Record>(ctx, parse);
    if (!record) return record.answer();
    return answer(ctx, append(std::move(*record)), timeout, [](std::uint64_t sequence) {
      return http::make_json(201, json{{"sequence", sequence}});
    });
  };
}

// GET routes that answer one engine call with no parameters but the path's.
template <typename T, typename Ask>
void add_lookup_route(http::Pipeline& plane, const char* pattern, std::chrono::milliseconds timeout, Ask ask) {
  plane.add_route({.method = "GET",
                   .pattern = pattern,
                   .handler =
                       [=](http::RequestContext& ctx) {
                         return answer(ctx, ask(ctx), timeout,
                                       [](const T& v) { return http::make_json(200, wire::to_json(v)); });
                       },
                   .blocking = true});
}

http::Handler members_handler(Engine* e, std::chrono::milliseconds timeout) {
  return [e, timeout](http::RequestContext& ctx) {
    auto query = http::parse_query(ctx.request.query());
    std::optional<std::uint64_t> cursor;
    std::optional<std::size_t> limit;
    if (query) {
      cursor = parse_cursor(*query);
      limit = http::page_limit(*query, 1000, 10000);
    }
    if (!cursor || !limit)
      return http::make_problem(ctx, http::problems::malformed_request,
                                "cursor must be a whole number and limit one from 1 to 10000.");
    return answer(ctx, e->members(ctx.path_params.at("id"), *cursor, *limit), timeout,
                  [](const MemberBatch& b) { return http::make_json(200, wire::to_json(b)); });
  };
}

http::Handler consents_handler(Engine* e, std::chrono::milliseconds timeout) {
  return [e, timeout](http::RequestContext& ctx) {
    const auto& id = ctx.path_params.at("id");
    std::uint64_t subscriber = 0;
    const auto* end = id.data() + id.size();
    auto [p, ec] = std::from_chars(id.data(), end, subscriber);
    if (ec != std::errc() || p != end || id.empty())
      return http::make_problem(ctx, http::problems::not_found, "No such subscriber.");
    return answer(ctx, e->consents(subscriber), timeout,
                  [](const std::vector<ConsentRecord>& r) { return http::make_json(200, wire::to_json(r)); });
  };
}

// Questions about the population: counts, audiences, eligibility, facts, memberships.
void register_query_routes(http::Pipeline& plane, Engine* e, std::chrono::milliseconds timeout) {
  add_query_route<CountQuery>(
      plane, "/engine/v1/counts", timeout, wire::count_query_from_json, [e](CountQuery q) { return e->count(q); },
      [](std::uint64_t n) {
        return http::make_json(200, json{{"count", n}});
      });
  add_query_route<CountQuery>(
      plane, "/engine/v1/audiences", timeout, wire::count_query_from_json,
      [e](CountQuery q) { return e->materialise(q); },
      [](const AudienceHandle& h) { return http::make_json(201, wire::to_json(h)); });
  add_query_route<EligibilityQuery>(
      plane, "/engine/v1/eligibility", timeout, wire::eligibility_query_from_json,
      [e](EligibilityQuery q) { return e->eligibility(q); },
      [](const Eligibility& r) { return http::make_json(200, wire::to_json(r)); });
  add_query_route<FactsQuery>(
      plane, "/engine/v1/facts", timeout, wire::facts_query_from_json, [e](FactsQuery q) { return e->facts(q); },
      [](const std::vector<SubscriberFacts>& r) { return http::make_json(200, wire::to_json(r)); });
  add_query_route<MembershipQuery>(
      plane, "/engine/v1/memberships", timeout, wire::membership_query_from_json,
      [e](MembershipQuery q) { return e->memberships(std::move(q)); },
      [](const Memberships& r) { return http::make_json(200, wire::to_json(r)); });
}

// The event and conversion streams: read after a sequence, or append.
void register_stream_routes(http::Pipeline& plane, Engine* e, std::chrono::milliseconds timeout) {
  const auto events = [e](std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) {
    return e->events(after, limit, wait);
  };
  const auto conversions = [e](std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) {
    return e->conversions(after, limit, wait);
  };
  plane.add_route({.method = "GET",
                   .pattern = "/engine/v1/events",
                   .handler = stream_reader<EventBatch>(timeout, events),
                   .blocking = true});
  plane.add_route(
      {.method = "POST",
       .pattern = "/engine/v1/events",
       .handler = stream_writer<SubscriberEvent>(timeout, wire::event_from_json,
                                                 [e](SubscriberEvent r) { return e->inject_event(std::move(r)); }),
       .blocking = true});
  plane.add_route({.method = "GET",
                   .pattern = "/engine/v1/conversions",
                   .handler = stream_reader<ConversionBatch>(timeout, conversions),
                   .blocking = true});
  plane.add_route(
      {.method = "POST",
       .pattern = "/engine/v1/conversions",
       .handler = stream_writer<Conversion>(timeout, wire::conversion_from_json,
                                            [e](Conversion r) { return e->report_conversion(std::move(r)); }),
       .blocking = true});
}

}  // namespace

void register_engine_routes(http::Pipeline& plane, Engine& engine, std::chrono::milliseconds timeout) {
  Engine* e = &engine;
  add_lookup_route<Vocabulary>(plane, "/engine/v1/vocabulary", timeout,
                               [e](http::RequestContext&) { return e->vocabulary(); });
  add_lookup_route<std::vector<Product>>(plane, "/engine/v1/products", timeout,
                                         [e](http::RequestContext&) { return e->products(); });
  register_query_routes(plane, e, timeout);
  plane.add_route({.method = "GET",
                   .pattern = "/engine/v1/audiences/{id}/members",
                   .handler = members_handler(e, timeout),
                   .blocking = true});
  plane.add_route({.method = "DELETE",
                   .pattern = "/engine/v1/audiences/{id}",
                   .handler =
                       [e, timeout](http::RequestContext& ctx) {
                         return answer(ctx, e->drop(ctx.path_params.at("id")), timeout,
                                       [] { return http::no_content(); });
                       },
                   .blocking = true});
  plane.add_route({.method = "GET",
                   .pattern = "/engine/v1/subscribers/{id}/consents",
                   .handler = consents_handler(e, timeout),
                   .blocking = true});
  register_stream_routes(plane, e, timeout);
}

}  // namespace octopus::engine::remote
