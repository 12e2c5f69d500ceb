#include "deliveries/frequency_ledger.hpp"

#include "observability/log.hpp"

namespace octopus::deliveries {

void give_back(FrequencyLedger& ledger, const policy::CountingPeriods& periods, policy::Channel channel,
               std::span<const std::uint64_t> subscribers) noexcept {
  if (subscribers.empty()) return;
  try {
    ledger.release_batch(periods, channel, subscribers);
  } catch (const std::exception& e) {
    observability::log_warn("caps_not_given_back", {{"slots", subscribers.size()}, {"what", e.what()}});
  }
}

}  // namespace octopus::deliveries
