#include "deliveries/contact_ledger.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <limits>
#include <utility>

namespace octopus::deliveries {

struct ContactLedger::Shard {
  mutable std::mutex mutex;
  std::vector<Entry> slots = std::vector<Entry>(1024);
  std::size_t used = 0;
  // The table's address and mask, readable without the lock, for prefetch() only: a stale
  // pair (the table grew meanwhile) prefetches a wrong line, which costs nothing but time.
  std::atomic<const Entry*> hint_data{slots.data()};
  std::atomic<std::size_t> hint_mask{slots.size() - 1};

  static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  Entry* find(std::uint64_t subscriber) { return const_cast<Entry*>(std::as_const(*this).find(subscriber)); }
  const Entry* find(std::uint64_t subscriber) const {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = mix(subscriber) >> 6 & mask;; i = (i + 1) & mask) {
      if (slots[i].subscriber == subscriber) return &slots[i];
      if (slots[i].subscriber == 0) return nullptr;
    }
  }
  Entry& find_or_add(std::uint64_t subscriber) {
    if ((used + 1) * 10 > slots.size() * 7) grow();
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = mix(subscriber) >> 6 & mask;; i = (i + 1) & mask) {
      if (slots[i].subscriber == subscriber) return slots[i];
      if (slots[i].subscriber == 0) {
        ++used;
        slots[i].subscriber = subscriber;
        return slots[i];
      }
    }
  }
  // Four times larger: a million first contacts rehash a third as often as doubling would.
  void grow() { grow_to(slots.size() * 4); }
  void grow_to(std::size_t size) {  // a power of two
    std::vector<Entry> old(size);
    old.swap(slots);
    const std::size_t mask = slots.size() - 1;
    for (const auto& e : old) {
      if (e.subscriber == 0) continue;
      std::size_t i = mix(e.subscriber) >> 6 & mask;
      while (slots[i].subscriber != 0) i = (i + 1) & mask;
      slots[i] = e;
    }
    hint_data.store(slots.data(), std::memory_order_relaxed);
    hint_mask.store(slots.size() - 1, std::memory_order_relaxed);
  }
};

namespace {
std::uint8_t inc(std::uint8_t v) { return v == std::numeric_limits<std::uint8_t>::max() ? v : v + 1; }
std::uint8_t dec(std::uint8_t v) { return v == 0 ? 0 : v - 1; }
}  // namespace

// Brings an entry's counts to the current day and week: older periods no longer count.
// Never back: a batch decided under an earlier day (it began before midnight) counts against
// the entry's later day, which costs a subscriber a message at most, and never erases it.
void ContactLedger::Entry::roll(const policy::CountingPeriods& p) {
  if (p.day > day) {
    day = static_cast<std::int32_t>(p.day);
    overall_day = 0;
    channel_day.fill(0);
  }
  if (p.week > week) {
    week = static_cast<std::int32_t>(p.week);
    overall_week = 0;
    channel_week.fill(0);
  }
}

ContactLedger::ContactLedger() : shards_(std::make_unique<Shard[]>(kShards)) {}
ContactLedger::~ContactLedger() = default;

ContactLedger::Shard& ContactLedger::shard_of(std::uint64_t subscriber) const {
  return shards_[Shard::mix(subscriber) & (kShards - 1)];
}

policy::Decision ContactLedger::reserve(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                        std::uint64_t subscriber, policy::Channel channel) {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  auto& e = shard.find_or_add(subscriber);
  e.roll(periods);
  const auto c = static_cast<std::size_t>(channel);
  const policy::ContactCounts counts{e.overall_day, e.overall_week, e.channel_day[c], e.channel_week[c]};
  auto decision = policy::check_frequency_caps(snapshot, channel, counts);
  if (decision.allowed) {
    e.overall_day = inc(e.overall_day);
    e.overall_week = inc(e.overall_week);
    e.channel_day[c] = inc(e.channel_day[c]);
    e.channel_week[c] = inc(e.channel_week[c]);
  }
  return decision;
}

void ContactLedger::reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                  policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) {
  constexpr std::size_t kAhead = 8;  // about a memory latency's worth of asks
  granted.assign(asks.size(), false);
  for (std::size_t i = 0; i < std::min(kAhead, asks.size()); ++i) prefetch(asks[i].subscriber);
  for (std::size_t i = 0; i < asks.size(); ++i) {
    if (i + kAhead < asks.size()) prefetch(asks[i + kAhead].subscriber);
    const auto& a = asks[i];
    granted[i] = a.keep
                     ? reserve(snapshot, periods, a.subscriber, channel).allowed
                     : policy::check_frequency_caps(snapshot, channel, counts(periods, a.subscriber, channel)).allowed;
  }
}

void ContactLedger::release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                                  std::span<const std::uint64_t> subscribers) {
  for (const auto s : subscribers) release(periods, s, channel);
}

void ContactLedger::release(const policy::CountingPeriods& periods, std::uint64_t subscriber, policy::Channel channel) {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  auto* found = shard.find(subscriber);
  if (!found || found->day != periods.day || found->week != periods.week)
    return;  // nothing of this period to give back
  auto& e = *found;
  const auto c = static_cast<std::size_t>(channel);
  e.overall_day = dec(e.overall_day);
  e.overall_week = dec(e.overall_week);
  e.channel_day[c] = dec(e.channel_day[c]);
  e.channel_week[c] = dec(e.channel_week[c]);
}

void ContactLedger::record(const policy::CountingPeriods& periods, std::uint64_t subscriber, policy::Channel channel) {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  auto& e = shard.find_or_add(subscriber);
  e.roll(periods);
  const auto c = static_cast<std::size_t>(channel);
  e.overall_day = inc(e.overall_day);
  e.overall_week = inc(e.overall_week);
  e.channel_day[c] = inc(e.channel_day[c]);
  e.channel_week[c] = inc(e.channel_week[c]);
}

// As of the periods, or of the entry's later day (never back, as roll()).
ContactTally ContactLedger::tally(const policy::CountingPeriods& periods, std::uint64_t subscriber) const {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  const auto* e = shard.find(subscriber);
  ContactTally out;
  if (!e || e->week < periods.week) return out;
  out.overall_week = e->overall_week;
  out.channel_week = e->channel_week;
  if (e->day >= periods.day) {
    out.overall_day = e->overall_day;
    out.channel_day = e->channel_day;
  }
  return out;
}

policy::ContactCounts ContactLedger::counts(const policy::CountingPeriods& periods, std::uint64_t subscriber,
                                            policy::Channel channel) const {
  return tally(periods, subscriber).of(channel);
}

bool ContactLedger::stored(std::uint64_t subscriber, std::int64_t& day, std::int64_t& week, ContactTally& tally) const {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  const auto* e = shard.find(subscriber);
  if (!e) return false;
  day = e->day;
  week = e->week;
  tally = {e->overall_day, e->overall_week, e->channel_day, e->channel_week};
  return true;
}

void ContactLedger::set(std::int64_t day, std::int64_t week, std::uint64_t subscriber, const ContactTally& tally) {
  auto& shard = shard_of(subscriber);
  std::lock_guard lock(shard.mutex);
  auto& e = shard.find_or_add(subscriber);
  e.day = static_cast<std::int32_t>(day);
  e.week = static_cast<std::int32_t>(week);
  e.overall_day = tally.overall_day;
  e.overall_week = tally.overall_week;
  e.channel_day = tally.channel_day;
  e.channel_week = tally.channel_week;
}

void ContactLedger::clear() {
  for (std::size_t i = 0; i < kShards; ++i) {
    auto& s = shards_[i];
    std::lock_guard lock(s.mutex);
    std::fill(s.slots.begin(), s.slots.end(), Entry{});
    s.used = 0;
  }
}

void ContactLedger::prefetch(std::uint64_t subscriber) const {
  const auto& shard = shard_of(subscriber);
  const auto* data = shard.hint_data.load(std::memory_order_relaxed);
  const auto mask = shard.hint_mask.load(std::memory_order_relaxed);
  __builtin_prefetch(data + (Shard::mix(subscriber) >> 6 & mask), 1);
}

void ContactLedger::make_room(std::size_t more) {
  // Subscribers spread evenly over the shards by their hash; a tenth more for the unevenness.
  const auto per_shard = more / kShards + more / kShards / 10 + 1;
  for (std::size_t i = 0; i < kShards; ++i) {
    auto& s = shards_[i];
    std::lock_guard lock(s.mutex);
    // The smallest power of two that holds them within the load limit (growing by four
    // would overshoot up to twice).
    const auto size = std::bit_ceil((s.used + per_shard) * 10 / 7 + 1);
    if (size > s.slots.size()) s.grow_to(size);
  }
}

std::size_t ContactLedger::subscribers() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    n += shards_[i].used;
  }
  return n;
}

}  // namespace octopus::deliveries
