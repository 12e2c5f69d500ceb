// Keeps attribution's touch index in step with the message sink: rebuilt at start from the
// lines it holds, then told of every batch it takes. The product a message offered is its
// offer's (read once per offer; an offer's product never changes).
#pragma once
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "deliveries/message_sink.hpp"
#include "offers/offer_repository.hpp"
#include "settlement/touch_index.hpp"

namespace octopus::settlement {

class TouchFeed {
 public:
  TouchFeed(TouchIndex& touches, offers::OfferRepository& offers) : touches_(touches), offers_(offers) {}

  // One line read back from the sink.
  void replayed(const deliveries::SinkRecord& record);
  // Batches the sink has just taken (MessageSink::observe).
  void appended(std::span<const deliveries::MessageBatch> batches, std::int64_t at_ms);

 private:
  std::string product_of(const std::string& offer_id);

  TouchIndex& touches_;
  offers::OfferRepository& offers_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> products_;  // offer id → product code (under mutex_)
};

}  // namespace octopus::settlement
