// `octopus webhooks listen`: a local receiver for the gateway's callbacks. Each request is
// verified with the SDK's WebhookVerifier and answered 204 (verified: the event is printed)
// or 400 with the reason (refused: the reason goes to stderr). HTTPS with a certificate
// given, else plain HTTP for use behind a TLS-terminating tunnel.
#pragma once
#include <cstddef>
#include <string>

#include "octopus/sdk/webhook_verifier.hpp"

namespace octopus::cli {

struct ListenOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string tls_cert, tls_key;  // PEM files; both or neither
  std::size_t count = 0;          // stop after this many verified callbacks (0: never)
  bool json = false;              // print each event as one line of JSON
};

// Serves until `count` callbacks were verified (or forever). Prints "listening on <url>"
// to stderr once the port is bound. Throws std::runtime_error when it cannot listen.
void listen_for_webhooks(const ListenOptions& options, const WebhookVerifier& verifier);

}  // namespace octopus::cli
