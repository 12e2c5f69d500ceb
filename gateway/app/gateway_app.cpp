#include "app/gateway_app.hpp"

#include <filesystem>

#include "admin/admin_token_authenticator.hpp"
#include "admin/health_api.hpp"
#include "admin/partners_api.hpp"
#include "auth/nonce_cache.hpp"
#include "auth/partner_directory.hpp"
#include "auth/scope_authorizer.hpp"
#include "auth/signature_authenticator.hpp"
#include "capabilities/capabilities_api.hpp"
#include "http/self_signed.hpp"
#include "http/server.hpp"
#include "observability/access_log.hpp"
#include "observability/log.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace octopus::app {

struct GatewayApp::Parts {
  config::GatewayConfig config;
  std::unique_ptr<store::Store> store;
  auth::PartnerDirectory directory;
  auth::MemoryNonceCache nonces;
  http::Pipeline partner_plane{"partner"};
  http::Pipeline admin_plane{"admin"};
  std::string generated_ca;
  unsigned short partner_port = 0;
  unsigned short admin_port = 0;
  std::unique_ptr<http::Server> server;  // last: stopped and destroyed first
};

namespace {
observability::LogLevel parse_level(const std::string& s) {
  if (s == "debug") return observability::LogLevel::debug;
  if (s == "warn") return observability::LogLevel::warn;
  if (s == "error") return observability::LogLevel::error;
  return observability::LogLevel::info;
}
}  // namespace

GatewayApp::GatewayApp(config::GatewayConfig config, std::string admin_token) : parts_(std::make_unique<Parts>()) {
  auto& p = *parts_;
  p.config = std::move(config);
  const auto& c = p.config;
  observability::set_log_level(parse_level(c.log_level));
  observability::set_access_log_enabled(c.access_log);
  protocol::ensure_sodium_initialised();

  if (admin_token.empty())
    throw std::runtime_error("OCTOPUS_ADMIN_TOKEN is not set: the admin plane refuses to start without a token");
  auto admin_auth = std::make_unique<admin::AdminTokenAuthenticator>(admin_token);

  std::filesystem::create_directories(c.data_dir);
  p.store = std::make_unique<store::SqliteStore>(c.data_dir + "/gateway.db");
  p.directory.load(p.store->load_all_partners());

  http::TlsFiles tls = c.tls;
  if (tls.certificate_chain.empty()) {
    auto generated = http::ensure_self_signed_tls(c.data_dir + "/tls");
    tls.certificate_chain = generated.certificate_chain;
    tls.private_key = generated.private_key;
    p.generated_ca = generated.ca_certificate;
  }

  // Partner plane: authenticate, then authorize, then the capability handlers.
  p.partner_plane.add_stage(std::make_unique<auth::SignatureAuthenticator>(p.directory, p.nonces, c.signatures));
  p.partner_plane.add_stage(std::make_unique<auth::ScopeAuthorizer>());
  capabilities::register_routes(p.partner_plane);

  // Admin plane: bearer token, then the registry.
  p.admin_plane.add_stage(std::move(admin_auth));
  admin::register_partner_routes(p.admin_plane, {*p.store, p.directory, {}});

  p.server = std::make_unique<http::Server>(
      http::Server::Options{c.io_threads, c.worker_threads, c.drain_timeout});
  admin::register_health_routes(p.admin_plane, *p.store, [server = p.server.get()] { return server->draining(); });

  p.partner_port = p.server->listen({c.partner_listen.host, c.partner_listen.port, tls, c.limits, &p.partner_plane});
  p.admin_port = p.server->listen({c.admin_listen.host, c.admin_listen.port, tls, c.limits, &p.admin_plane});
}

GatewayApp::~GatewayApp() { shutdown(); }

void GatewayApp::start() {
  parts_->server->start();
  observability::log_info("started", {{"partner_port", std::to_string(parts_->partner_port)},
                                      {"admin_port", std::to_string(parts_->admin_port)},
                                      {"data_dir", parts_->config.data_dir},
                                      {"partner_keys", std::to_string(parts_->directory.key_count())}});
}

void GatewayApp::run_until_signal() {
  parts_->server->run_until_signal([this] {
    // Nothing reloadable yet but the partner directory: re-read it from the store.
    parts_->directory.load(parts_->store->load_all_partners());
    observability::log_info("reloaded", {{"partner_keys", std::to_string(parts_->directory.key_count())}});
  });
}

void GatewayApp::shutdown() {
  if (parts_ && parts_->server) parts_->server->shutdown();
}

unsigned short GatewayApp::partner_port() const { return parts_->partner_port; }
unsigned short GatewayApp::admin_port() const { return parts_->admin_port; }
const std::string& GatewayApp::generated_ca_file() const { return parts_->generated_ca; }

}  // namespace octopus::app
