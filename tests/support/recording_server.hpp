// A real HTTPS/1.1 server on 127.0.0.1 for the tests, with its own CA (clients are given
// that CA, so certificate checks run for real). It records every request and answers what
// the test scripts: a status with headers and body, optionally closing the connection
// after the answer, or dropping it without one. It can close its idle connections (as a
// server's idle timeout does), go down (listener and connections closed) and come back on
// the same port. The webhook receiver and the SDK's fault-injection tests are built on it.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace octopus::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t connection = 0;  // which accepted connection carried it (1, 2, ...)
  std::chrono::steady_clock::time_point at;
  // First header with this name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

struct ScriptedAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close_after = false;  // answer with Connection: close, then close
  bool drop = false;         // close the connection without answering
};

class RecordingServer {
 public:
  using Responder = std::function<ScriptedAnswer(const RecordedRequest&)>;

  // Certificates are made (once) under `directory`. Answers 200 with no body until told otherwise.
  explicit RecordingServer(const std::string& directory);
  ~RecordingServer();
  RecordingServer(const RecordingServer&) = delete;
  RecordingServer& operator=(const RecordingServer&) = delete;

  std::string url(const std::string& path = "/") const;  // https://localhost:<port><path>
  std::string ca_file() const;
  unsigned short port() const;

  // How each request is answered from now on (called on the server's thread).
  void respond_with(Responder responder);
  // Closes every open connection, as an idle timeout would; keeps listening.
  void close_connections();
  // Down: the listener and every connection closed. Up: listening again on the same port.
  void go_down();
  void come_up();

  std::vector<RecordedRequest> requests() const;
  std::size_t count() const;
  std::size_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octopus::testing
