#include "privacy/discrete_laplace.hpp"

#include <sodium.h>

#include <cstring>
#include <limits>
#include <numeric>

namespace octopus::privacy {

NoiseStream::NoiseStream(const Secret& secret, std::string_view label) {
  // The stream's key: BLAKE2b of the label, keyed by the secret.
  crypto_generichash(key_.data(), key_.size(), reinterpret_cast<const unsigned char*>(label.data()), label.size(),
                     secret.data(), secret.size());
}

NoiseStream::~NoiseStream() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(block_.data(), block_.size());
}

void NoiseStream::refill() {
  // Block i is ChaCha20 under the stream key with nonce i: a counter mode, never reused.
  std::array<unsigned char, crypto_stream_chacha20_NONCEBYTES> nonce{};
  std::uint64_t n = blocks_++;
  for (std::size_t i = 0; i < nonce.size(); ++i, n >>= 8) nonce[i] = static_cast<unsigned char>(n & 0xff);
  crypto_stream_chacha20(block_.data(), block_.size(), nonce.data(), key_.data());
  used_ = 0;
}

std::uint64_t NoiseStream::next64() {
  if (used_ + 8 > block_.size()) refill();
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | block_[used_ + i];
  used_ += 8;
  return v;
}

std::uint64_t NoiseStream::uniform(std::uint64_t n) {
  // Accept only below the largest multiple of n, so every residue is equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  for (;;) {
    const std::uint64_t v = next64();
    if (v < limit) return v % n;
  }
}

namespace {
// True with probability n/d.
bool bernoulli(NoiseStream& s, std::uint64_t n, std::uint64_t d) { return s.uniform(d) < n; }

// exp(-γ) for γ = n/d in [0, 1]: the first k with Bernoulli(γ/k) false has odd k with
// probability exp(-γ) (Algorithm 1's first case).
bool bernoulli_exp_unit(NoiseStream& s, std::uint64_t n, std::uint64_t d) {
  std::uint64_t k = 1;
  while (bernoulli(s, n, d * k)) ++k;
  return k % 2 == 1;
}
}  // namespace

bool bernoulli_exp(NoiseStream& s, std::uint64_t n, std::uint64_t d) {
  // exp(-γ) = exp(-1)^floor(γ) · exp(-(γ - floor(γ))).
  for (std::uint64_t i = 0; i < n / d; ++i)
    if (!bernoulli_exp_unit(s, 1, 1)) return false;
  return bernoulli_exp_unit(s, n % d, d);
}

std::int64_t discrete_laplace(NoiseStream& s, Epsilon epsilon) {
  // Scale t/e = 1/ε (Algorithm 2 with s = numerator, t = denominator, reduced).
  const std::uint64_t g = std::gcd(epsilon.numerator, epsilon.denominator);
  const std::uint64_t num = epsilon.numerator / g;
  const std::uint64_t den = epsilon.denominator / g;
  for (;;) {
    const std::uint64_t u = s.uniform(den);
    if (!bernoulli_exp(s, u, den)) continue;
    std::uint64_t v = 0;
    while (bernoulli_exp(s, 1, 1)) ++v;
    const std::uint64_t x = u + den * v;  // geometric with parameter exp(-1/den), exactly
    const std::uint64_t y = x / num;
    const bool negative = bernoulli(s, 1, 2);
    if (negative && y == 0) continue;  // zero must not be counted twice
    return negative ? -static_cast<std::int64_t>(y) : static_cast<std::int64_t>(y);
  }
}

}  // namespace octopus::privacy
