#include "http/self_signed.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace octopus::http {

namespace {
using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

PKeyPtr make_p256_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("cannot generate a P-256 key");
  return PKeyPtr(key, EVP_PKEY_free);
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value),
                                                                      X509_EXTENSION_free);
  if (!ext) throw std::runtime_error("cannot build certificate extension");
  X509_add_ext(cert, ext.get(), -1);
}

X509Ptr make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key, bool is_ca, long days) {
  X509Ptr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    throw std::runtime_error("cannot set the certificate's serial number");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Octopus Open Gateway (development)"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* iss = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  if (is_ca) {
    add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), iss, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1");
  }
  add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
    throw std::runtime_error("cannot sign certificate");
  return cert;
}

void write_pem(const std::string& path, bool private_file, const std::function<int(FILE*)>& writer) {
  const mode_t old = umask(private_file ? 077 : 022);
  FILE* f = std::fopen(path.c_str(), "wb");
  umask(old);
  if (!f) throw std::runtime_error("cannot write " + path);
  const int ok = writer(f);
  std::fclose(f);
  if (!ok) throw std::runtime_error("cannot write " + path);
}
}  // namespace

GeneratedTls ensure_self_signed_tls(const std::string& directory) {
  namespace fs = std::filesystem;
  GeneratedTls out{directory + "/ca.pem", directory + "/server.pem", directory + "/server-key.pem"};
  if (fs::exists(out.ca_certificate) && fs::exists(out.certificate_chain) && fs::exists(out.private_key)) return out;
  fs::create_directories(directory);

  PKeyPtr ca_key = make_p256_key();
  X509Ptr ca = make_cert(ca_key.get(), "Octopus development CA", nullptr, nullptr, true, 3650);
  PKeyPtr key = make_p256_key();
  X509Ptr leaf = make_cert(key.get(), "localhost", ca.get(), ca_key.get(), false, 825);

  // The CA key is not kept: nothing else is ever signed with it.
  write_pem(out.ca_certificate, false, [&](FILE* f) { return PEM_write_X509(f, ca.get()); });
  write_pem(out.certificate_chain, false,
            [&](FILE* f) { return PEM_write_X509(f, leaf.get()) && PEM_write_X509(f, ca.get()); });
  write_pem(out.private_key, true,
            [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return out;
}

}  // namespace octopus::http
