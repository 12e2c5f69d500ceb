// The per-subscriber checks every message passes at send time, in the order:
// consent for the purpose, channel and partner category (the engine's record with the
// gateway's own changes, such as a TD opt-out, laid over it); the frequency caps across all
// partners (a slot reserved atomically, for the whole batch in one ledger call); product
// eligibility now (an ineligible subscriber's caps are checked, not counted, so the outcome
// names the first check that failed). Quiet hours depend on the clock and the channel only,
// so the runner checks them once per batch before any subscriber of it is decided.
#pragma once
#include <cstdint>
#include <span>
#include <vector>
#include <string_view>

#include "deliveries/consent_overlay.hpp"
#include "deliveries/frequency_ledger.hpp"
#include "engine/engine.hpp"
#include "policy/consent_evaluator.hpp"
#include "policy/frequency_caps.hpp"

namespace octopus::deliveries {

enum class Outcome : std::uint8_t { send, no_consent, capped, ineligible };

// What is the same for every subscriber of one batch.
struct DecisionContext {
  const policy::PolicySnapshot* policy = nullptr;
  policy::ConsentRequest consent;  // capability, channel and the snapshot's purpose and category ids
  std::string_view purpose, channel, partner_category;  // the same, by name (the overlay's keys)
  policy::CountingPeriods periods;
};

// nullopt when the policy does not know the purpose or category (nobody can be reached).
std::optional<DecisionContext> decision_context(const policy::PolicySnapshot& policy, policy::Capability capability,
                                                policy::Channel channel, std::string_view purpose,
                                                std::string_view partner_category, std::int64_t now_s);

// What deliveries and triggers call: `out` gets one outcome per subscriber, in order. Throws
// CapsUnavailable (nothing reserved, nothing may be sent) when the ledger cannot be asked.
void decide_batch(const DecisionContext& context, std::span<const std::uint64_t> subscribers,
                  std::span<const engine::SubscriberFacts> facts, const ConsentOverlay& overlay,
                  FrequencyLedger& ledger, std::vector<Outcome>& out);

}  // namespace octopus::deliveries
