#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace octopus::http {

const char* const kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

namespace {
std::string last_openssl_error() {
  unsigned long code = ERR_get_error();
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}
}  // namespace

void SslCtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

SslCtxPtr make_server_tls_context(const TlsFiles& files) {
  SslCtxPtr owned(SSL_CTX_new(TLS_server_method()));
  if (!owned) throw TlsError("cannot create TLS context: " + last_openssl_error());
  SSL_CTX* ctx = owned.get();
  auto fail = [](const std::string& what) -> SslCtxPtr { throw TlsError(what + ": " + last_openssl_error()); };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return fail("cannot set TLS 1.2 ciphers");
  if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) return fail("cannot set key exchange groups");
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate_chain.c_str()) != 1)
    return fail("cannot load certificate chain " + files.certificate_chain);
  if (SSL_CTX_use_PrivateKey_file(ctx, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("cannot load private key " + files.private_key);
  if (SSL_CTX_check_private_key(ctx) != 1) return fail("private key does not match certificate");
  if (!files.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, files.client_ca.c_str(), nullptr) != 1)
      return fail("cannot load client CA " + files.client_ca);
    // Mutual TLS is optional per partner: ask for a certificate, verify it if sent.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return owned;
}

}  // namespace octopus::http
