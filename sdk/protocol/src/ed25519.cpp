// Ed25519 through libsodium. OpenSSL is used only to read and write PEM (PKCS#8 and
// SubjectPublicKeyInfo), which libsodium has no notion of; all signing and verification
// goes through libsodium.
#include "octopus/protocol/ed25519.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <climits>
#include <cstdlib>
#include <memory>

namespace octopus::protocol {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == 32);
static_assert(crypto_sign_BYTES == 64);

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Refuses to prompt for a passphrase: OpenSSL's default callback would read the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

void ensure_sodium_initialised() {
  // sodium_init is idempotent; the static makes the common path a single load.
  static const bool initialised = [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness: nothing safe to do
    return true;
  }();
  (void)initialised;
}

Ed25519PrivateKey Ed25519PrivateKey::from_seed(const std::array<std::uint8_t, 32>& seed) {
  ensure_sodium_initialised();
  Ed25519PrivateKey key;
  std::array<std::uint8_t, 32> public_key{};
  crypto_sign_seed_keypair(public_key.data(), key.secret_.data(), seed.data());
  return key;
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  ensure_sodium_initialised();
  std::array<std::uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  Ed25519PrivateKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

std::optional<Ed25519PrivateKey> Ed25519PrivateKey::from_pem(std::string_view pem) {
  if (pem.empty() || pem.size() > INT_MAX) return std::nullopt;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) {
    // Leave no stale entries in this thread's OpenSSL error queue: TLS code running later
    // on the same thread reads that queue to classify its own errors.
    ERR_clear_error();
    return std::nullopt;
  }
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_ED25519) return std::nullopt;

  std::array<std::uint8_t, 32> seed{};
  std::size_t seed_size = seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey.get(), seed.data(), &seed_size) != 1 || seed_size != seed.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  Ed25519PrivateKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Ed25519PrivateKey::Ed25519PrivateKey(const Ed25519PrivateKey& other) : secret_(other.secret_) {}

Ed25519PrivateKey& Ed25519PrivateKey::operator=(const Ed25519PrivateKey& other) {
  secret_ = other.secret_;
  return *this;
}

Ed25519PrivateKey::~Ed25519PrivateKey() { sodium_memzero(secret_.data(), secret_.size()); }

Ed25519PublicKey Ed25519PrivateKey::public_key() const {
  Ed25519PublicKey out{};
  crypto_sign_ed25519_sk_to_pk(out.data(), secret_.data());
  return out;
}

std::array<std::uint8_t, 32> Ed25519PrivateKey::seed() const {
  std::array<std::uint8_t, 32> out{};
  crypto_sign_ed25519_sk_to_seed(out.data(), secret_.data());
  return out;
}

Ed25519Signature Ed25519PrivateKey::sign(std::string_view message) const {
  Ed25519Signature out{};
  crypto_sign_detached(out.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return out;
}

std::string Ed25519PrivateKey::to_pem() const {
  auto raw_seed = seed();
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw_seed.data(), raw_seed.size()));
  sodium_memzero(raw_seed.data(), raw_seed.size());
  // Secure-heap BIO: the buffer holding the encoded private key is wiped when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!pkey || !bio) return {};
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return drain(bio.get());
}

bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message, const std::uint8_t* signature,
                    std::size_t signature_size) {
  if (signature == nullptr || signature_size != crypto_sign_BYTES) return false;
  ensure_sodium_initialised();
  return crypto_sign_verify_detached(signature, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     key.data()) == 0;
}

bool ed25519_public_key_usable(const Ed25519PublicKey& key) {
  ensure_sodium_initialised();
  return crypto_core_ed25519_is_valid_point(key.data()) == 1;
}

std::string ed25519_public_key_to_pem(const Ed25519PublicKey& key) {
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio) return {};
  if (PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) return {};
  return drain(bio.get());
}

}  // namespace octopus::protocol
