#include "engine/reference/synthetic_population.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <bit>

#include "engine/reference/reference_engine.hpp"

namespace octopus::engine::reference {
namespace {

bool same(const Population& a, const Population& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t r = 0; r < a.size(); ++r) {
    if (a.id(r) != b.id(r) || a.tags(r) != b.tags(r) || a.products(r) != b.products(r) ||
        a.consent_granted(r) != b.consent_granted(r) || a.consent_withdrawn(r) != b.consent_withdrawn(r))
      return false;
    for (std::size_t c = 0; c < kAttributeCount; ++c)
      if (a.attribute(r, static_cast<Attr>(c)) != b.attribute(r, static_cast<Attr>(c))) return false;
  }
  return true;
}

TEST(SyntheticPopulation, TheSameSeedGivesTheSamePopulationWhateverTheThreadCount) {
  const auto one = generate_synthetic_population({11, 150'000, 1});
  const auto two = generate_synthetic_population({11, 150'000, 2});
  const auto other_seed = generate_synthetic_population({12, 150'000, 2});
  EXPECT_TRUE(same(*one, *two));
  EXPECT_FALSE(same(*one, *other_seed));
}

TEST(SyntheticPopulation, IdsAscendInCityBlocksWithCitiesSizedByPopulation) {
  const auto p = generate_synthetic_population({5, 200'000, 2});
  const auto& schema = p->schema();
  EXPECT_TRUE(p->ids_ascending());
  std::vector<std::size_t> per_city(schema.attribute(Attr::city).values.size());
  for (std::size_t r = 0; r < p->size(); ++r) {
    ++per_city[p->attribute(r, Attr::city)];
    if (r > 0) {
      ASSERT_GE(p->attribute(r, Attr::city), p->attribute(r - 1, Attr::city)) << "row " << r;
    }
  }
  // Linyi is Shandong's most populous city, Dongying its least.
  const auto linyi = per_city[schema.code(Attr::city, "linyi")],
             dongying = per_city[schema.code(Attr::city, "dongying")];
  EXPECT_EQ(*std::max_element(per_city.begin(), per_city.end()), linyi);
  EXPECT_EQ(*std::min_element(per_city.begin(), per_city.end()), dongying);
  EXPECT_NEAR(static_cast<double>(linyi) / p->size(), 11.02 / 101.53, 0.001);
  EXPECT_EQ(p->row_of(p->id(12'345)), 12'345u);
  EXPECT_FALSE(p->row_of(p->id(12'345) + 10'000'000'000'000ull));
}

TEST(SyntheticPopulation, ValuesTagsAndConsentAreSpreadRealistically) {
  const auto p = generate_synthetic_population({5, 200'000, 2});
  const auto& s = p->schema();
  const auto n = static_cast<double>(p->size());
  std::size_t tags = 0, suspended = 0, feature_phone_5g = 0, withdrawn = 0;
  std::vector<std::size_t> age(s.attribute(Attr::age_band).values.size());
  const auto dm = *s.purpose_index("dpv:DirectMarketing");
  const auto internet = *s.category_index("internet");
  const auto sms_bit = std::uint64_t{1} << s.scope_index({dm, *s.channel_index("sms"), internet});
  const auto call_bit = std::uint64_t{1} << s.scope_index({dm, *s.channel_index("outbound_call"), internet});
  std::size_t sms = 0, call = 0;
  for (std::size_t r = 0; r < p->size(); ++r) {
    tags += static_cast<std::size_t>(std::popcount(p->tags(r)));
    suspended += p->attribute(r, Attr::status) == s.code(Attr::status, "suspended");
    feature_phone_5g += p->attribute(r, Attr::device_type) == s.code(Attr::device_type, "feature_phone") &&
                        p->attribute(r, Attr::network) == s.code(Attr::network, "5g");
    ++age[p->attribute(r, Attr::age_band)];
    sms += (p->consent_granted(r) & sms_bit) != 0;
    call += (p->consent_granted(r) & call_bit) != 0;
    withdrawn += p->consent_withdrawn(r) != 0;
  }
  EXPECT_GT(tags / n, 2.0);
  EXPECT_LT(tags / n, 6.0);
  EXPECT_NEAR(suspended / n, 0.03, 0.01);
  EXPECT_EQ(feature_phone_5g, 0u);
  for (auto a : age) EXPECT_GT(a / n, 0.08);
  EXPECT_GT(sms, 2 * call);  // SMS marketing is granted far more often than calls
  EXPECT_GT(withdrawn / n, 0.05);
}

// The budget is 64 bytes per subscriber for everything the engine holds: ids, columns and
// every bitmap index. Measured as heap bytes in use (malloc's own count, which includes
// CRoaring's containers and allocator overhead), before and after.
TEST(SyntheticPopulation, AMillionSubscribersTakeAtMost64BytesEachIncludingIndexes) {
  const auto before = mallinfo2();
  {
    auto engine = make_synthetic_reference_engine({20261128, 1'000'000, 2}, {.workers = 0});
    malloc_trim(0);
    const auto after = mallinfo2();
    const auto used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
    const double per_subscriber = static_cast<double>(used) / 1'000'000;
    RecordProperty("bytes_per_subscriber", std::to_string(per_subscriber));
    std::printf("heap in use: %.1f B/subscriber (columns %.1f, indexes %.1f by their own count)\n", per_subscriber,
                engine->population().bytes() / 1e6, engine->index().bytes() / 1e6);
    EXPECT_LE(per_subscriber, 64.0);
  }
}

}  // namespace
}  // namespace octopus::engine::reference
