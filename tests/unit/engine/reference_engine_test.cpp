// The reference engine against a plain scan of the same population: counts exact for
// random segments and consent filters; audiences hold exactly the counted subscribers;
// product eligibility by its rules.
#include "engine/reference/reference_engine.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "random_segments.hpp"
#include "scan.hpp"

namespace octopus::engine::reference {
namespace {

using test::RandomSegments;
using test::scan_count;
using test::scan_selects;
using K = SegmentNode::Kind;

// Past several 65,536-row containers, so results cross container boundaries.
constexpr std::size_t kSize = 200'000;

ReferenceEngine& engine() {
  static auto e = make_synthetic_reference_engine({7, kSize, 2}, {.workers = 2});
  return *e;
}

SegmentNode leaf(K kind) {
  SegmentNode n;
  n.kind = kind;
  return n;
}

SegmentNode equals(std::string attribute, std::string value) {
  SegmentNode n = leaf(K::eq);
  n.attribute = std::move(attribute);
  n.values = {std::move(value)};
  return n;
}

SegmentNode group(K kind, std::vector<SegmentNode> children) {
  SegmentNode n = leaf(kind);
  n.children = std::move(children);
  return n;
}

ConsentFilter sms_marketing() { return {"dpv:DirectMarketing", "internet", {"sms"}}; }

TEST(ReferenceEngine, CountsEqualAPlainScanFor200RandomSegments) {
  auto& e = engine();
  const auto vocabulary = e.vocabulary().get();
  RandomSegments random(vocabulary, 2026);
  int nonzero = 0;
  for (int i = 0; i < 200; ++i) {
    CountQuery q{random.segment(), random.consent(e.population().schema())};
    const auto expected = scan_count(q, e.population());
    ASSERT_EQ(e.count(q).get(), expected) << "segment " << i;
    nonzero += expected > 0;
  }
  EXPECT_GT(nonzero, 100);  // the comparison was not mostly 0 == 0
}

TEST(ReferenceEngine, TheVocabularyIsThePrivacyDictionaryPlusNetworkAndOs) {
  const auto v = engine().vocabulary().get();
  std::set<std::string> names;
  for (const auto& a : v.attributes) names.insert(a.name);
  EXPECT_EQ(names, (std::set<std::string>{"age_band", "gender", "city", "plan_type", "arpu_band", "device_type",
                                          "data_usage_band", "tenure_band", "roaming_status", "network", "device_os"}));
  EXPECT_EQ(v.tags.size(), 50u);
  for (const auto& a : v.attributes) {
    const bool band =
        a.name == "age_band" || a.name == "arpu_band" || a.name == "data_usage_band" || a.name == "tenure_band";
    EXPECT_EQ(a.ordered, band) << a.name;
    if (!band) continue;
    ASSERT_EQ(a.lower_bounds.size(), a.values.size());
    ASSERT_EQ(a.upper_bounds.size(), a.values.size());
    for (std::size_t i = 0; i + 1 < a.values.size(); ++i) EXPECT_EQ(a.upper_bounds[i], a.lower_bounds[i + 1]);
    EXPECT_TRUE(std::isinf(a.upper_bounds.back()));
  }
}

TEST(ReferenceEngine, ARangeSelectsTheBandsWhollyInside) {
  auto& e = engine();
  SegmentNode range = leaf(K::range);
  range.attribute = "age_band";
  range.min = 25;
  range.max = 44;
  SegmentNode in = leaf(K::in);
  in.attribute = "age_band";
  in.values = {"25-34", "35-44"};
  EXPECT_EQ(e.count({range, sms_marketing()}).get(), e.count({in, sms_marketing()}).get());
  range.max = 43;  // 35-44 is no longer wholly inside
  EXPECT_EQ(e.count({range, sms_marketing()}).get(), e.count({equals("age_band", "25-34"), sms_marketing()}).get());
}

TEST(ReferenceEngine, UnknownNamesFailTheFutureWithInvalidArgument) {
  auto& e = engine();
  EXPECT_THROW(e.count({equals("religion", "x"), sms_marketing()}).get(), std::invalid_argument);
  EXPECT_THROW(e.count({equals("city", "beijing"), sms_marketing()}).get(), std::invalid_argument);
  SegmentNode tag = leaf(K::tag);
  tag.tag = "no_such_tag";
  EXPECT_THROW(e.count({tag, sms_marketing()}).get(), std::invalid_argument);
  EXPECT_THROW(e.count({group(K::all, {}), sms_marketing()}).get(), std::invalid_argument);
}

TEST(ReferenceEngine, ConsentIsPerPurposeChannelAndCategoryAndWithdrawalWins) {
  auto& e = engine();
  const auto jinan = equals("city", "jinan");
  const auto sms = e.count({jinan, {"dpv:DirectMarketing", "internet", {"sms"}}}).get();
  const auto call = e.count({jinan, {"dpv:DirectMarketing", "internet", {"outbound_call"}}}).get();
  const auto either = e.count({jinan, {"dpv:DirectMarketing", "internet", {"sms", "outbound_call"}}}).get();
  EXPECT_GT(sms, call);
  EXPECT_GE(either, sms);
  EXPECT_LE(either, sms + call);
  EXPECT_EQ(e.count({jinan, {"dpv:NoSuchPurpose", "internet", {"sms"}}}).get(), 0u);  // default deny
  EXPECT_EQ(e.count({jinan, {"dpv:DirectMarketing", "internet", {}}}).get(), 0u);
}

TEST(ReferenceEngine, AnAudienceIteratesExactlyTheCountedSubscribersInBatches) {
  auto& e = engine();
  const CountQuery q{group(K::all, {equals("city", "qingdao"), group(K::negate, {equals("age_band", "65+")})}),
                     {"dpv:DirectMarketing", "content", {"sms", "push"}}};
  const auto counted = e.count(q).get();
  const auto handle = e.materialise(q).get();
  EXPECT_EQ(handle.size, counted);
  EXPECT_TRUE(handle.id.starts_with("aud_"));
  EXPECT_EQ(handle.id.size(), 4u + 32u);

  std::vector<std::uint64_t> expected;
  for (std::size_t row = 0; row < e.population().size(); ++row)
    if (scan_selects(q, e.population(), row)) expected.push_back(e.population().id(row));

  std::vector<std::uint64_t> seen;
  std::uint64_t cursor = 0;
  std::size_t batches = 0;
  for (;;) {
    const auto batch = e.members(handle.id, cursor, 997).get();
    EXPECT_LE(batch.subscribers.size(), 997u);
    seen.insert(seen.end(), batch.subscribers.begin(), batch.subscribers.end());
    ++batches;
    if (!batch.next) break;
    cursor = *batch.next;
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(batches, (counted + 996) / 997);

  e.drop(handle.id).get();
  EXPECT_THROW(e.members(handle.id, 0, 10).get(), AudienceNotFound);
  EXPECT_NO_THROW(e.drop(handle.id).get());  // dropping twice is no error
}

TEST(ReferenceEngine, TwoAudiencesGetDifferentUnguessableIds) {
  auto& e = engine();
  const CountQuery q{equals("city", "heze"), sms_marketing()};
  const auto a = e.materialise(q).get(), b = e.materialise(q).get();
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.size, b.size);
  e.drop(a.id).get();
  e.drop(b.id).get();
}

// What a trigger asks of a batch of events: for each subscriber, exactly the audiences a
// scan selects them for, across more audiences than one 64-bit word holds.
TEST(ReferenceEngine, MembershipsAreWhatAScanSelectsAcrossManyAudiences) {
  auto& e = engine();
  const auto vocabulary = e.vocabulary().get();
  RandomSegments random(vocabulary, 11);
  std::vector<CountQuery> queries;
  MembershipQuery q;
  for (int i = 0; i < 130; ++i) {
    queries.push_back({random.segment(), sms_marketing()});
    q.audiences.push_back(e.materialise(queries.back()).get().id);
  }
  std::mt19937_64 pick(3);
  for (int i = 0; i < 300; ++i) q.subscribers.push_back(e.population().id(pick() % e.population().size()));
  q.subscribers.push_back(1);  // nobody
  // The first ask builds the engine's membership index for the list, the second reads it;
  // both answer what the scan below selects.
  const auto m = e.memberships(q).get();
  EXPECT_EQ(e.memberships(q).get(), m);
  ASSERT_EQ(m.subscribers(), q.subscribers.size());
  ASSERT_EQ(m.audiences(), q.audiences.size());
  std::size_t members = 0;
  for (std::size_t s = 0; s + 1 < q.subscribers.size(); ++s) {
    const auto row = *e.population().row_of(q.subscribers[s]);
    std::vector<std::size_t> listed, scanned;
    m.for_each(s, [&](std::size_t a) { listed.push_back(a); });
    for (std::size_t a = 0; a < queries.size(); ++a)
      if (scan_selects(queries[a], e.population(), row)) scanned.push_back(a);
    EXPECT_EQ(listed, scanned) << "subscriber " << q.subscribers[s];
    members += listed.size();
  }
  EXPECT_GT(members, 0u);
  m.for_each(q.subscribers.size() - 1,
             [](std::size_t a) { ADD_FAILURE() << "an unknown subscriber in audience " << a; });

  // A short list is searched in the bitmaps instead: the same answer.
  const auto few = e.memberships({q.subscribers, {q.audiences.begin(), q.audiences.begin() + 3}}).get();
  for (std::size_t s = 0; s < q.subscribers.size(); ++s)
    for (std::size_t a = 0; a < 3; ++a) EXPECT_EQ(few.contains(s, a), m.contains(s, a));

  auto unknown = q;
  unknown.audiences.back() = "aud_00000000000000000000000000000000";
  EXPECT_THROW(e.memberships(unknown).get(), AudienceNotFound);
  MembershipQuery too_many{{q.subscribers.front()},
                           std::vector<std::string>(kMaxMembershipAudiences + 1, q.audiences.front())};
  EXPECT_THROW(e.memberships(too_many).get(), std::invalid_argument);
  for (const auto& id : q.audiences) e.drop(id).get();
}

// The first subscriber matching every condition, found by scanning the columns.
std::uint64_t subscriber_where(const Population& p, const std::vector<std::pair<Attr, std::string>>& conditions,
                               std::uint64_t holds = 0, std::uint64_t lacks = 0) {
  const auto& s = p.schema();
  for (std::size_t row = 0; row < p.size(); ++row) {
    const bool match = std::all_of(conditions.begin(), conditions.end(), [&](const auto& c) {
      return p.attribute(row, c.first) == s.code(c.first, c.second);
    });
    if (match && (p.products(row) & holds) == holds && !(p.products(row) & lacks)) return p.id(row);
  }
  ADD_FAILURE() << "no such subscriber in the synthetic population";
  return 0;
}

TEST(ReferenceEngine, EligibilityFollowsTheProductRules) {
  auto& e = engine();
  const auto& p = e.population();
  const auto bit = [&](const char* code) { return std::uint64_t{1} << *p.schema().product_index(code); };
  const auto active = std::pair{Attr::status, std::string("active")};

  const auto suspended = subscriber_where(p, {{Attr::status, "suspended"}});
  EXPECT_EQ(e.eligibility({suspended, "VOICE-300"}).get().reason, "the subscription is suspended");

  const auto prepaid = subscriber_where(p, {active, {Attr::plan_type, "prepaid"}}, 0, bit("FAMILY-SHARE"));
  const auto refused = e.eligibility({prepaid, "FAMILY-SHARE"}).get();
  EXPECT_FALSE(refused.eligible);
  EXPECT_EQ(refused.reason, "requires a postpaid plan");

  const auto postpaid = subscriber_where(p, {active, {Attr::plan_type, "postpaid"}}, 0, bit("FAMILY-SHARE"));
  EXPECT_TRUE(e.eligibility({postpaid, "FAMILY-SHARE"}).get().eligible);

  const auto holder = subscriber_where(p, {active, {Attr::device_type, "smartphone"}}, bit("5G-PLUS"));
  EXPECT_EQ(e.eligibility({holder, "5G-PLUS"}).get().reason, "already holds 5G-PLUS");

  const auto big_data =
      subscriber_where(p, {active, {Attr::device_type, "smartphone"}}, bit("DATA-50G"), bit("DATA-20G"));
  EXPECT_EQ(e.eligibility({big_data, "DATA-20G"}).get().reason, "already holds DATA-50G");

  const auto feature = subscriber_where(p, {active, {Attr::device_type, "feature_phone"}});
  EXPECT_EQ(e.eligibility({feature, "VIDEO-VIP"}).get().reason, "requires a smartphone or tablet");

  const auto on_4g = subscriber_where(p, {active, {Attr::device_type, "smartphone"}, {Attr::network, "4g"}});
  EXPECT_EQ(e.eligibility({on_4g, "GAME-BOOST"}).get().reason, "requires 5g");

  const auto newcomer = subscriber_where(p, {active, {Attr::tenure_band, "0-1"}});
  EXPECT_EQ(e.eligibility({newcomer, "BROADBAND-1000"}).get().reason, "requires at least 2 years as a customer");

  EXPECT_THROW(e.eligibility({postpaid, "NO-SUCH-PRODUCT"}).get(), std::invalid_argument);
  EXPECT_EQ(e.eligibility({1, "VOICE-300"}).get().reason, "no such subscriber");
}

TEST(ReferenceEngine, ProductsCarryTheirEligibilityInWords) {
  const auto products = engine().products().get();
  ASSERT_EQ(products.size(), 12u);
  const auto game =
      std::find_if(products.begin(), products.end(), [](const Product& p) { return p.code == "GAME-BOOST"; });
  ASSERT_NE(game, products.end());
  EXPECT_EQ(game->eligibility_summary, "Active subscribers on 5g using a smartphone, not already holding GAME-BOOST.");
}

TEST(ReferenceEngine, InlineAndPooledEnginesAnswerAlike) {
  auto inline_engine = make_synthetic_reference_engine({7, 70'000, 1}, {.workers = 0});
  auto pooled = make_synthetic_reference_engine({7, 70'000, 1}, {.workers = 1});
  const CountQuery q{equals("gender", "female"), sms_marketing()};
  auto ready = inline_engine->count(q);
  EXPECT_EQ(ready.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(ready.get(), pooled->count(q).get());
}

TEST(ReferenceEngine, AFullQueueAnswersEngineUnavailable) {
  auto e = make_synthetic_reference_engine({7, 70'000, 1}, {.workers = 1, .max_queued = 1});
  std::vector<std::future<std::uint64_t>> answers;
  const CountQuery q{group(K::any, {equals("gender", "female"), equals("city", "jinan")}), sms_marketing()};
  for (int i = 0; i < 50; ++i) answers.push_back(e->count(q));
  int unavailable = 0;
  for (auto& a : answers) {
    try {
      a.get();
    } catch (const EngineUnavailable&) {
      ++unavailable;
    }
  }
  EXPECT_GT(unavailable, 0);
}

}  // namespace
}  // namespace octopus::engine::reference
