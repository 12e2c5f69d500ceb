// The noise sampler: the distribution it claims (P[x] ∝ exp(-ε|x|)), exactly reproducible
// for one secret and label, unpredictable across secrets.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "privacy/discrete_laplace.hpp"

namespace octopus::privacy {
namespace {

TEST(NoiseStream, TheSameSecretAndLabelGiveTheSameSequenceAndAnyOtherADifferentOne) {
  const Secret a{1}, b{2};
  NoiseStream s1(a, "count|q"), s2(a, "count|q"), s3(b, "count|q"), s4(a, "count|q2");
  int same_other_secret = 0, same_other_label = 0;
  for (int i = 0; i < 200; ++i) {  // crosses block boundaries (64 words a block)
    const auto v = s1.next64();
    EXPECT_EQ(v, s2.next64());
    same_other_secret += v == s3.next64();
    same_other_label += v == s4.next64();
  }
  EXPECT_EQ(same_other_secret, 0);
  EXPECT_EQ(same_other_label, 0);
}

TEST(NoiseStream, UniformCoversItsRangeEvenly) {
  NoiseStream s(Secret{3}, "uniform");
  std::map<std::uint64_t, int> seen;
  constexpr int kDraws = 60'000;
  for (int i = 0; i < kDraws; ++i) ++seen[s.uniform(6)];
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& [value, n] : seen) {
    EXPECT_LT(value, 6u);
    EXPECT_NEAR(n, kDraws / 6, 400) << value;  // ±4.4 standard deviations
  }
}

TEST(BernoulliExp, HitsExpOfMinusGammaForFractionsAboveAndBelowOne) {
  NoiseStream s(Secret{4}, "bernoulli");
  for (const auto [n, d] : {std::pair<std::uint64_t, std::uint64_t>{1, 4}, {1, 1}, {5, 2}}) {
    int hits = 0;
    constexpr int kDraws = 40'000;
    for (int i = 0; i < kDraws; ++i) hits += bernoulli_exp(s, n, d);
    const double p = std::exp(-static_cast<double>(n) / static_cast<double>(d));
    EXPECT_NEAR(hits / double(kDraws), p, 4.5 * std::sqrt(p * (1 - p) / kDraws)) << n << "/" << d;
  }
}

// Frequencies of 0, ±1, ±2, ±3 against the exact probabilities, and symmetry.
TEST(DiscreteLaplace, FollowsItsDistribution) {
  for (const Epsilon eps : {Epsilon{1, 4}, Epsilon{1, 1}, Epsilon{3, 2}}) {
    const double e = static_cast<double>(eps.numerator) / static_cast<double>(eps.denominator);
    const double alpha = std::exp(-e);
    NoiseStream s(Secret{5}, "laplace" + std::to_string(eps.numerator) + "/" + std::to_string(eps.denominator));
    constexpr int kDraws = 100'000;
    std::map<std::int64_t, int> seen;
    double sum = 0;
    for (int i = 0; i < kDraws; ++i) {
      const auto x = discrete_laplace(s, eps);
      ++seen[x];
      sum += static_cast<double>(x);
    }
    for (std::int64_t x = -3; x <= 3; ++x) {
      const double p = (1 - alpha) / (1 + alpha) * std::pow(alpha, std::abs(static_cast<double>(x)));
      const double sd = std::sqrt(p * (1 - p) / kDraws);
      EXPECT_NEAR(seen[x] / double(kDraws), p, 4.5 * sd) << "x=" << x << " ε=" << e;
    }
    const double variance = 2 * alpha / ((1 - alpha) * (1 - alpha));
    EXPECT_NEAR(sum / kDraws, 0.0, 4.5 * std::sqrt(variance / kDraws)) << "ε=" << e;
  }
}

TEST(DiscreteLaplace, TheSameLabelDrawsTheSameNoise) {
  NoiseStream a(Secret{6}, "same"), b(Secret{6}, "same");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(discrete_laplace(a, {1, 4}), discrete_laplace(b, {1, 4}));
}

}  // namespace
}  // namespace octopus::privacy
