// Server TLS settings, in one place: TLS 1.2 minimum (1.3 preferred), AEAD suites only,
// ECDHE key exchange, no renegotiation, no compression. Plain OpenSSL so it can be
// tested and reused without Asio.
#pragma once
#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace octopus::http {

struct TlsFiles {
  std::string certificate_chain;  // PEM: leaf first, then intermediates
  std::string private_key;        // PEM
  std::string client_ca;          // optional PEM bundle: when set, client certificates are requested
};

// Returns a configured SSL_CTX (caller owns it) or nullptr with `error` set.
SSL_CTX* make_server_tls_context(const TlsFiles& files, std::string& error);

// The TLS 1.2 cipher list used (all AEAD, forward secret); TLS 1.3 suites are OpenSSL's
// defaults, which are all AEAD.
extern const char* const kTls12Ciphers;

}  // namespace octopus::http
