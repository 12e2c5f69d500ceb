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
#include <thread>

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
  auto weak = run("serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir " + dir, "OCTOPUS_ADMIN_TOKEN=short");
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

TEST(Cli, SigtermDrainsAndExitsCleanly) {
  auto dir = temp_dir();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OCTOPUS_ADMIN_TOKEN", "0123456789abcdef0123", 1);
    const std::string data = dir + "/var";
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--listen", "127.0.0.1:0", "--admin-listen",
            "127.0.0.1:0", "--data-dir", data.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for the generated CA: the gateway is up once it exists and it answers.
  const auto ca = dir + "/var/tls/ca.pem";
  for (int i = 0; i < 100 && !std::filesystem::exists(ca); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
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
    const std::string data = dir + "/a";
    ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "serve", "--listen", "127.0.0.1:18943", "--admin-listen",
            "127.0.0.1:18944", "--data-dir", data.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto ca = dir + "/a/tls/ca.pem";
  for (int i = 0; i < 100 && !std::filesystem::exists(ca); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto r = run("serve --listen 127.0.0.1:18943 --admin-listen 127.0.0.1:18945 --data-dir " + dir + "/b",
               "OCTOPUS_ADMIN_TOKEN=0123456789abcdef0123");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot listen on 127.0.0.1:18943"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
