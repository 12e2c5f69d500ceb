// The reference engine served as its own process (`octopus-gateway engine serve`), for tests
// that run the gateway's remote adapter against it: started for real on a loopback port with
// development TLS, and killed, frozen (SIGSTOP: a slow engine), resumed or restarted on the
// same port as a test needs.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/gateway_config.hpp"

namespace octopus::testing {

inline constexpr const char* kEngineToken = "test-engine-token-0123456789";

class EngineProcess {
 public:
  // `population` and `seed` default to what GatewayHarness gives its embedded engine, so a
  // test sees the same subscribers through either.
  explicit EngineProcess(std::size_t population = 50'000, std::uint64_t seed = 20261128)
      : population_(population), seed_(seed) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("octopus-engine-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    ::setenv("OCTOPUS_ENGINE_TOKEN", kEngineToken, 1);  // for the gateway in this process
    start(0);
  }
  ~EngineProcess() {
    stop_process();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  EngineProcess(const EngineProcess&) = delete;
  EngineProcess& operator=(const EngineProcess&) = delete;

  unsigned short port() const { return port_; }
  std::string ca_file() const { return (dir_ / "data" / "tls" / "ca.pem").string(); }
  std::string log() const {
    std::ifstream in(dir_ / "engine.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // What a gateway needs to reach this engine.
  void configure(config::GatewayConfig& c, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const {
    c.engine.kind = "remote";
    c.engine.timeout = timeout;
    c.engine.remote.address = {"127.0.0.1", port_};
    c.engine.remote.ca_file = ca_file();
    c.engine.remote.server_name = "localhost";
    c.engine.remote.breaker_min = std::chrono::milliseconds(300);
    c.engine.remote.breaker_max = std::chrono::milliseconds(1000);
  }

  void kill() { stop_process(); }
  void freeze() { ::kill(pid_, SIGSTOP); }
  void thaw() { ::kill(pid_, SIGCONT); }
  // Starts again on the same port (after kill()).
  void restart() { start(port_); }

 private:
  void start(unsigned short port) {
    const std::string log_path = (dir_ / "engine.log").string(), data = (dir_ / "data").string();
    const std::string listen = "127.0.0.1:" + std::to_string(port), population = std::to_string(population_),
                      seed = std::to_string(seed_);
    std::filesystem::remove(log_path);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!std::freopen(log_path.c_str(), "w", stderr)) ::_exit(126);
      ::execl(OCTOPUS_GATEWAY_BINARY, "octopus-gateway", "engine", "serve", "--listen", listen.c_str(), "--data-dir",
              data.c_str(), "--population", population.c_str(), "--seed", seed.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    port_ = 0;
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      std::ifstream in(log_path);
      for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "started")
          port_ = static_cast<unsigned short>(j["engine_port"].get<int>());
      }
    }
    if (port_ == 0) ADD_FAILURE() << "the engine did not start:\n" << log();
  }
  void stop_process() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::size_t population_;
  std::uint64_t seed_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

}  // namespace octopus::testing
