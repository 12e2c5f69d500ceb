#include "app/engine_app.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "auth/bearer_token_authenticator.hpp"
#include "app/population_source.hpp"
#include "engine/reference/reference_engine.hpp"
#include "engine/remote/engine_api.hpp"
#include "http/problem.hpp"
#include "http/self_signed.hpp"
#include "http/server.hpp"
#include "observability/log.hpp"

namespace octopus::app {

struct EngineApp::Parts {
  EngineAppOptions options;
  std::unique_ptr<engine::reference::ReferenceEngine> engine;
  http::Pipeline plane{vocabulary::Plane::engine};
  std::string generated_ca;
  unsigned short port = 0;
  std::unique_ptr<http::Server> server;  // last: stopped first
};

EngineApp::EngineApp(EngineAppOptions options) : parts_(std::make_unique<Parts>()) {
  auto& p = *parts_;
  p.options = std::move(options);
  const auto& o = p.options;
  auto authenticator =
      std::make_unique<auth::BearerTokenAuthenticator>(o.token, "octopus-engine");  // throws on a short token

  const auto started = std::chrono::steady_clock::now();
  auto population = load_or_generate_population(o.import_file, o.refuse_bad_rows, o.population, o.seed);
  const auto subscribers = population->size();
  engine::reference::ReferenceEngineOptions engine_options;
  engine_options.activity = {o.events_per_second, o.conversions_per_second, o.seed};
  engine_options.membership_index_bytes = o.membership_index_mb << 20;
  p.engine = std::make_unique<engine::reference::ReferenceEngine>(std::move(population), engine_options);
  observability::log_info(
      "engine_ready",
      {{"kind", "reference"},
       {"subscribers", subscribers},
       {"build_ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}});

  http::TlsFiles tls = o.tls;
  if (tls.certificate_chain.empty()) {
    std::filesystem::create_directories(o.data_dir);
    auto generated = http::ensure_self_signed_tls(o.data_dir + "/tls");
    tls.certificate_chain = generated.certificate_chain;
    tls.private_key = generated.private_key;
    p.generated_ca = generated.ca_certificate;
  }

  p.plane.add_stage(std::move(authenticator));
  p.plane.add_route({.method = "GET",
                     .pattern = "/healthz",
                     .handler =
                         [](http::RequestContext&) {
                           return http::make_json(200, nlohmann::json{{"status", "ok"}});
                         },
                     .public_route = true});
  engine::remote::register_engine_routes(p.plane, *p.engine, o.timeout);

  // A stream read waits on a worker thread for its records: enough workers that followers
  // of both streams never starve the counts.
  p.server = std::make_unique<http::Server>(http::Server::Options{.io_threads = 0, .worker_threads = 32});
  http::ListenerSpec spec;
  spec.host = o.listen.host;
  spec.port = o.listen.port;
  spec.tls = tls;
  spec.pipeline = &p.plane;
  p.port = p.server->listen(spec);
}

EngineApp::~EngineApp() { shutdown(); }

void EngineApp::start() {
  parts_->server->start();
  observability::log_info("started", {{"engine_port", parts_->port}});
}

void EngineApp::run_until_signal() { parts_->server->run_until_signal(); }

void EngineApp::shutdown() {
  if (parts_ && parts_->server) parts_->server->shutdown();
}

unsigned short EngineApp::port() const { return parts_->port; }
const std::string& EngineApp::generated_ca_file() const { return parts_->generated_ca; }

}  // namespace octopus::app
