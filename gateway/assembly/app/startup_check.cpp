#include "app/startup_check.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "http/tls_context.hpp"
#include "policy/policy_set.hpp"

namespace octopus::app {

namespace {

void check_policies(const config::GatewayConfig& c, std::vector<std::string>& problems) {
  if (!std::filesystem::is_directory(c.policies_dir)) {
    problems.push_back(c.policies_dir + ": the policy directory does not exist");
    return;
  }
  const auto loaded = policy::load_policies(c.policies_dir);
  for (const auto& e : loaded.errors) problems.push_back(c.policies_dir + "/" + e.to_string());
}

void check_tls(const config::GatewayConfig& c, std::vector<std::string>& problems) {
  if (c.tls.certificate_chain.empty()) return;  // a development certificate is made under data_dir
  try {
    http::make_server_tls_context(c.tls);
  } catch (const std::exception& e) {
    problems.push_back(std::string("tls: ") + e.what());
  }
}

// A variable the configuration names must be set; the admin token must be long enough.
void check_environment(const config::GatewayConfig& c, std::vector<std::string>& problems) {
  const auto require = [&](const std::string& variable, const std::string& why, std::size_t min_length) {
    const char* value = std::getenv(variable.c_str());
    if (!value || !*value)
      problems.push_back("environment: " + variable + " is not set (" + why + ")");
    else if (std::string(value).size() < min_length)
      problems.push_back("environment: " + variable + " is shorter than " + std::to_string(min_length) +
                         " characters (" + why + ")");
  };
  // Needed only while no admin account exists; a data directory without a store has none.
  // A shared PostgreSQL store is not read by the check (it may not be reachable from where
  // the check runs): there `serve` says so if the token is needed.
  const bool fresh = c.store.kind == "sqlite" && !std::filesystem::exists(c.data_dir + "/gateway.db");
  const char* bootstrap = std::getenv("OCTOPUS_ADMIN_TOKEN");
  if (fresh || (bootstrap && *bootstrap))
    require("OCTOPUS_ADMIN_TOKEN", "the bootstrap token that creates the first admin account", 16);
  if (c.engine.kind == "remote")
    require(c.engine.remote.token_env, "named by engine.remote.token_env: the token the engine expects", 16);
  if (c.counters.backend == "redis" && !c.counters.redis_password_env.empty())
    require(c.counters.redis_password_env, "named by counters.redis.password_env", 1);
  if (c.store.kind == "postgresql" && !c.store.postgresql_password_env.empty())
    require(c.store.postgresql_password_env, "named by store.postgresql.password_env", 1);
}

// The data directory is used as it is, or made: it, or the nearest existing parent, must
// be writable by this account.
void check_data_dir(const config::GatewayConfig& c, std::vector<std::string>& problems) {
  std::filesystem::path dir = std::filesystem::absolute(c.data_dir);
  while (!std::filesystem::exists(dir) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
  if (!std::filesystem::is_directory(dir))
    problems.push_back(c.data_dir + ": " + dir.string() + " is not a directory");
  else if (::access(dir.c_str(), W_OK | X_OK) != 0)
    problems.push_back(c.data_dir + ": " + dir.string() + " is not writable by this account");
}

}  // namespace

std::vector<std::string> check_startup(const config::GatewayConfig& config) {
  std::vector<std::string> problems;
  for (auto check : {check_policies, check_tls, check_environment, check_data_dir}) check(config, problems);
  return problems;
}

}  // namespace octopus::app
