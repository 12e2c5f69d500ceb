// One compiled, immutable policy set. Built by compile_policies() from validated documents;
// shared as shared_ptr<const PolicySnapshot> so a request keeps the version it started with.
// Evaluators (consent_evaluator.hpp, quiet_hours.hpp, ...) only read it.
//
// Rule ids ("fatigue.caps.sms.per_day") are precomputed here so that a decision can name
// its rule as a string_view without allocating.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_types.hpp"
#include "policy/zone_offsets.hpp"

namespace octopus::policy {

// A set of purposes and channels something may be used for.
struct Allowance {
  std::uint32_t purposes = 0;  // bit PurposeId
  std::uint32_t channels = 0;  // bit Channel
  std::string purposes_rule;   // e.g. "consent.capabilities.triggers.purposes"
  std::string channels_rule;

  bool allows(PurposeId p) const { return (purposes >> p) & 1u; }
  bool allows(Channel c) const { return (channels >> static_cast<unsigned>(c)) & 1u; }
};

struct ConsentPolicy {
  std::vector<std::string> purposes;    // PurposeId → "dpv:DirectMarketing" (sorted)
  std::vector<std::string> categories;  // CategoryId → "internet" (sorted)
  std::uint32_t offered_channels = 0;   // bit Channel
  std::array<Allowance, kCapabilityCount> capabilities;
  std::vector<Allowance> category_allowances;  // by CategoryId
  std::string channels_rule = "consent.channels";
  std::string withdrawal_rule = "consent.withdrawal_overrides_grant";
  std::array<std::string, kCapabilityCount> granted_rules;  // "consent.capabilities.deliveries.granted"
  std::string default_rule = "consent.default";
};

struct Tier {
  std::string name;
  std::vector<std::string> targetable;  // sorted
  std::string rule;                     // "privacy.tiers.gold.targetable"
};

struct PrivacyPolicy {
  std::vector<std::string> attributes;        // the dictionary, sorted
  std::vector<std::string> never_targetable;  // sorted
  std::vector<Tier> tiers;                    // TierId → tier (sorted by name)
  std::uint64_t minimum_audience_size = 100;
  std::uint64_t rounding_multiple = 1;
  unsigned significant_figures = 0;  // 0: no limit
  unsigned max_nodes = 0;
  unsigned max_depth = 0;
  std::string never_targetable_rule = "privacy.never_targetable";
  std::string k_rule = "privacy.minimum_audience_size";
  std::string rounding_rule = "privacy.count_rounding";
  std::string max_nodes_rule = "privacy.segment_limits.max_nodes";
  std::string max_depth_rule = "privacy.segment_limits.max_depth";
  std::string segment_ok_rule = "privacy.segment_limits";
  // A count is withheld when it differs from one of the partner's recent counts by fewer
  // than k subscribers (but not zero): the difference would name a small group.
  std::int64_t differencing_window_seconds = 24 * 3600;
  unsigned differencing_remembered = 50;
  std::string differencing_rule = "privacy.differencing";
  // The release model (privacy.release): noise of ε per release, and the ε an account may
  // spend in a budget period (UTC day or month). Milli-units keep ε an exact fraction.
  enum class BudgetPeriod { day, month };
  std::uint64_t epsilon_milli = 250;
  std::uint64_t budget_milli = 25'000;
  BudgetPeriod budget_period = BudgetPeriod::day;
  std::string release_rule = "privacy.release.epsilon_per_release";
  std::string budget_rule = "privacy.release.budget";
};

struct FrequencyCap {
  std::uint32_t per_day = 0;
  std::uint32_t per_week = 0;
  std::string day_rule;   // "fatigue.caps.sms.per_day"
  std::string week_rule;  // "fatigue.caps.sms.per_week"
};

struct QuietWindow {
  std::uint16_t from_minute = 0;  // minutes after local midnight
  std::uint16_t to_minute = 0;    // from > to crosses midnight; from == to is the whole day
};

struct QuietHours {
  std::vector<QuietWindow> windows;
  bool never_sendable = false;
  std::string rule;                 // "fatigue.quiet_hours.sms"
  std::string never_sendable_rule;  // "fatigue.quiet_hours.sms.never_sendable"
};

struct Blackout {
  std::int64_t first_day = 0;  // local days since 1970-01-01
  std::int64_t last_day = 0;   // inclusive
  std::uint32_t channels = 0;  // bit Channel
  std::string rule;            // "fatigue.blackout_dates.gaokao-2026"
};

struct FatiguePolicy {
  ZoneOffsets zone;
  FrequencyCap overall;
  std::array<FrequencyCap, kChannelCount> channel_caps;
  std::array<QuietHours, kChannelCount> quiet_hours;
  std::vector<Blackout> blackouts;  // sorted by first_day
  std::string caps_ok_rule = "fatigue.caps";
};

struct ChannelContent {
  std::optional<std::string> required_footer;
  unsigned max_segments = 0;    // sms only
  unsigned max_characters = 0;  // push, outbound_call
  std::string footer_rule;      // "content.channels.sms.required_footer"
  std::string length_rule;      // "content.channels.sms.max_segments"
};

struct ContentPolicy {
  std::array<ChannelContent, kChannelCount> channels;
  std::vector<std::string> banned_phrases;
  std::vector<std::string> banned_comparable;  // each phrase in comparable_form (text_normaliser)
  std::vector<std::string> allowed_link_domains;
  bool include_subdomains = false;
  std::vector<bool> human_review;               // by CategoryId
  std::vector<std::string> human_review_rules;  // by CategoryId: "content.human_review.content"
  std::string banned_rule = "content.banned_phrases";
  std::string links_rule = "content.allowed_link_domains";
  std::string encoding_rule = "content.encoding";
  std::string characters_rule = "content.characters";  // control, format, bidi characters
};

struct RateLimit {
  double per_second = 0;
  std::uint64_t burst = 0;
  std::uint64_t per_day = 0;
  std::uint64_t per_month = 0;
  OutageBehaviour on_counter_outage = OutageBehaviour::class_default;
};

struct QuotaPlan {
  std::string name;
  std::string rule;                                     // "quotas.plans.starter"
  std::array<RateLimit, kCapabilityClassCount> limits;  // by CapabilityClass

  const RateLimit& limit(CapabilityClass c) const { return limits[static_cast<std::size_t>(c)]; }
};

struct QuotaPolicy {
  std::vector<QuotaPlan> plans;  // sorted by name
  std::size_t default_plan = 0;
  std::map<std::string, std::size_t, std::less<>> partner_plans;       // partner id → index in plans
  std::map<std::string, std::string, std::less<>> partner_plan_rules;  // partner id → "quotas.partner_plans.<id>"
  std::string default_plan_rule = "quotas.default_plan";
};

// When a message earns an order (settlement.yaml): how long before the order a touch counts,
// and how long after it a cancellation takes the commission back.
struct SettlementWindows {
  std::chrono::milliseconds attribution{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds reversal{std::chrono::hours(24 * 30)};
  std::string rule = "settlement.default";  // or "settlement.product_classes.<class>"
};

struct SettlementPolicy {
  SettlementWindows defaults;
  std::map<std::string, SettlementWindows, std::less<>> by_product;  // product code → its class's windows

  const SettlementWindows& windows_for(std::string_view product_code) const;
  // The longest attribution window of any product: how long touches must be kept.
  std::chrono::milliseconds longest_attribution() const;
};

// A partner's plan and the rule that assigned it (its partner_plans entry or default_plan).
struct PlanChoice {
  const QuotaPlan& plan;
  std::string_view rule;
};

// A number no other snapshot object in this process has had, copies included: per-thread
// caches keyed on it can never mistake a new snapshot (even one at a freed one's address,
// or an edited copy) for the one they saw, and checking it is one integer comparison.
class SnapshotSerial {
 public:
  SnapshotSerial() : value_(next()) {}
  SnapshotSerial(const SnapshotSerial&) : value_(next()) {}
  SnapshotSerial& operator=(const SnapshotSerial&) {
    value_ = next();
    return *this;
  }
  std::uint64_t value() const { return value_; }

 private:
  static std::uint64_t next();
  std::uint64_t value_;
};

struct PolicySnapshot {
  std::string version;  // first 16 hex digits of SHA-256 of the canonical JSON of all files
  SnapshotSerial serial;
  ConsentPolicy consent;
  PrivacyPolicy privacy;
  FatiguePolicy fatigue;
  ContentPolicy content;
  QuotaPolicy quotas;
  SettlementPolicy settlement;

  std::optional<PurposeId> purpose_id(std::string_view name) const;
  std::optional<CategoryId> category_id(std::string_view name) const;
  std::optional<TierId> tier_id(std::string_view name) const;
  const QuotaPlan& plan_for(std::string_view partner_id) const;
  PlanChoice plan_choice(std::string_view partner_id) const;
};

// Where a long-lived component reads the policies in force (the registry's current
// snapshot, or a fixed one in tests).
using SnapshotSource = std::function<std::shared_ptr<const PolicySnapshot>()>;

}  // namespace octopus::policy
