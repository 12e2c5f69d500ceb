// Attribution's memory: which partner's messages reached which subscriber, for which product,
// and when — the messages the sink holds for the attribution window. An order is attributed
// to the partner whose message for the ordered product reached the subscriber last before the
// order, within the window: the last touch wins, whoever sent an older one.
//
// In memory, rebuilt at start from the message sink (what was actually sent) and fed by the
// channels as they send; partner, offer and source names are interned, so a touch costs
// about 24 bytes.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace octopus::settlement {

struct Touch {
  std::int64_t at_ms = 0;
  std::string partner_id;
  std::string offer_id;
  std::string source_id;  // the delivery or trigger that sent it
};

class TouchIndex {
 public:
  // One message that reached `subscriber`, offering `product_code`.
  void record(std::uint64_t subscriber, const std::string& product_code, const Touch& touch);
  // The same message to many subscribers (one delivery batch): one lock, names interned once.
  void record(std::span<const std::uint64_t> subscribers, const std::string& product_code, const Touch& touch);
  // The latest touch for the product in [order_ms - window_ms, order_ms], if any.
  std::optional<Touch> last_touch(std::uint64_t subscriber, const std::string& product_code, std::int64_t order_ms,
                                  std::int64_t window_ms) const;
  // Forgets touches older than `before_ms` (nothing before it can be attributed any more).
  void forget_before(std::int64_t before_ms);
  std::size_t touches() const;

 private:
  struct Entry {
    std::int64_t at_ms;
    std::uint32_t product, partner, offer, source;  // interned names
  };
  std::uint32_t intern(const std::string& name);          // under mutex_
  void insert(std::uint64_t subscriber, const Entry& e);  // under mutex_

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::vector<Entry>> by_subscriber_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> names_;
};

}  // namespace octopus::settlement
