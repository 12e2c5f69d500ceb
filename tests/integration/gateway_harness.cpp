#include "gateway_harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "app/sql_repositories.hpp"
#include "octopus/protocol/base64.hpp"
#include "test_database.hpp"

namespace octopus::testing {

namespace {
std::string fresh_dir() {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             ("octopus-it-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

const OpenApiValidator& partner_spec() {
  static const OpenApiValidator spec = OpenApiValidator::load(OCTOPUS_API_SPEC_DIR "/partner.yaml");
  return spec;
}
const OpenApiValidator& admin_spec() {
  static const OpenApiValidator spec = OpenApiValidator::load(OCTOPUS_API_SPEC_DIR "/admin.yaml");
  return spec;
}

void check_response(const OpenApiValidator& spec, const std::string& method, const std::string& target,
                    const client::HttpResponse& r) {
  OpenApiValidator::Headers headers;
  for (const auto& h : r.headers) headers.emplace_back(h.name, h.value);
  const auto path = target.substr(0, target.find('?'));
  const auto errors = spec.validate_response(method, path, r.status, r.header("content-type"), r.body, headers);
  for (const auto& e : errors) ADD_FAILURE() << method << " " << target << ": " << e;
}

std::string problem_slug(const client::HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return "";
  const auto type = j["type"].get<std::string>();
  const auto slash = type.rfind('/');
  return slash == std::string::npos ? type : type.substr(slash + 1);
}

namespace {

// One account per role, named after it, each with a fresh token (the secrets of tokens made
// by an earlier run are not kept anywhere).
void prepare_accounts(const config::GatewayConfig& c, OperatorAccounts& accounts) {
  std::filesystem::create_directories(c.data_dir);
  const auto records = app::open_repositories(c.store, c.data_dir);
  auto& store = records->operator_accounts;
  const auto now = system_clock().unix_seconds();
  for (const char* name : kOperatorRoles) {
    const auto issued = octopus::accounts::issue_token(name, now, 86'400);
    const octopus::accounts::OperatorAccount account{
        .name = name, .role = *vocabulary::parse_role(name), .created_at = now, .created_by = "test-harness"};
    if (store.get_account(name))
      ASSERT_EQ(store.add_token(issued.token), store::WriteResult::ok);
    else
      ASSERT_EQ(store.create_account(account, issued.token, false), store::WriteResult::ok);
    accounts.adopt(name, issued.text);
  }
}

}  // namespace

GatewayHarness::GatewayHarness(const std::function<void(config::GatewayConfig&)>& tweak, bool with_accounts)
    : data_dir_(fresh_dir()) {
  config::GatewayConfig c;
  c.partner_listen = {"127.0.0.1", 0};
  c.admin_listen = {"127.0.0.1", 0};
  c.data_dir = data_dir_;
  c.policies_dir = OCTOPUS_POLICIES_DIR;
  c.engine.population = 50'000;  // large enough for counts above k, quick to build
  c.io_threads = 2;
  c.worker_threads = 2;
  c.drain_timeout = std::chrono::milliseconds(2000);
  if (tweak) tweak(c);
  // The suite's PostgreSQL run: one database per data directory, so a gateway restarted on
  // an earlier one's directory finds that one's records.
  if (store_is_postgresql() && c.store.kind == "sqlite") {
    c.store.kind = "postgresql";
    c.store.postgresql.url = postgres_database("it_" + std::to_string(std::hash<std::string>{}(c.data_dir)));
    c.store.postgresql.tls_mode = "disable";
  }
  config_ = c;
  if (with_accounts) prepare_accounts(c, accounts_);
  app_ = std::make_unique<app::GatewayApp>(c, kAdminToken);
  app_->start();
}

GatewayHarness::~GatewayHarness() {
  app_.reset();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

std::unique_ptr<app::SqlRepositories> GatewayHarness::open_records() const {
  return app::open_repositories(config_.store, config_.data_dir);
}

client::TlsOptions GatewayHarness::tls() const {
  client::TlsOptions o;
  o.ca_file = ca_file();
  o.server_name = "localhost";
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

client::HttpsConnection GatewayHarness::partner_connection() const {
  return client::HttpsConnection("localhost", partner_port(), tls());
}
client::HttpsConnection GatewayHarness::admin_connection() const {
  return client::HttpsConnection("localhost", admin_port(), tls());
}

client::HttpResponse GatewayHarness::admin(const std::string& method, const std::string& target,
                                           const nlohmann::json& body, const std::optional<std::string>& token) {
  if (token) return send_admin(method, target, body, *token);
  return accounts_.send_as_allowed([this](auto&&... a) { return send_admin(a...); }, method, target, body);
}

client::HttpResponse GatewayHarness::admin_as(const std::string& role, const std::string& method,
                                              const std::string& target, const nlohmann::json& body) {
  return send_admin(method, target, body, accounts_.token(role));
}

client::HttpResponse GatewayHarness::send_admin(const std::string& method, const std::string& target,
                                                const nlohmann::json& body, const std::string& token) {
  auto conn = admin_connection();
  std::vector<client::HeaderField> headers;
  if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
  std::string payload;
  if (!body.is_null()) {
    headers.push_back({"Content-Type", "application/json"});
    payload = body.dump();
  }
  auto r = conn.send(method, target, headers, payload);
  check_admin(method, target, r);
  return r;
}

client::Credential GatewayHarness::create_partner(const std::string& id, const std::vector<std::string>& scopes,
                                                  const std::string& key_id, const std::string& category) {
  auto r = admin(
      "POST", "/admin/v1/partners",
      {{"id", id}, {"display_name", "Partner " + id}, {"tier", "gold"}, {"category", category}, {"scopes", scopes}});
  EXPECT_EQ(r.status, 201) << r.body;
  client::Credential cred{key_id.empty() ? id + "-key-1" : key_id, protocol::Ed25519PrivateKey::generate()};
  const auto pk = cred.key.public_key();
  auto k = admin("POST", "/admin/v1/partners/" + id + "/keys",
                 {{"key_id", cred.key_id},
                  {"algorithm", "ed25519"},
                  {"public_key", protocol::base64_encode(pk.data(), pk.size())}});
  EXPECT_EQ(k.status, 201) << k.body;
  return cred;
}

client::HttpResponse GatewayHarness::partner(const std::string& method, const std::string& target,
                                             const client::Credential& cred, const std::string& body,
                                             const client::SigningOverrides& overrides,
                                             std::vector<client::HeaderField> extra_headers) {
  auto headers = std::move(extra_headers);
  client::sign_request(method, authority(), target, headers, body, cred, overrides);
  return partner_raw(method, target, headers, body);
}

client::HttpResponse GatewayHarness::partner_raw(const std::string& method, const std::string& target,
                                                 const std::vector<client::HeaderField>& headers,
                                                 const std::string& body) {
  auto conn = partner_connection();
  auto r = conn.send(method, target, headers, body);
  check_partner(method, target, r);
  return r;
}

void GatewayHarness::check_partner(const std::string& method, const std::string& target,
                                   const client::HttpResponse& r) const {
  check_response(partner_spec(), method, target, r);
}
void GatewayHarness::check_admin(const std::string& method, const std::string& target,
                                 const client::HttpResponse& r) const {
  check_response(admin_spec(), method, target, r);
}

}  // namespace octopus::testing
