// Small vocabulary shared by the policy snapshot and its evaluators.
#pragma once
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "vocabulary/partner_access.hpp"

namespace octopus::policy {

enum class Channel : std::uint8_t { sms, push, outbound_call };
inline constexpr std::size_t kChannelCount = 3;
inline constexpr std::array<Channel, kChannelCount> kChannels{Channel::sms, Channel::push, Channel::outbound_call};

enum class Capability : std::uint8_t { audiences, deliveries, triggers };
inline constexpr std::size_t kCapabilityCount = 3;

// Rate and quota classes of quotas.yaml: shared with the routes that declare them.
using vocabulary::CapabilityClass;
using vocabulary::kCapabilityClassCount;
using vocabulary::parse_capability_class;
using vocabulary::to_string;

// quotas.yaml on_counter_outage: what a limit does when its counters cannot answer.
enum class OutageBehaviour : std::uint8_t { class_default, admit, refuse };

std::string_view to_string(Channel c);
std::string_view to_string(Capability c);
std::optional<Channel> parse_channel(std::string_view name);
std::optional<Capability> parse_capability(std::string_view name);

// Indices into the snapshot's purpose, partner category and tier tables; look them up
// once per request (PolicySnapshot::purpose_id, ...), not per subscriber.
using PurposeId = std::uint8_t;
using CategoryId = std::uint8_t;
using TierId = std::uint8_t;
inline constexpr std::size_t kMaxPurposes = 8;    // consent.schema.json: purposes maxProperties
inline constexpr std::size_t kMaxCategories = 8;  // consent.schema.json: partner_categories maxProperties

// One bit per consent scope (purpose × channel × partner category); see consent_scope().
using ConsentBits = std::bitset<kMaxPurposes * kChannelCount * kMaxCategories>;

constexpr std::size_t consent_scope(PurposeId purpose, Channel channel, CategoryId category) {
  return (static_cast<std::size_t>(purpose) * kChannelCount + static_cast<std::size_t>(channel)) * kMaxCategories +
         category;
}

// What a subscriber has said, laid out by consent_scope() with the ids of the snapshot that
// evaluates it (ids follow the sorted names in consent.yaml, so build it per snapshot).
struct SubscriberConsent {
  ConsentBits granted;
  ConsentBits withdrawn;
};

// The outcome of one policy question: which rule decided, under which policy version.
// The views point into the snapshot, which the caller keeps alive while it uses them.
struct Decision {
  bool allowed = false;
  std::string_view rule;     // e.g. "fatigue.caps.sms.per_day"
  std::string_view version;  // PolicySnapshot::version
};

}  // namespace octopus::policy
