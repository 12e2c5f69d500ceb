// Where the frequency caps of fatigue.yaml are counted: how many messages each subscriber
// has been sent today and this week, per channel and in all, from every partner together.
// ContactLedger counts in this process (one instance); RedisContactLedger counts in Redis,
// shared by every instance, so a subscriber capped at 3 a day gets 3 in all, not 3 per
// instance.
//
// A batch is asked at once (one round trip to a shared ledger per batch, not per
// subscriber). Each slot is checked and counted in one step, so two deliveries racing for a
// subscriber's last slot, on one instance or two, cannot both take it.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "policy/frequency_caps.hpp"

namespace octopus::deliveries {

// The ledger could not be asked (Redis unreachable): nothing is decided, so nothing is sent.
// Deliveries wait and try the batch again; triggers handle the events again.
class CapsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One subscriber's messages in a day and a week, in all and per channel (saturating at
// 255, far above any cap): what a ledger keeps per subscriber.
struct ContactTally {
  std::uint8_t overall_day = 0, overall_week = 0;
  std::array<std::uint8_t, policy::kChannelCount> channel_day{}, channel_week{};
  bool operator==(const ContactTally&) const = default;
  // What the caps are checked against for a message on `channel`.
  policy::ContactCounts of(policy::Channel channel) const {
    const auto c = static_cast<std::size_t>(channel);
    return {.overall_today = overall_day,
            .overall_this_week = overall_week,
            .channel_today = channel_day[c],
            .channel_this_week = channel_week[c]};
  }
};

class FrequencyLedger {
 public:
  struct Ask {
    std::uint64_t subscriber = 0;
    bool keep = true;  // false: only whether the caps would allow one more (nothing is counted)
  };

  virtual ~FrequencyLedger() = default;

  // granted[i]: whether one more message to asks[i] is within the caps of `snapshot` in the
  // day and week `periods` name; the slot is taken when granted and kept. Asks are answered
  // in order, so a subscriber asked twice sees the first slot taken. Throws CapsUnavailable.
  virtual void reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                             policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) = 0;
  // Gives back slots whose messages were not sent (same periods and channel as reserved).
  virtual void release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                             std::span<const std::uint64_t> subscribers) = 0;
  // A delivery to `more` subscribers starts: a ledger in memory makes room for them at once.
  virtual void make_room(std::size_t more) { (void)more; }
};

// release_batch() for messages that were not sent. When the ledger cannot be reached the
// slots stay counted (logged): the error costs the subscriber a message, never adds one.
void give_back(FrequencyLedger& ledger, const policy::CountingPeriods& periods, policy::Channel channel,
               std::span<const std::uint64_t> subscribers) noexcept;

}  // namespace octopus::deliveries
