#include "tokens/partner_token.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace octopus::tokens {

namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "OCTOPTOK";  // 8 bytes, fixed forever

// crypto_kdf names subkeys by a 64-bit id; partner ids are strings, so the id is the first
// 8 bytes of an unkeyed BLAKE2b of the partner id (collisions: 2^-64).
std::uint64_t subkey_id(std::string_view partner_id) {
  unsigned char h[8];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(partner_id.data()), partner_id.size(), nullptr,
                     0);
  std::uint64_t id = 0;
  for (unsigned char b : h) id = (id << 8) | b;
  return id;
}

}  // namespace

PartnerTokenizer::PartnerTokenizer(const MasterKey& master) : master_(master) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

PartnerTokenizer::~PartnerTokenizer() { sodium_memzero(master_.data(), master_.size()); }

std::string PartnerTokenizer::token(std::string_view partner_id, std::uint64_t subscriber_id) const {
  unsigned char key[crypto_generichash_KEYBYTES];
  crypto_kdf_derive_from_key(key, sizeof key, subkey_id(partner_id), kContext, master_.data());
  unsigned char id[8];
  for (int i = 7; i >= 0; --i, subscriber_id >>= 8) id[i] = static_cast<unsigned char>(subscriber_id & 0xFF);
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, id, sizeof id, key, sizeof key);
  sodium_memzero(key, sizeof key);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, digest, sizeof digest, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string("sub_") + text;
}

namespace {

MasterKey read_master_key(const std::filesystem::path& path) {
  MasterKey key{};
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw std::runtime_error(path.string() + " is readable by others; chmod 600 it");
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(key.data()), key.size());
  if (in.gcount() != static_cast<std::streamsize>(key.size()) || in.peek() != EOF)
    throw std::runtime_error(path.string() + " must hold exactly 32 bytes");
  return key;
}

}  // namespace

MasterKey load_or_create_master_key(const std::filesystem::path& path) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (std::filesystem::exists(path)) return read_master_key(path);
  MasterKey key{};
  crypto_kdf_keygen(key.data());
  // Written whole under a name of this process's own, then linked into place only if no
  // other process made the key meanwhile (link never replaces): two processes starting at
  // once on one data directory end up with the same key.
  const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out.write(reinterpret_cast<const char*>(key.data()), key.size());
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::error_code linked;
  std::filesystem::create_hard_link(tmp, path, linked);
  std::filesystem::remove(tmp);
  if (linked) {
    sodium_memzero(key.data(), key.size());
    if (std::filesystem::exists(path)) return read_master_key(path);  // another process won
    throw std::runtime_error("cannot create " + path.string() + ": " + linked.message());
  }
  return key;
}

protocol::Ed25519PrivateKey load_or_create_signing_key(const std::filesystem::path& path) {
  auto seed = load_or_create_master_key(path);
  std::array<std::uint8_t, 32> bytes{};
  std::copy(seed.begin(), seed.end(), bytes.begin());
  sodium_memzero(seed.data(), seed.size());
  auto key = protocol::Ed25519PrivateKey::from_seed(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

}  // namespace octopus::tokens
