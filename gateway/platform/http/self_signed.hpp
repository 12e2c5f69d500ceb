// Development certificates: when no certificate is configured the gateway makes a
// private CA and a server certificate for localhost (ECDSA P-256) under the data
// directory, so the demo runs over real TLS and clients can pin the CA file.
#pragma once
#include <string>

namespace octopus::http {

struct GeneratedTls {
  std::string ca_certificate;     // path of ca.pem (give this to clients)
  std::string certificate_chain;  // path of server.pem
  std::string private_key;        // path of server-key.pem (mode 0600)
};

// Reuses files already in `directory`, otherwise creates them. Throws std::runtime_error.
GeneratedTls ensure_self_signed_tls(const std::string& directory);

}  // namespace octopus::http
