#include <sodium.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "octopus/sdk/client.hpp"

namespace octopus {

Credential::Credential(std::string key_id, const std::array<std::uint8_t, 32>& seed)
    : key_id_(std::move(key_id)), seed_(seed) {
  if (key_id_.empty()) throw std::invalid_argument("a credential needs the key id the operator registered");
}

Credential::Credential(const Credential&) = default;
Credential& Credential::operator=(const Credential&) = default;
Credential::~Credential() { sodium_memzero(seed_.data(), seed_.size()); }

Credential Credential::from_seed(std::string key_id, const std::array<std::uint8_t, 32>& seed) {
  return Credential(std::move(key_id), seed);
}

Credential Credential::from_pem(std::string key_id, const std::string& pem) {
  const auto key = protocol::Ed25519PrivateKey::from_pem(pem);
  if (!key) throw std::invalid_argument("not an Ed25519 private key (PKCS#8 PEM \"PRIVATE KEY\")");
  return Credential(std::move(key_id), key->seed());
}

Credential Credential::from_pem_file(std::string key_id, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read the key file '" + path + "'");
  std::stringstream pem;
  pem << in.rdbuf();
  try {
    return from_pem(std::move(key_id), pem.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("'" + path + "': " + e.what());
  }
}

std::string Credential::public_key_base64() const {
  const auto key = protocol::Ed25519PrivateKey::from_seed(seed_).public_key();
  return protocol::base64_encode(key.data(), key.size());
}

KeyPair generate_key_pair() {
  const auto key = protocol::Ed25519PrivateKey::generate();
  const auto pk = key.public_key();
  return {key.to_pem(), protocol::base64_encode(pk.data(), pk.size())};
}

}  // namespace octopus
