// Ed25519 (RFC 8032, pure, no pre-hash, no context) through libsodium: the only
// algorithm the gateway accepts for RFC 9421 signatures ("ed25519", RFC 9421 §3.3.6).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace octopus::protocol {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

// Holds the 64-byte libsodium secret key (seed || public key); wiped on destruction.
class Ed25519PrivateKey {
 public:
  // From a 32-byte RFC 8032 seed (the "d" of a JWK, the last 32 bytes of a PKCS#8 DER).
  static Ed25519PrivateKey from_seed(const std::array<std::uint8_t, 32>& seed);
  // A fresh random key.
  static Ed25519PrivateKey generate();
  // From a PEM "PRIVATE KEY" (PKCS#8, RFC 8410) block; nullopt when not an Ed25519 key.
  static std::optional<Ed25519PrivateKey> from_pem(std::string_view pem);

  Ed25519PrivateKey(const Ed25519PrivateKey&);
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&);
  ~Ed25519PrivateKey();

  Ed25519PublicKey public_key() const;
  std::array<std::uint8_t, 32> seed() const;
  Ed25519Signature sign(std::string_view message) const;
  // PKCS#8 PEM of this key (for tools and tests that hand a key to another program).
  std::string to_pem() const;

 private:
  Ed25519PrivateKey() = default;
  std::array<std::uint8_t, 64> secret_{};
};

// True when `signature` is a valid Ed25519 signature of `message` under `key`.
bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message, const std::uint8_t* signature,
                    std::size_t signature_size);

// True when `key` can be a real signer's key: a canonical encoding of a point on the curve,
// in the prime-order subgroup and not of small order. The all-zero key, the identity and the
// other low-order points are refused: signatures under them prove nothing about who signed.
bool ed25519_public_key_usable(const Ed25519PublicKey& key);

// SubjectPublicKeyInfo PEM of a raw public key (for handing keys to other programs).
std::string ed25519_public_key_to_pem(const Ed25519PublicKey& key);

// Initialises libsodium once; safe to call from any thread, any number of times.
void ensure_sodium_initialised();

}  // namespace octopus::protocol
