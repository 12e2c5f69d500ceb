#include "engine/remote/remote_engine.hpp"

#include <algorithm>
#include <cctype>

#include "engine/remote/engine_wire.hpp"

namespace octopus::engine::remote {

using nlohmann::json;

namespace {

// Audience ids come from the engine; they still go into a path, so anything outside the
// unreserved set is escaped rather than trusted.
std::string path_segment(const std::string& id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json parse_body(const client::HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw wire::WireError("the engine answered with a body that is not JSON");
  return j;
}

}  // namespace

RemoteEngine::RemoteEngine(RemoteEngineOptions options)
    : options_(std::move(options)),
      breaker_("engine", options_.breaker),
      pool_(std::make_unique<WorkerPool>(std::max(1u, options_.workers), options_.max_queued)) {}

RemoteEngine::~RemoteEngine() { pool_.reset(); }

EngineUnavailable RemoteEngine::unavailable(const std::string& why) const {
  const auto wait =
      std::chrono::duration_cast<std::chrono::seconds>(breaker_.retry_after() + std::chrono::milliseconds(999));
  return EngineUnavailable(why, std::max(std::chrono::seconds(1), wait));
}

std::unique_ptr<client::HttpsConnection> RemoteEngine::acquire(bool& reused) {
  {
    std::lock_guard lock(idle_mutex_);
    const auto now = std::chrono::steady_clock::now();
    while (!idle_.empty()) {
      IdleConnection c = std::move(idle_.back());
      idle_.pop_back();
      if (now - c.since < options_.max_idle_age) {
        reused = true;
        return std::move(c.connection);
      }
    }
  }
  reused = false;
  return std::make_unique<client::HttpsConnection>(options_.host, options_.port, options_.tls);
}

void RemoteEngine::give_back(std::unique_ptr<client::HttpsConnection> connection) {
  std::lock_guard lock(idle_mutex_);
  if (idle_.size() < options_.max_idle_connections)
    idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
}

client::HttpResponse RemoteEngine::send(const Exchange& x) {
  std::vector<client::HeaderField> headers{{"Authorization", "Bearer " + options_.token},
                                           {"Accept", "application/json"}};
  if (!x.body.empty()) headers.push_back({"Content-Type", "application/json"});
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    const auto started = std::chrono::steady_clock::now();
    try {
      auto connection = acquire(reused);
      auto response = connection->send(x.method, x.target, headers, x.body);
      const auto keep = response.header("Connection");
      if (keep != "close" && keep != "Close") give_back(std::move(connection));
      return response;
    } catch (const client::TransportError& e) {
      // A kept-alive connection the engine closed meanwhile fails at once; a request that
      // is safe to repeat gets one more try on a fresh connection before the engine counts
      // as down. A timeout is not retried: the engine is slow, and a second wait would only
      // hold the caller longer.
      const bool failed_fast = std::chrono::steady_clock::now() - started < options_.tls.timeout / 2;
      if (reused && failed_fast && x.idempotent && attempt == 0) continue;
      breaker_.record_failure(e.what());
      throw unavailable(std::string("the engine is unreachable: ") + e.what());
    }
  }
}

client::HttpResponse RemoteEngine::timed_send(const Exchange& x) {
  if (x.long_poll) return send(x);
  const auto started = std::chrono::steady_clock::now();
  try {
    auto response = send(x);
    breaker_.record_duration(std::chrono::steady_clock::now() - started);
    return response;
  } catch (...) {
    breaker_.record_duration(std::chrono::steady_clock::now() - started);
    throw;
  }
}

template <typename T, typename Parse>
std::future<T> RemoteEngine::call(Exchange x, Parse parse) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  if (!breaker_.allow()) {
    promise->set_exception(std::make_exception_ptr(unavailable("the engine is unavailable (circuit open)")));
    return future;
  }
  const bool queued = pool_->submit([this, promise, x = std::move(x), parse = std::move(parse)] {
    try {
      // The breaker may have opened while this call waited in the queue.
      if (!breaker_.allow()) throw unavailable("the engine is unavailable (circuit open)");
      const auto r = timed_send(x);
      if (r.status >= 500 || r.status == 401 || r.status == 403) {
        // Down, overloaded, or refusing the gateway's credentials: unusable either way.
        breaker_.record_failure("the engine answered " + std::to_string(r.status) + " to " + x.method + " " +
                                std::string(x.target.substr(0, x.target.find('?'))));
        throw unavailable("the engine answered " + std::to_string(r.status));
      }
      breaker_.record_success();
      if (r.status == 404) {
        if (x.about_subscriber) throw SubscriberNotFound("the engine holds no such subscriber");
        throw AudienceNotFound("the engine holds no such audience");
      }
      if (r.status == 422) {
        auto problem = json::parse(r.body, nullptr, false);
        throw std::invalid_argument(problem.is_object() ? problem.value("detail", "refused by the engine")
                                                        : "refused by the engine");
      }
      if (r.status < 200 || r.status >= 300)
        throw std::runtime_error("the engine answered " + std::to_string(r.status) + " to " + x.method);
      if constexpr (std::is_void_v<T>) {
        parse(r);
        promise->set_value();
      } else {
        promise->set_value(parse(r));
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  if (!queued)
    promise->set_exception(
        std::make_exception_ptr(EngineUnavailable("too many engine calls are waiting", std::chrono::seconds(1))));
  return future;
}

std::future<Vocabulary> RemoteEngine::vocabulary() {
  return call<Vocabulary>({"GET", "/engine/v1/vocabulary", "", true},
                          [](const client::HttpResponse& r) { return wire::vocabulary_from_json(parse_body(r)); });
}

std::future<std::uint64_t> RemoteEngine::count(const CountQuery& query) {
  return call<std::uint64_t>({"POST", "/engine/v1/counts", wire::to_json(query).dump(), true},
                             [](const client::HttpResponse& r) {
                               const auto j = parse_body(r);
                               if (!j.is_object() || !j.contains("count") || !j["count"].is_number_unsigned())
                                 throw wire::WireError("the engine's count is not a whole number");
                               return j["count"].get<std::uint64_t>();
                             });
}

std::future<AudienceHandle> RemoteEngine::materialise(const CountQuery& query) {
  // Not repeated on a fresh connection: a second try could leave an orphan audience.
  return call<AudienceHandle>(
      {"POST", "/engine/v1/audiences", wire::to_json(query).dump(), false},
      [](const client::HttpResponse& r) { return wire::audience_handle_from_json(parse_body(r)); });
}

std::future<MemberBatch> RemoteEngine::members(const std::string& audience_id, std::uint64_t cursor,
                                               std::size_t limit) {
  return call<MemberBatch>({"GET",
                            "/engine/v1/audiences/" + path_segment(audience_id) +
                                "/members?cursor=" + std::to_string(cursor) + "&limit=" + std::to_string(limit),
                            "", true},
                           [](const client::HttpResponse& r) { return wire::member_batch_from_json(parse_body(r)); });
}

std::future<void> RemoteEngine::drop(const std::string& audience_id) {
  return call<void>({"DELETE", "/engine/v1/audiences/" + path_segment(audience_id), "", true},
                    [](const client::HttpResponse&) {});
}

std::future<Eligibility> RemoteEngine::eligibility(const EligibilityQuery& query) {
  return call<Eligibility>({"POST", "/engine/v1/eligibility", wire::to_json(query).dump(), true},
                           [](const client::HttpResponse& r) { return wire::eligibility_from_json(parse_body(r)); });
}

std::future<std::vector<SubscriberFacts>> RemoteEngine::facts(const FactsQuery& query) {
  return call<std::vector<SubscriberFacts>>(
      {"POST", "/engine/v1/facts", wire::to_json(query).dump(), true},
      [n = query.subscribers.size()](const client::HttpResponse& r) {
        auto facts = wire::facts_from_json(parse_body(r));
        if (facts.size() != n) throw wire::WireError("the engine answered facts for a different number of subscribers");
        return facts;
      });
}

std::future<Memberships> RemoteEngine::memberships(MembershipQuery query) {
  return call<Memberships>({"POST", "/engine/v1/memberships", wire::to_json(query).dump(), true},
                           [n = query.subscribers.size(), a = query.audiences.size()](const client::HttpResponse& r) {
                             return wire::memberships_from_json(parse_body(r), n, a);
                           });
}

std::future<std::vector<ConsentRecord>> RemoteEngine::consents(std::uint64_t subscriber) {
  return call<std::vector<ConsentRecord>>(
      {"GET", "/engine/v1/subscribers/" + std::to_string(subscriber) + "/consents", "", true, true},
      [](const client::HttpResponse& r) { return wire::consents_from_json(parse_body(r)); });
}

std::future<std::vector<Product>> RemoteEngine::products() {
  return call<std::vector<Product>>({"GET", "/engine/v1/products", "", true}, [](const client::HttpResponse& r) {
    return wire::products_from_json(parse_body(r));
  });
}

std::string RemoteEngine::stream_target(const char* stream, std::uint64_t after, std::size_t limit,
                                        std::chrono::milliseconds wait) const {
  const auto capped = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(options_.tls.timeout / 2));
  return std::string("/engine/v1/") + stream + "?after=" + std::to_string(after) + "&limit=" + std::to_string(limit) +
         "&wait_ms=" + std::to_string(std::max<std::int64_t>(0, capped.count()));
}

std::future<EventBatch> RemoteEngine::events(std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) {
  return call<EventBatch>({"GET", stream_target("events", after, limit, wait), "", true, false, true},
                          [](const client::HttpResponse& r) { return wire::event_batch_from_json(parse_body(r)); });
}

std::future<ConversionBatch> RemoteEngine::conversions(std::uint64_t after, std::size_t limit,
                                                       std::chrono::milliseconds wait) {
  return call<ConversionBatch>(
      {"GET", stream_target("conversions", after, limit, wait), "", true, false, true},
      [](const client::HttpResponse& r) { return wire::conversion_batch_from_json(parse_body(r)); });
}

namespace {
std::uint64_t sequence_of(const client::HttpResponse& r) {
  const auto j = parse_body(r);
  if (!j.is_object() || !j.contains("sequence") || !j["sequence"].is_number_unsigned())
    throw wire::WireError("the engine's answer has no sequence");
  return j["sequence"].get<std::uint64_t>();
}
}  // namespace

std::future<std::uint64_t> RemoteEngine::inject_event(SubscriberEvent event) {
  // Not repeated: a second try could add the event twice.
  return call<std::uint64_t>({"POST", "/engine/v1/events", wire::to_json(event).dump(), false}, sequence_of);
}

std::future<std::uint64_t> RemoteEngine::report_conversion(Conversion conversion) {
  return call<std::uint64_t>({"POST", "/engine/v1/conversions", wire::to_json(conversion).dump(), false}, sequence_of);
}

}  // namespace octopus::engine::remote
