// SHA-256 in lower-case hex, computed with OpenSSL: an implementation independent of the
// gateway's (libsodium) for tests that check digests the gateway publishes.
#pragma once
#include <openssl/evp.h>

#include <cstdio>
#include <string>

namespace octopus::testing {

inline std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

}  // namespace octopus::testing
