// Test support: one octopus-gateway binary run as its own process on ephemeral ports with
// its own data directory, for tests that need what an in-process harness cannot give:
// several instances, or a crash (SIGKILL) and a restart on the same data.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "octopus/client/https_connection.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/protocol/base64.hpp"
#include "operator_accounts.hpp"
#include "test_database.hpp"

namespace octopus::testing {

inline constexpr const char* kProcessAdminToken = "process-admin-token-0123456789";

class GatewayProcess {
 public:
  // `config` is YAML added to the listeners, data directory, policies and log settings.
  GatewayProcess(const std::string& name, const std::string& config, const std::filesystem::path& policies)
      : GatewayProcess(name, config, policies, nullptr) {}
  // Another instance on the same store as `first`: it uses the operator accounts `first` made.
  GatewayProcess(const std::string& name, const std::string& config, const std::filesystem::path& policies,
                 const GatewayProcess& first)
      : GatewayProcess(name, config, policies, &first) {}
  ~GatewayProcess() {
    stop(SIGTERM);
    std::filesystem::remove_all(dir_);
  }
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

 private:
  GatewayProcess(const std::string& name, const std::string& config, const std::filesystem::path& policies,
                 const GatewayProcess* first)
      : name_(name),
        dir_(std::filesystem::temp_directory_path() / ("octopus-process-" + std::to_string(::getpid()) + "-" + name)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "gateway.yaml") << "partner_plane:\n  listen: 127.0.0.1:0\n"
                                         << "admin_plane:\n  listen: 127.0.0.1:0\n"
                                         << "data_dir: var\n"
                                         << "policies:\n  directory: " << policies.string()
                                         << "\n  watch_interval_ms: 0\n"
                                         << "log:\n  access_log: false\n"
                                         << (first ? "" : store_config()) << config;
    if (first) accounts_ = first->accounts_;
    start();
  }

 public:
  // Starts the binary (again) on the same data directory; waits for its "started" line.
  void start() {
    partner_port_ = admin_port_ = 0;
    const std::string config = (dir_ / "gateway.yaml").string(), log = (dir_ / "gateway.log").string();
    const auto skip = log_lines();  // earlier runs' lines
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("OCTOPUS_ADMIN_TOKEN", kProcessAdminToken, 1);
      if (!std::freopen(log.c_str(), "a", stderr)) ::_exit(126);
      ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--config", config.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 300 && partner_port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(log);
      std::size_t n = 0;
      for (std::string line; std::getline(in, line);) {
        if (n++ < skip) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "started") {
          partner_port_ = static_cast<unsigned short>(j["partner_port"].get<int>());
          admin_port_ = static_cast<unsigned short>(j["admin_port"].get<int>());
        }
      }
    }
    if (partner_port_ == 0) ADD_FAILURE() << name_ << " did not start:\n" << log_text();
    // The first start makes the operator accounts; a restart keeps them (same data).
    if (partner_port_ != 0 && !accounts_.ready()) accounts_.create(sender(), kProcessAdminToken);
  }
  // SIGTERM: a graceful stop; SIGKILL: a crash. A paused process is woken to take it.
  void stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    ::kill(pid_, SIGCONT);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGSTOP / SIGCONT: a stall of the whole process, and its end.
  void signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  std::filesystem::path data_dir() const { return dir_ / "var"; }
  // In the suite's PostgreSQL run, each process's store is a new database of its own, kept
  // across its restarts (they read the same configuration file).
  static std::string store_config() {
    if (!store_is_postgresql()) return "";
    const auto url = fresh_postgres_database();
    return "store:\n  kind: postgresql\n  postgresql:\n    url: \"" + url + "\"\n    tls: {mode: disable}\n";
  }
  unsigned short partner_port() const { return partner_port_; }
  client::TlsOptions tls() const {
    client::TlsOptions o;
    o.ca_file = (dir_ / "var" / "tls" / "ca.pem").string();
    return o;
  }
  client::HttpsConnection partner() const { return client::HttpsConnection("localhost", partner_port_, tls()); }
  // An admin call as an account whose role the route allows.
  client::HttpResponse admin(const std::string& method, const std::string& target, const nlohmann::json& body) {
    return accounts_.send_as_allowed(sender(), method, target, body);
  }
  // A partner call signed with `cred`, its body parsed; a status of 300 or more fails the test.
  nlohmann::json signed_call(const client::Credential& cred, const std::string& method, const std::string& target,
                             const nlohmann::json& body = nullptr) {
    const std::string text = body.is_null() ? "" : body.dump();
    std::vector<client::HeaderField> headers;
    if (!text.empty()) headers.push_back({"Content-Type", "application/json"});
    client::sign_request(method, "localhost:" + std::to_string(partner_port_), target, headers, text, cred);
    auto r = partner().send(method, target, headers, text);
    EXPECT_LT(r.status, 300) << method << " " << target << ": " << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  // The same partner and key on this instance (each has its own registry store).
  void register_partner(const std::string& id, const client::Credential& cred,
                        const std::vector<std::string>& scopes = {"audiences:read"}) {
    auto p = admin("POST", "/admin/v1/partners",
                   {{"id", id}, {"display_name", id}, {"tier", "gold"}, {"category", "internet"}, {"scopes", scopes}});
    ASSERT_EQ(p.status, 201) << p.body;
    const auto pk = cred.key.public_key();
    auto k = admin("POST", "/admin/v1/partners/" + id + "/keys",
                   {{"key_id", cred.key_id},
                    {"algorithm", "ed25519"},
                    {"public_key", protocol::base64_encode(pk.data(), pk.size())}});
    ASSERT_EQ(k.status, 201) << k.body;
  }
  std::string log_text() const {
    std::ifstream in(dir_ / "gateway.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::size_t log_lines() const {
    std::ifstream in(dir_ / "gateway.log");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
  OperatorAccounts::Send sender() {
    return [this](const std::string& method, const std::string& target, const nlohmann::json& body,
                  const std::string& token) {
      client::HttpsConnection conn("localhost", admin_port_, tls());
      return conn.send(method, target, {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                       body.is_null() ? std::string() : body.dump());
    };
  }

  OperatorAccounts accounts_;
  std::string name_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  unsigned short partner_port_ = 0, admin_port_ = 0;
};

}  // namespace octopus::testing
