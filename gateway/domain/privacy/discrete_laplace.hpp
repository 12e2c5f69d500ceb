// Noise for released figures: an exact sampler of the discrete Laplace distribution
// (P[x] ∝ exp(-ε·|x|) over the integers), driven by a keyed deterministic stream.
//
// Why exact and integer-only: floating-point Laplace samplers leak through the gaps and
// rounding of doubles (the low bits of a noisy figure can betray the true value). This
// one draws only uniform integers and follows the Bernoulli-exp construction of
// Canonne, Kamath and Steinke ("The Discrete Gaussian for Differential Privacy", 2020,
// Algorithms 1 and 2), so ε is a rational number and every step is exact.
//
// Why deterministic: the stream is keyed by a secret and the figure's release key, so
// the same question about the same data draws the same noise; asking again and averaging
// gains nothing.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace octopus::privacy {

using Secret = std::array<unsigned char, 32>;

// A keyed ChaCha20 stream of uniform integers: the same (secret, label) always yields the
// same sequence; without the secret the sequence cannot be predicted.
class NoiseStream {
 public:
  NoiseStream(const Secret& secret, std::string_view label);
  ~NoiseStream();  // wipes the key and buffer
  NoiseStream(const NoiseStream&) = delete;
  NoiseStream& operator=(const NoiseStream&) = delete;

  std::uint64_t next64();
  // Uniform on [0, n), n > 0, without modulo bias (rejection).
  std::uint64_t uniform(std::uint64_t n);

 private:
  void refill();
  std::array<unsigned char, 32> key_{};
  std::array<unsigned char, 512> block_{};
  std::size_t used_ = sizeof(block_);
  std::uint64_t blocks_ = 0;
};

// ε as an exact fraction: numerator / denominator, both positive.
struct Epsilon {
  std::uint64_t numerator = 1;
  std::uint64_t denominator = 2;
};

// True with probability exp(-n/d), n >= 0, d > 0.
bool bernoulli_exp(NoiseStream& s, std::uint64_t n, std::uint64_t d);

// One draw of discrete Laplace noise with P[x] ∝ exp(-ε·|x|).
std::int64_t discrete_laplace(NoiseStream& s, Epsilon epsilon);

}  // namespace octopus::privacy
