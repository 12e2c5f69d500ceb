// The frequency ledger of one instance (FrequencyLedger): in memory, rebuilt at start from
// the message sink (what was actually sent). A slot is checked and counted in one step under
// the subscriber's shard lock. A table of 24-byte entries with open addressing, split into
// shards so that runners on different threads rarely meet on a lock.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "deliveries/frequency_ledger.hpp"
#include "policy/frequency_caps.hpp"

namespace octopus::deliveries {

class ContactLedger final : public FrequencyLedger {
 public:
  ContactLedger();
  ~ContactLedger() override;

  void reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                     policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) override;
  void release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                     std::span<const std::uint64_t> subscribers) override;

  // Counts one more message if the caps of `snapshot` allow it; `periods` says which day and
  // week `now` is in (policy::counting_periods, computed once per batch).
  policy::Decision reserve(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                           std::uint64_t subscriber, policy::Channel channel);
  // Gives back a reservation whose message was not sent.
  void release(const policy::CountingPeriods& periods, std::uint64_t subscriber, policy::Channel channel);
  // Counts a message already sent (the rebuild from the sink): no cap is checked. `periods`
  // are those of the message's time; replay messages in the order they were sent.
  void record(const policy::CountingPeriods& periods, std::uint64_t subscriber, policy::Channel channel);
  policy::ContactCounts counts(const policy::CountingPeriods& periods, std::uint64_t subscriber,
                               policy::Channel channel) const;
  // Everything counted for the subscriber as of the periods (zeros for a day or week before
  // them; a later day's or week's counts when the subscriber was counted later).
  ContactTally tally(const policy::CountingPeriods& periods, std::uint64_t subscriber) const;
  // The subscriber's entry as kept (the day and week its counts are for), if any; and its
  // replacement: a ledger seeded from another's counts.
  bool stored(std::uint64_t subscriber, std::int64_t& day, std::int64_t& week, ContactTally& tally) const;
  void set(std::int64_t day, std::int64_t week, std::uint64_t subscriber, const ContactTally& tally);
  // Forgets every subscriber (the table keeps its size).
  void clear();
  std::size_t subscribers() const;
  // Makes room for `more` subscribers not yet in the ledger (a delivery to that many), so
  // its first contacts are not slowed by the table growing under them.
  void make_room(std::size_t more) override;
  // Starts loading the subscriber's slot into the cache: a batch decides faster when it asks
  // for the slots a few subscribers ahead (the table is far larger than the cache).
  void prefetch(std::uint64_t subscriber) const;

 private:
  struct Entry {
    std::uint64_t subscriber = 0;  // 0: an empty slot (no subscriber id is 0)
    std::int32_t day = 0, week = 0;
    std::uint8_t overall_day = 0, overall_week = 0;  // saturate at 255, far above any cap
    std::array<std::uint8_t, policy::kChannelCount> channel_day{}, channel_week{};
    void roll(const policy::CountingPeriods& p);
  };
  struct Shard;
  static constexpr std::size_t kShards = 64;
  Shard& shard_of(std::uint64_t subscriber) const;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace octopus::deliveries
