// Server TLS settings, in one place: TLS 1.2 minimum (1.3 preferred), AEAD suites only,
// ECDHE key exchange, no renegotiation, no compression. Plain OpenSSL so it can be
// tested and reused without Asio.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace octopus::http {

struct TlsFiles {
  std::string certificate_chain;  // PEM: leaf first, then intermediates
  std::string private_key;        // PEM
  std::string client_ca;          // optional PEM bundle: when set, client certificates are requested
};

// A TLS setting OpenSSL refused, with OpenSSL's reason.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// A configured SSL_CTX. Throws TlsError (a file missing or unreadable, a key that does not
// match its certificate).
SslCtxPtr make_server_tls_context(const TlsFiles& files);

// The TLS 1.2 cipher list used (all AEAD, forward secret); TLS 1.3 suites are OpenSSL's
// defaults, which are all AEAD.
extern const char* const kTls12Ciphers;

}  // namespace octopus::http
