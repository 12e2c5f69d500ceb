// A real gateway for integration tests: the same GatewayApp the binary runs, on
// ephemeral loopback ports with a fresh data directory and development TLS, plus real
// HTTPS clients for both planes. Every response a test receives through it is checked
// against api-spec/ (partner.yaml or admin.yaml).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/gateway_app.hpp"
#include "app/sql_repositories.hpp"
#include "octopus/client/https_connection.hpp"
#include "octopus/client/request_signer.hpp"
#include "openapi_validator.hpp"
#include "operator_accounts.hpp"

namespace octopus::testing {

// The bootstrap token (OCTOPUS_ADMIN_TOKEN): the harness spends it creating the "admin"
// account, then one account per role (operator_accounts.hpp).
inline constexpr const char* kAdminToken = "test-admin-token-0123456789";

class GatewayHarness {
 public:
  // `tweak` may change the configuration (limits, timeouts) before start. Unless
  // `with_accounts` is false, one operator account per role is in the store before the
  // gateway starts (new tokens for them when the data directory is reused).
  explicit GatewayHarness(const std::function<void(config::GatewayConfig&)>& tweak = {}, bool with_accounts = true);
  ~GatewayHarness();

  unsigned short partner_port() const { return app_->partner_port(); }
  unsigned short admin_port() const { return app_->admin_port(); }
  const std::string& ca_file() const { return app_->generated_ca_file(); }
  const std::string& data_dir() const { return data_dir_; }
  app::GatewayApp& app() { return *app_; }
  const config::GatewayConfig& config() const { return config_; }
  // The records this gateway keeps, opened as a second gateway (or a tool) would open them:
  // its SQLite file, or its PostgreSQL database in the suite's PostgreSQL run.
  std::unique_ptr<app::SqlRepositories> open_records() const;

  client::TlsOptions tls() const;
  client::HttpsConnection partner_connection() const;
  client::HttpsConnection admin_connection() const;

  // Admin call as an account whose role the route allows, or with `token` when given ("":
  // no Authorization header); schema-checked.
  client::HttpResponse admin(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr,
                             const std::optional<std::string>& token = std::nullopt);
  // Admin call as the account of `role` ("admin", "operator", "compliance", ...).
  client::HttpResponse admin_as(const std::string& role, const std::string& method, const std::string& target,
                                const nlohmann::json& body = nullptr);
  const OperatorAccounts& operator_accounts() const { return accounts_; }
  // Creates an active partner with the given scopes and one registered key; returns its credential.
  client::Credential create_partner(const std::string& id, const std::vector<std::string>& scopes = {"audiences:read"},
                                    const std::string& key_id = "", const std::string& category = "internet");
  // Signed partner call over a fresh connection (or `conn`); schema-checked.
  client::HttpResponse partner(const std::string& method, const std::string& target, const client::Credential& cred,
                               const std::string& body = "", const client::SigningOverrides& overrides = {},
                               std::vector<client::HeaderField> extra_headers = {});
  // Sends exactly these headers to the partner plane (for hand-built signatures); schema-checked.
  client::HttpResponse partner_raw(const std::string& method, const std::string& target,
                                   const std::vector<client::HeaderField>& headers, const std::string& body = "");

  // Schema-checks a response received some other way; fails the current test on mismatch.
  void check_partner(const std::string& method, const std::string& target, const client::HttpResponse& r) const;
  void check_admin(const std::string& method, const std::string& target, const client::HttpResponse& r) const;

  std::string authority() const { return "localhost:" + std::to_string(partner_port()); }

 private:
  client::HttpResponse send_admin(const std::string& method, const std::string& target, const nlohmann::json& body,
                                  const std::string& token);

  std::string data_dir_;
  config::GatewayConfig config_;
  std::unique_ptr<app::GatewayApp> app_;
  OperatorAccounts accounts_;
};

const OpenApiValidator& partner_spec();
const OpenApiValidator& admin_spec();

// Fails the current test for every way the response breaks `spec` (a query in `target` is
// ignored).
void check_response(const OpenApiValidator& spec, const std::string& method, const std::string& target,
                    const client::HttpResponse& r);

// The problem type slug of a problem+json body ("" when it is not one).
std::string problem_slug(const client::HttpResponse& r);

}  // namespace octopus::testing
