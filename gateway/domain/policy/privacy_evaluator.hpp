// Privacy rules of privacy.yaml applied to audience queries: which attributes a partner
// tier may target, how complex a segment may be, and what may be said about a count.
#pragma once
#include <cstdint>
#include <string_view>

#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

// Never-targetable first, then the tier's list; an attribute not listed is refused.
Decision check_attribute(const PolicySnapshot& snapshot, TierId tier, std::string_view attribute);

Decision check_segment_shape(const PolicySnapshot& snapshot, unsigned nodes, unsigned depth);

struct PublishedCount {
  bool suppressed = false;  // true: the partner may only learn "fewer than k"
  std::uint64_t value = 0;  // the rounded count; 0 when suppressed
  std::string_view rule;
  std::string_view version;
};

// Suppresses a count below k, otherwise rounds it (round_count).
PublishedCount publish_count(const PolicySnapshot& snapshot, std::uint64_t raw);

// Rounds half up to the nearest multiple, then to the significant figures (if limited).
std::uint64_t round_count(const PrivacyPolicy& privacy, std::uint64_t raw);

}  // namespace octopus::policy
