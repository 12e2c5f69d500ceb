// A partner's callback receiver for the tests: a RecordingServer (real HTTPS on 127.0.0.1
// with its own CA, which the gateway is given, so certificate checks run for real) that
// reads each request as a callback and answers the status the test says. It can go down
// (listener and connections closed) and come back on the same port, as a partner's server
// does in an outage.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "recording_server.hpp"

namespace octopus::testing {

struct ReceivedCallback {
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp
  std::string signature;  // webhook-signature
  std::string body;
  std::chrono::steady_clock::time_point at;
};

class WebhookReceiver {
 public:
  // Certificates are made (once) under `directory`.
  explicit WebhookReceiver(const std::string& directory);
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path = "/hooks") const { return server_.url(path); }
  std::string ca_file() const { return server_.ca_file(); }  // the CA its certificate chains to
  unsigned short port() const { return server_.port(); }

  // The status each callback gets from now on (200 to begin with).
  void answer(int status);
  // Down: the listener and every connection closed. Up: listening again on the same port.
  void go_down() { server_.go_down(); }
  void come_up() { server_.come_up(); }

  std::vector<ReceivedCallback> received() const;
  std::size_t count() const { return server_.count(); }

 private:
  RecordingServer server_;
};

}  // namespace octopus::testing
