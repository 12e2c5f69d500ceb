// The reference engine against a plain scan of the same population: counts must be exact
// for random segments and consent filters, before any privacy filter is applied.
#include <gtest/gtest.h>

#include <random>

#include "engine/reference/reference_engine.hpp"

namespace octopus::engine::reference {
namespace {

constexpr std::size_t kSize = 80'000;  // past 65,536 ids: counts cross a container boundary

const ReferenceEngine& engine() {
  static ReferenceEngine e(generate_population(kSize, 7));
  return e;
}

bool scan_match(const SegmentNode& n, const Population& p, std::size_t i) {
  const auto& schema = population_schema();
  switch (n.kind) {
    case SegmentNode::Kind::all:
      for (const auto& c : n.children)
        if (!scan_match(c, p, i)) return false;
      return true;
    case SegmentNode::Kind::any:
      for (const auto& c : n.children)
        if (scan_match(c, p, i)) return true;
      return false;
    case SegmentNode::Kind::negate: return !scan_match(n.children[0], p, i);
    case SegmentNode::Kind::eq:
    case SegmentNode::Kind::in: {
      const auto a = schema.column(n.attribute);
      const auto& value = schema.attributes[a].values[p.columns[a][i]];
      return std::find(n.values.begin(), n.values.end(), value) != n.values.end();
    }
    case SegmentNode::Kind::range: {
      const auto a = schema.column(n.attribute);
      return band_within(schema.attributes[a], p.columns[a][i], n.min, n.max);
    }
    case SegmentNode::Kind::tag: {
      const auto t = static_cast<std::size_t>(std::find(schema.tags.begin(), schema.tags.end(), n.tag) - schema.tags.begin());
      return (p.tags[i] >> t) & 1u;
    }
  }
  return false;
}

std::uint64_t scan_count(const CountQuery& q, const Population& p) {
  std::uint64_t n = 0;
  const auto purpose = static_cast<unsigned>(std::find(kPurposes.begin(), kPurposes.end(), q.consent.purpose) - kPurposes.begin());
  const auto category = static_cast<unsigned>(
      std::find(kCategories.begin(), kCategories.end(), q.consent.partner_category) - kCategories.begin());
  for (std::size_t i = 0; i < p.size; ++i) {
    if (!p.active[i] || !scan_match(q.segment, p, i)) continue;
    bool consented = false;
    for (const auto& ch : q.consent.channels) {
      const auto c = static_cast<unsigned>(std::find(kChannels.begin(), kChannels.end(), ch) - kChannels.begin());
      const auto bit = std::uint64_t{1} << consent_bit(purpose, c, category);
      consented = consented || ((p.granted[i] & bit) && !(p.withdrawn[i] & bit));
    }
    n += consented;
  }
  return n;
}

SegmentNode random_segment(std::mt19937& rng, int depth) {
  const auto& schema = population_schema();
  SegmentNode n;
  const int pick = static_cast<int>(rng() % (depth >= 3 ? 4 : 7));
  if (pick >= 4) {
    n.kind = pick == 4 ? SegmentNode::Kind::all : pick == 5 ? SegmentNode::Kind::any : SegmentNode::Kind::negate;
    const int children = n.kind == SegmentNode::Kind::negate ? 1 : 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < children; ++i) n.children.push_back(random_segment(rng, depth + 1));
    return n;
  }
  if (pick == 3) {
    n.kind = SegmentNode::Kind::tag;
    n.tag = schema.tags[rng() % 12];  // the popular ones, so counts are not all zero
    return n;
  }
  const auto& a = schema.attributes[rng() % schema.attributes.size()];
  n.attribute = a.name;
  if (pick == 2 && a.ordered) {
    n.kind = SegmentNode::Kind::range;
    n.min = a.lower_bounds[rng() % a.values.size()];
    n.max = n.min + static_cast<double>(rng() % 40);
    return n;
  }
  n.kind = pick == 0 ? SegmentNode::Kind::eq : SegmentNode::Kind::in;
  const int values = n.kind == SegmentNode::Kind::eq ? 1 : 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < values; ++i) n.values.push_back(a.values[rng() % a.values.size()]);
  return n;
}

TEST(ReferenceEngine, CountsEqualAPlainScanFor200RandomSegments) {
  std::mt19937 rng(2026);
  int nonzero = 0;
  for (int i = 0; i < 200; ++i) {
    CountQuery q;
    q.segment = random_segment(rng, 1);
    q.consent.purpose = kPurposes[rng() % kPurposes.size()];
    q.consent.partner_category = kCategories[rng() % kCategories.size()];
    for (const char* ch : kChannels)
      if (rng() % 2) q.consent.channels.push_back(ch);
    const auto expected = scan_count(q, engine().population());
    ASSERT_EQ(const_cast<ReferenceEngine&>(engine()).count(q).get(), expected) << "segment " << i;
    nonzero += expected > 0;
  }
  EXPECT_GT(nonzero, 50);  // the comparison was not trivially 0 == 0
}

TEST(ReferenceEngine, TheSameSeedGivesTheSamePopulation) {
  const auto a = generate_population(5000, 11), b = generate_population(5000, 11), c = generate_population(5000, 12);
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.granted, b.granted);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_NE(a.columns, c.columns);
}

TEST(ReferenceEngine, UnknownPurposeOrCategoryHasNoConsent) {
  auto& e = const_cast<ReferenceEngine&>(engine());
  CountQuery q;
  q.segment.kind = SegmentNode::Kind::tag;
  q.segment.tag = "travel";
  q.consent = {"dpv:DirectMarketing", "internet", {"sms"}};
  EXPECT_GT(e.count(q).get(), 0u);
  q.consent.partner_category = "casino";
  EXPECT_EQ(e.count(q).get(), 0u);
  q.consent = {"dpv:Unheard", "internet", {"sms"}};
  EXPECT_EQ(e.count(q).get(), 0u);
}

TEST(ReferenceEngine, AMaterialisedAudienceIteratesExactlyItsMembersInBatches) {
  ReferenceEngine e(generate_population(150'000, 3));  // ids past 65,536: more than one container
  CountQuery q;
  q.segment.kind = SegmentNode::Kind::eq;
  q.segment.attribute = "city";
  q.segment.values = {"jinan"};
  q.consent = {"dpv:DirectMarketing", "content", {"sms", "push"}};
  const auto handle = e.materialise(q).get();
  EXPECT_EQ(handle.size, e.count(q).get());
  std::uint64_t seen = 0, cursor = 0, last = 0;
  bool first = true;
  for (;;) {
    const auto batch = e.members(handle.id, cursor, 1000).get();
    for (auto id : batch.subscribers) {
      EXPECT_TRUE(first || id > last);
      EXPECT_EQ(e.population().columns[0][id], 0);  // jinan
      last = id;
      first = false;
    }
    seen += batch.subscribers.size();
    if (!batch.next) break;
    cursor = *batch.next;
  }
  EXPECT_EQ(seen, handle.size);
  e.drop(handle.id).get();
  EXPECT_THROW(e.members(handle.id, 0, 10).get(), std::invalid_argument);
}

TEST(ReferenceEngine, EligibilityFollowsTheProductRules) {
  auto& e = const_cast<ReferenceEngine&>(engine());
  const auto& p = e.population();
  const auto& schema = population_schema();
  int checked = 0;
  for (std::size_t i = 0; i < 2000; ++i) {
    const auto r = e.eligibility({i, "INTL-ROAM"}).get();
    const bool postpaid = p.columns[schema.column("plan_type")][i] == 0;
    const bool holds = p.products[i] & (1u << 3);
    EXPECT_EQ(r.eligible, p.active[i] && postpaid && !holds) << i << " " << r.reason;
    checked += r.eligible;
  }
  EXPECT_GT(checked, 100);
  EXPECT_FALSE(e.eligibility({0, "NOPE"}).get().eligible);
  EXPECT_EQ(e.products().get().size(), schema.products.size());
}

TEST(ReferenceEngine, UnknownNamesAreProgrammingErrorsNotEmptyCounts) {
  auto& e = const_cast<ReferenceEngine&>(engine());
  CountQuery q;
  q.segment.kind = SegmentNode::Kind::eq;
  q.segment.attribute = "shoe_size";
  q.segment.values = {"42"};
  EXPECT_THROW(e.count(q).get(), std::invalid_argument);
}

}  // namespace
}  // namespace octopus::engine::reference
