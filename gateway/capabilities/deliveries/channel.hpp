// How a decided message leaves the gateway: one Channel per kind (sms, push,
// outbound_call). The operator's SMS centre, push service and call platform sit behind
// this interface; the reference channels (SinkChannel) write to the durable MessageSink
// at a configured send rate, so a pilot sees exactly what would have been sent, and when.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>

#include "deliveries/message_sink.hpp"

namespace octopus::deliveries {

class Channel {
 public:
  virtual ~Channel() = default;
  virtual policy::Channel kind() const = 0;
  // Sends every message of the batch, or throws (then none counts as sent). Returns when the
  // channel has accepted them; may pace itself to its send rate.
  virtual void send(const MessageBatch& batch) = 0;
  // Several batches at once (a trigger pass); all or none, as send().
  virtual void send(std::span<const MessageBatch> batches) {
    for (const auto& b : batches) send(b);
  }
  // Messages per second this channel accepts (0: no limit); the runner sizes batches by it
  // so that a batch never takes long (an opt-out must reach the next batch within 1 s).
  virtual double rate_per_second() const = 0;
};

class SinkChannel final : public Channel {
 public:
  // `rate_per_second` 0: as fast as the sink writes.
  SinkChannel(MessageSink& sink, policy::Channel kind, double rate_per_second)
      : sink_(sink), kind_(kind), rate_(rate_per_second) {}
  policy::Channel kind() const override { return kind_; }
  void send(const MessageBatch& batch) override;
  void send(std::span<const MessageBatch> batches) override;
  double rate_per_second() const override { return rate_; }

 private:
  void pace(std::size_t messages);  // waits until the channel's rate lets them out
  MessageSink& sink_;
  policy::Channel kind_;
  double rate_;
  std::mutex pace_mutex_;
  std::chrono::steady_clock::time_point free_at_{};  // when the channel has sent all it accepted
};

}  // namespace octopus::deliveries
