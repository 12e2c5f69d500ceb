// Consent decisions (default deny, withdrawal beats grant, purpose/channel/category scope),
// privacy decisions (attributes per tier, k suppression, rounding) and quota plan lookup.
#include <gtest/gtest.h>

#include "policy/consent_evaluator.hpp"
#include "policy/privacy_evaluator.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::describe;
using testing::PolicyCopy;
using testing::shipped_snapshot;

class Consent : public ::testing::Test {
 protected:
  std::shared_ptr<const PolicySnapshot> s = shipped_snapshot();
  PurposeId marketing = *s->purpose_id("dpv:DirectMarketing");
  PurposeId personalisation = *s->purpose_id("dpv:Personalisation");
  CategoryId content = *s->category_id("content");
  CategoryId internet = *s->category_id("internet");
  CategoryId agent = *s->category_id("agent");

  ConsentRequest sms_offer(CategoryId category) const {
    return {Capability::deliveries, Channel::sms, marketing, category};
  }
};

TEST_F(Consent, DefaultIsDeny) {
  const auto d = evaluate_consent(*s, sms_offer(content), {});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "consent.default");
  EXPECT_EQ(d.version, s->version);
}

TEST_F(Consent, GrantAllows) {
  SubscriberConsent subscriber;
  subscriber.granted.set(consent_scope(marketing, Channel::sms, content));
  const auto d = evaluate_consent(*s, sms_offer(content), subscriber);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule, "consent.capabilities.deliveries.granted");
}

TEST_F(Consent, WithdrawalBeatsGrant) {
  SubscriberConsent subscriber;
  subscriber.granted.set(consent_scope(marketing, Channel::sms, content));
  subscriber.withdrawn.set(consent_scope(marketing, Channel::sms, content));
  const auto d = evaluate_consent(*s, sms_offer(content), subscriber);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "consent.withdrawal_overrides_grant");
}

TEST_F(Consent, GrantIsSpecificToPurposeChannelAndCategory) {
  SubscriberConsent subscriber;
  subscriber.granted.set(consent_scope(marketing, Channel::sms, content));
  EXPECT_EQ(evaluate_consent(*s, sms_offer(internet), subscriber).rule, "consent.default");
  EXPECT_EQ(evaluate_consent(*s, {Capability::deliveries, Channel::push, marketing, content}, subscriber).rule,
            "consent.default");
  EXPECT_EQ(evaluate_consent(*s, {Capability::audiences, Channel::sms, personalisation, content}, subscriber).rule,
            "consent.default");
}

TEST_F(Consent, CapabilityAndCategoryLimitsComeBeforeTheSubscriber) {
  SubscriberConsent everything;
  everything.granted.set();
  EXPECT_EQ(evaluate_consent(*s, {Capability::deliveries, Channel::sms, personalisation, content}, everything).rule,
            "consent.capabilities.deliveries.purposes");
  EXPECT_EQ(
      evaluate_consent(*s, {Capability::triggers, Channel::outbound_call, personalisation, internet}, everything).rule,
      "consent.capabilities.triggers.channels");
  EXPECT_EQ(evaluate_consent(*s, {Capability::deliveries, Channel::push, marketing, agent}, everything).rule,
            "consent.partner_categories.agent.channels");
  EXPECT_TRUE(
      evaluate_consent(*s, {Capability::deliveries, Channel::outbound_call, marketing, agent}, everything).allowed);
}

TEST(ConsentChannels, ChannelNotOfferedIsDenied) {
  PolicyCopy copy;
  // Stop offering calls altogether.
  copy.replace("consent.yaml", "  - outbound_call\n", "");
  copy.replace("consent.yaml",
               "  audiences:\n    purposes: [dpv:DirectMarketing, dpv:Personalisation]\n    channels: [sms, push, "
               "outbound_call]",
               "  audiences:\n    purposes: [dpv:DirectMarketing, dpv:Personalisation]\n    channels: [sms, push]");
  copy.replace("consent.yaml", "    purposes: [dpv:DirectMarketing]\n    channels: [sms, push, outbound_call]",
               "    purposes: [dpv:DirectMarketing]\n    channels: [sms, push]");
  copy.replace("consent.yaml", "    channels: [sms, outbound_call]", "    channels: [sms]");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  const auto& s = *result.snapshot;
  SubscriberConsent everything;
  everything.granted.set();
  const auto d = evaluate_consent(
      s,
      {Capability::deliveries, Channel::outbound_call, *s.purpose_id("dpv:DirectMarketing"), *s.category_id("agent")},
      everything);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "consent.channels");
}

// ------------------------------------------------------------------------------------------

TEST(Privacy, AttributesPerTier) {
  const auto s = shipped_snapshot();
  const auto bronze = *s->tier_id("bronze");
  const auto gold = *s->tier_id("gold");
  EXPECT_TRUE(check_attribute(*s, bronze, "city").allowed);
  const auto arpu = check_attribute(*s, bronze, "arpu_band");
  EXPECT_FALSE(arpu.allowed);
  EXPECT_EQ(arpu.rule, "privacy.tiers.bronze.targetable");
  EXPECT_TRUE(check_attribute(*s, gold, "arpu_band").allowed);
  const auto religion = check_attribute(*s, gold, "religion");
  EXPECT_FALSE(religion.allowed);
  EXPECT_EQ(religion.rule, "privacy.never_targetable");
  EXPECT_EQ(check_attribute(*s, gold, "precise_location").rule, "privacy.never_targetable");
  EXPECT_FALSE(check_attribute(*s, gold, "shoe_size").allowed);
}

TEST(Privacy, CountsBelowKAreSuppressed) {
  const auto s = shipped_snapshot();  // k = 100
  const auto small = publish_count(*s, 99);
  EXPECT_TRUE(small.suppressed);
  EXPECT_EQ(small.value, 0u);
  EXPECT_EQ(small.rule, "privacy.minimum_audience_size");
  EXPECT_TRUE(publish_count(*s, 0).suppressed);
  const auto at_k = publish_count(*s, 100);
  EXPECT_FALSE(at_k.suppressed);
  EXPECT_EQ(at_k.value, 100u);
  EXPECT_EQ(at_k.rule, "privacy.count_rounding");
}

TEST(Privacy, CountsAreRoundedToMultipleThenSignificantFigures) {
  const auto s = shipped_snapshot();  // nearest 100, then 2 significant figures
  EXPECT_EQ(publish_count(*s, 149).value, 100u);
  EXPECT_EQ(publish_count(*s, 150).value, 200u);
  EXPECT_EQ(publish_count(*s, 12'345).value, 12'000u);
  EXPECT_EQ(publish_count(*s, 12'551).value, 13'000u);
  EXPECT_EQ(publish_count(*s, 995).value, 1'000u);
  EXPECT_EQ(publish_count(*s, 3'456'789).value, 3'500'000u);
  PrivacyPolicy exact = s->privacy;
  exact.rounding_multiple = 1;
  exact.significant_figures = 0;
  EXPECT_EQ(round_count(exact, 12'345), 12'345u);
}

TEST(Privacy, SegmentShapeLimits) {
  const auto s = shipped_snapshot();  // 32 nodes, depth 4
  EXPECT_TRUE(check_segment_shape(*s, 32, 4).allowed);
  EXPECT_EQ(check_segment_shape(*s, 33, 2).rule, "privacy.segment_limits.max_nodes");
  EXPECT_EQ(check_segment_shape(*s, 10, 5).rule, "privacy.segment_limits.max_depth");
}

TEST(Quotas, PartnersReferToPlansByName) {
  PolicyCopy copy;
  copy.replace("quotas.yaml", "partner_plans: {}", "partner_plans:\n  jd-retail: premium");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  const auto& s = *result.snapshot;
  EXPECT_EQ(s.plan_for("jd-retail").name, "premium");
  EXPECT_EQ(s.plan_for("jd-retail").limit(CapabilityClass::deliveries).per_second, 500.0);
  EXPECT_EQ(s.plan_for("someone-else").name, "starter");
  EXPECT_EQ(s.plan_for("someone-else").limit(CapabilityClass::audience_queries).per_day, 500u);
}

}  // namespace
}  // namespace octopus::policy
