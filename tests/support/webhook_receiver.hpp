// A partner's callback receiver for the tests: a real HTTPS server on 127.0.0.1 with its own
// CA (the gateway is given that CA, so certificate checks run for real) that records every
// callback and answers what the test says. It can go down (listener and connections
// closed) and come back on the same port, as a partner's server does in an outage.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path = "/hooks") const;  // https://localhost:<port><path>
  std::string ca_file() const;                                // the CA its certificate chains to
  unsigned short port() const;

  // The status each callback gets from now on (200 to begin with).
  void answer(int status);
  // Down: the listener and every connection closed. Up: listening again on the same port.
  void go_down();
  void come_up();

  std::vector<ReceivedCallback> received() const;
  std::size_t count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octopus::testing
