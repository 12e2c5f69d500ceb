// The Engine interface over HTTPS/JSON (api-spec/engine.yaml): how the gateway reaches the
// operator's marketing engine, or the reference engine served as its own process.
// A bounded set of threads makes the calls, so callers only ever wait on a future; kept-alive
// connections are pooled; every exchange has a timeout; and a circuit breaker turns an engine
// that is down or slow into an immediate EngineUnavailable (a 503 with Retry-After for the
// partner) until a probe finds it answering again.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/worker_pool.hpp"
#include "octopus/client/https_connection.hpp"
#include "resilience/circuit_breaker.hpp"

namespace octopus::engine::remote {

struct RemoteEngineOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  client::TlsOptions tls;  // ca_file, server_name; tls.timeout bounds each connect, write and read
  std::string token;       // bearer token the engine expects (never logged)
  unsigned workers = 8;    // concurrent calls in flight
  std::size_t max_queued = 1024;
  std::size_t max_idle_connections = 8;
  // Connections idle longer than this are not reused: the engine may have closed them.
  std::chrono::milliseconds max_idle_age{10000};
  resilience::BreakerOptions breaker;
};

class RemoteEngine final : public Engine {
 public:
  explicit RemoteEngine(RemoteEngineOptions options);
  ~RemoteEngine() override;

  std::string_view kind() const override { return "remote"; }
  std::future<Vocabulary> vocabulary() override;
  std::future<std::uint64_t> count(const CountQuery& query) override;
  std::future<AudienceHandle> materialise(const CountQuery& query) override;
  std::future<MemberBatch> members(const std::string& audience_id, std::uint64_t cursor, std::size_t limit) override;
  std::future<void> drop(const std::string& audience_id) override;
  std::future<Eligibility> eligibility(const EligibilityQuery& query) override;
  std::future<std::vector<Product>> products() override;
  std::future<std::vector<SubscriberFacts>> facts(const FactsQuery& query) override;
  std::future<Memberships> memberships(MembershipQuery query) override;
  std::future<std::vector<ConsentRecord>> consents(std::uint64_t subscriber) override;
  // A stream read waits at most half the network timeout for records, so an idle stream
  // answers empty instead of timing out.
  std::future<EventBatch> events(std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) override;
  std::future<ConversionBatch> conversions(std::uint64_t after, std::size_t limit,
                                           std::chrono::milliseconds wait) override;
  std::future<std::uint64_t> inject_event(SubscriberEvent event) override;
  std::future<std::uint64_t> report_conversion(Conversion conversion) override;

  bool available() const override { return breaker_.closed(); }

 private:
  struct Exchange {
    std::string method;
    std::string target;
    std::string body;
    bool idempotent = true;         // safe to send again on a fresh connection
    bool about_subscriber = false;  // a 404 means no such subscriber (else: no such audience)
    bool long_poll = false;         // waits for news on purpose: its duration is not latency
  };
  struct IdleConnection {
    std::unique_ptr<client::HttpsConnection> connection;
    std::chrono::steady_clock::time_point since;
  };

  template <typename T, typename Parse>
  std::future<T> call(Exchange exchange, Parse parse);
  client::HttpResponse send(const Exchange& exchange);
  client::HttpResponse timed_send(const Exchange& exchange);  // send(), its duration recorded
  std::unique_ptr<client::HttpsConnection> acquire(bool& reused);
  void give_back(std::unique_ptr<client::HttpsConnection> connection);
  EngineUnavailable unavailable(const std::string& why) const;
  std::string stream_target(const char* stream, std::uint64_t after, std::size_t limit,
                            std::chrono::milliseconds wait) const;

  RemoteEngineOptions options_;
  resilience::CircuitBreaker breaker_;
  std::mutex idle_mutex_;
  std::vector<IdleConnection> idle_;
  std::unique_ptr<WorkerPool> pool_;  // last: its threads stop before the pool and breaker go
};

}  // namespace octopus::engine::remote
