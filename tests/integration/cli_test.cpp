// The octopus-gateway binary as an operator runs it: exit codes, messages, signals.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sqlite3.h>

#include "octopus/client/https_connection.hpp"

namespace {

struct Result {
  int exit_code;
  std::string output;
};

Result run(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " OCTOPUS_GATEWAY_BINARY " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// True once the gateway whose stderr goes to `log` has logged that it is serving.
bool wait_until_started(const std::string& log, pid_t pid) {
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("\"event\":\"started\"") != std::string::npos) return true;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("octopus-cli-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(Cli, HelpAndVersion) {
  auto help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("octopus-gateway serve"), std::string::npos);
  EXPECT_NE(help.output.find("OCTOPUS_ADMIN_TOKEN"), std::string::npos);
  EXPECT_EQ(run("--version").exit_code, 0);
  auto bad = run("frobnicate");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(run("serve --listen").exit_code, 2);
}

TEST(Cli, RefusesToStartWithoutAnAdminToken) {
  auto dir = temp_dir();
  auto r = run("serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir " + dir, "env -u OCTOPUS_ADMIN_TOKEN");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("OCTOPUS_ADMIN_TOKEN is not set"), std::string::npos) << r.output;
  auto weak =
      run("serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir " + dir, "OCTOPUS_ADMIN_TOKEN=short");
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_NE(weak.output.find("at least 16 characters"), std::string::npos) << weak.output;
  std::filesystem::remove_all(dir);
}

TEST(Cli, ConfigurationErrorsNameFileAndLine) {
  auto dir = temp_dir();
  const auto cfg = dir + "/gw.yaml";
  std::ofstream(cfg) << "partner_plane:\n  listen: 127.0.0.1:8443\nlimits:\n  body_byte: 10\n";
  auto r = run("serve --config " + cfg, "OCTOPUS_ADMIN_TOKEN=0123456789abcdef");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(cfg + ":4: unknown key 'body_byte' in limits"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

// serve --check names every problem that would stop the start (configuration, policies,
// environment) at once, exit 2, and starts nothing; a good setup is reported ready, exit 0.
TEST(Cli, ServeCheckReportsEveryProblemAtOnceAndStartsNothing) {
  auto dir = temp_dir();
  std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir + "/policies", std::filesystem::copy_options::recursive);
  const auto cfg = dir + "/gw.yaml";
  std::ofstream(cfg) << "partner_plane:\n  lisen: 127.0.0.1:8443\nlimits:\n  body_bytes: lots\n  header_bytes: 1\n"
                        "data_dir: var\npolicies:\n  directory: policies\nlog: {level: loud}\n";
  auto bad = run("serve --check --config " + cfg);
  EXPECT_EQ(bad.exit_code, 2);
  for (const auto* line :
       {":2: unknown key 'lisen'", ":4: limits.body_bytes", ":5: limits.header_bytes", ":9: log.level"})
    EXPECT_NE(bad.output.find(cfg + line), std::string::npos) << line << "\n" << bad.output;

  std::ofstream(cfg) << "data_dir: var\npolicies:\n  directory: policies\n";
  std::ofstream(dir + "/policies/privacy.yaml", std::ios::app) << "surprise: true\n";
  auto refused = run("config check --config " + cfg, "env -u OCTOPUS_ADMIN_TOKEN");  // no admin token either
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.output.find("privacy.yaml:"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("OCTOPUS_ADMIN_TOKEN is not set"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("2 problem(s)"), std::string::npos) << refused.output;

  std::filesystem::remove_all(dir + "/policies");
  std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir + "/policies", std::filesystem::copy_options::recursive);
  auto good = run("serve --check --config " + cfg, "OCTOPUS_ADMIN_TOKEN=0123456789abcdef0123");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("ready to serve"), std::string::npos) << good.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/var")) << "--check created the data directory";
  std::filesystem::remove_all(dir);
}

// A gateway's audit log verifies after a run; an edit made in a copy of its database after
// dropping the append-only triggers is named by entry, under the key the first run printed;
// the head file kept outside the database reveals entries removed from the end.
TEST(Cli, AuditVerifyPassesAnUntouchedLogAndNamesTheFirstTamperedEntry) {
  auto dir = temp_dir();
  const auto cfg = dir + "/gw.yaml";
  std::ofstream(cfg) << "data_dir: var\npolicies:\n  directory: " OCTOPUS_POLICIES_DIR
                        "\naudit:\n  head_file: head.json\n";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OCTOPUS_ADMIN_TOKEN", "0123456789abcdef0123", 1);
    if (!std::freopen((dir + "/gateway.log").c_str(), "w", stderr)) ::_exit(126);
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--config", cfg.c_str(), "--listen", "127.0.0.1:0",
            "--admin-listen", "127.0.0.1:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_TRUE(wait_until_started(dir + "/gateway.log", pid));
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  const auto intact = run("audit verify --config " + cfg);
  ASSERT_EQ(intact.exit_code, 0) << intact.output;
  EXPECT_NE(intact.output.find("audit log intact: 1 entries"), std::string::npos) << intact.output;  // the start
  EXPECT_NE(intact.output.find("agrees with the head file"), std::string::npos) << intact.output;
  const auto key_at = intact.output.find("(audit key ") + 11;
  const auto key = intact.output.substr(key_at, intact.output.find(')', key_at) - key_at);

  std::filesystem::create_directories(dir + "/copy");
  std::filesystem::copy_file(dir + "/var/gateway.db", dir + "/copy/gateway.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/copy/gateway.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const auto broken = run("audit verify --data-dir " + dir + "/copy --public-key " + key);
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("first bad entry: 1"), std::string::npos) << broken.output;
  EXPECT_NE(broken.output.find("edited"), std::string::npos) << broken.output;

  EXPECT_EQ(run("audit verify").exit_code, 2);
  EXPECT_EQ(run("audit verify --data-dir " + dir + "/nowhere").exit_code, 1);
  std::filesystem::remove_all(dir);
}

// Accounts made on the store directly: a token printed once, exit codes that tell mistakes
// apart, a data directory that is the gateway account's alone, every change audited.
TEST(Cli, AccountsAreManagedOnTheStoreWithClearExitCodes) {
  auto dir = temp_dir();
  const auto data = dir + "/var";
  const auto created = run("accounts create ada --role admin --data-dir " + data);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output.rfind("oat_", 0), 0u) << created.output;
  EXPECT_EQ(std::filesystem::status(data).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_EQ(run("accounts create ada --role admin --data-dir " + data).exit_code, 1);  // taken
  EXPECT_EQ(run("accounts create bo --role root --data-dir " + data).exit_code, 2);
  EXPECT_EQ(run("accounts create bo --role viewer --token-days 400 --data-dir " + data).exit_code, 2);
  EXPECT_EQ(run("accounts create bo --role viewer").exit_code, 2);  // no store named
  const auto token = run("accounts token ada --token-days 7 --data-dir " + data);
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const auto id = token.output.substr(4, 16);
  EXPECT_EQ(run("accounts revoke ada " + id + " --data-dir " + data).exit_code, 0);
  EXPECT_EQ(run("accounts revoke ada 0000000000000000 --data-dir " + data).exit_code, 1);
  EXPECT_EQ(run("accounts disable nobody --data-dir " + data).exit_code, 1);
  const auto list = run("accounts list --data-dir " + data);
  EXPECT_NE(list.output.find("ada\tadmin\tactive\t1 usable token(s)"), std::string::npos) << list.output;
  const auto verified = run("audit verify --data-dir " + data);
  EXPECT_NE(verified.output.find("intact: 3 entries"), std::string::npos) << verified.output;  // create, token, revoke
  std::filesystem::remove_all(dir);
}

TEST(Cli, SigtermDrainsAndExitsCleanly) {
  auto dir = temp_dir();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OCTOPUS_ADMIN_TOKEN", "0123456789abcdef0123", 1);
    const std::string data = dir + "/var", log = dir + "/gateway.log";
    if (!std::freopen(log.c_str(), "w", stderr)) ::_exit(126);
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--listen", "127.0.0.1:0", "--admin-listen",
            "127.0.0.1:0", "--data-dir", data.c_str(), "--policies", OCTOPUS_POLICIES_DIR, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_TRUE(wait_until_started(dir + "/gateway.log", pid));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(WIFEXITED(status)) << "gateway did not exit within 5 s of SIGTERM";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove_all(dir);
}

TEST(Cli, PortInUseIsAClearError) {
  auto dir = temp_dir();
  // Occupy a port with a first gateway-independent listener: bind via the gateway itself twice.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OCTOPUS_ADMIN_TOKEN", "0123456789abcdef0123", 1);
    const std::string data = dir + "/a", log = dir + "/a.log";
    if (!std::freopen(log.c_str(), "w", stderr)) ::_exit(126);
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--listen", "127.0.0.1:18943", "--admin-listen",
            "127.0.0.1:18944", "--data-dir", data.c_str(), "--policies", OCTOPUS_POLICIES_DIR,
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_TRUE(wait_until_started(dir + "/a.log", pid));
  auto r = run("serve --listen 127.0.0.1:18943 --admin-listen 127.0.0.1:18945 --data-dir " + dir +
                   "/b --policies " OCTOPUS_POLICIES_DIR,
               "OCTOPUS_ADMIN_TOKEN=0123456789abcdef0123");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot listen on 127.0.0.1:18943"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(Cli, RefusedPoliciesStopTheStartNamingFileAndLine) {
  auto dir = temp_dir();
  std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir + "/policies", std::filesystem::copy_options::recursive);
  {
    std::ifstream in(dir + "/policies/privacy.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    const auto at = s.find("minimum_audience_size:");
    ASSERT_NE(at, std::string::npos);
    const auto eol = s.find('\n', at);
    s.replace(at, eol - at, "minimum_audience_size: 0");
    std::ofstream(dir + "/policies/privacy.yaml") << s;
  }
  auto r = run("serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir " + dir + "/var --policies " + dir +
                   "/policies",
               "OCTOPUS_ADMIN_TOKEN=0123456789abcdef0123");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("is refused"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("privacy.yaml:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("minimum_audience_size"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(Cli, SighupReloadsEditedPoliciesAndKeepsServing) {
  auto dir = temp_dir();
  std::filesystem::copy(OCTOPUS_POLICIES_DIR, dir + "/policies", std::filesystem::copy_options::recursive);
  const std::string log = dir + "/gateway.log";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OCTOPUS_ADMIN_TOKEN", "0123456789abcdef0123", 1);
    const std::string data = dir + "/var", policies = dir + "/policies";
    FILE* out = std::freopen(log.c_str(), "w", stderr);
    (void)out;
    // No file watch here: only the signal may cause the reload this test looks for.
    const std::string cfg = dir + "/gw.yaml";
    std::ofstream(cfg) << "policies:\n  watch_interval_ms: 0\n";
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--config", cfg.c_str(), "--listen", "127.0.0.1:0",
            "--admin-listen", "127.0.0.1:0", "--data-dir", data.c_str(), "--policies", policies.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto log_text = [&] {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  // True once one log line holds every needle (keys are sorted, so fields are not adjacent).
  auto wait_for = [&](std::initializer_list<std::string> needles) {
    for (int i = 0; i < 200; ++i) {
      std::istringstream lines(log_text());
      for (std::string line; std::getline(lines, line);) {
        bool all = true;
        for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
        if (all) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(wait_for({"\"event\":\"started\""})) << log_text();

  {  // an edit an officer might make: k from 100 to 120
    std::ifstream in(dir + "/policies/privacy.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    const auto at = s.find("minimum_audience_size:");
    ASSERT_NE(at, std::string::npos);
    s.replace(at, s.find('\n', at) - at, "minimum_audience_size: 120");
    std::ofstream(dir + "/policies/privacy.yaml") << s;
  }
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  EXPECT_TRUE(wait_for({"\"event\":\"policy_reload\"", "\"actor\":\"signal:SIGHUP\"", "\"outcome\":\"accepted\""}))
      << log_text();
  // Still serving: SIGHUP is not a stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::filesystem::remove_all(dir);
}

// The engine as its own process: it refuses to serve without a token, refuses bad options
// with usage errors, and reports a population file's bad rows by line before refusing it.
TEST(Cli, EngineServeChecksItsTokenOptionsAndPopulationFile) {
  const std::string dir = temp_dir();
  auto no_token = run("engine serve --data-dir " + dir, "env -u OCTOPUS_ENGINE_TOKEN");
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.output.find("OCTOPUS_ENGINE_TOKEN is not set"), std::string::npos) << no_token.output;

  const std::string token = "OCTOPUS_ENGINE_TOKEN=cli-engine-token-0123456789";
  auto weak = run("engine serve --data-dir " + dir, "OCTOPUS_ENGINE_TOKEN=short");
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_NE(weak.output.find("at least 16 characters"), std::string::npos) << weak.output;
  auto bad_population = run("engine serve --population 0", token);
  EXPECT_EQ(bad_population.exit_code, 2);
  EXPECT_NE(bad_population.output.find("--population must be from 1"), std::string::npos) << bad_population.output;
  auto bad_budget = run("engine serve --membership-index-mb lots", token);
  EXPECT_EQ(bad_budget.exit_code, 2);
  EXPECT_NE(bad_budget.output.find("--membership-index-mb needs a whole number"), std::string::npos)
      << bad_budget.output;
  EXPECT_EQ(run("engine serve --seed x", token).exit_code, 2);
  EXPECT_EQ(run("engine run", token).exit_code, 2);

  // One good row and one with an unknown city: refused as a whole on request, line named.
  std::ofstream(dir + "/people.jsonl")
      << R"({"subscriber_id":1,"city":"jinan","age_band":"25-34","gender":"female","plan_type":"postpaid","network":"5g","arpu_band":"60-99","data_usage_band":"10-29","device_type":"smartphone","device_os":"android","tenure_band":"2-4","roaming_status":"not_roaming","status":"active"})"
      << "\n"
      << R"({"subscriber_id":2,"city":"atlantis","age_band":"25-34","gender":"female","plan_type":"postpaid","network":"5g","arpu_band":"60-99","data_usage_band":"10-29","device_type":"smartphone","device_os":"android","tenure_band":"2-4","roaming_status":"not_roaming","status":"active"})"
      << "\n";
  auto refused = run("engine serve --data-dir " + dir + " --import " + dir + "/people.jsonl --refuse-bad-rows", token);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("\"event\":\"population_bad_row\""), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("\"line\":2"), std::string::npos) << refused.output;  // a number
  EXPECT_NE(refused.output.find("refused"), std::string::npos) << refused.output;
  auto wrong_kind = run("engine serve --data-dir " + dir + " --import " + dir + "/people.txt", token);
  EXPECT_EQ(wrong_kind.exit_code, 1);
  EXPECT_NE(wrong_kind.output.find(".csv, .jsonl or .ndjson"), std::string::npos) << wrong_kind.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
