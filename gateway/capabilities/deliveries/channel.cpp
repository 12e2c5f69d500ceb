#include "deliveries/channel.hpp"

#include <thread>

namespace octopus::deliveries {

void SinkChannel::pace(std::size_t messages) {
  if (rate_ <= 0 || messages == 0) return;
  // The messages go out at the channel's rate after whatever it accepted before.
  std::chrono::steady_clock::time_point done;
  {
    std::lock_guard lock(pace_mutex_);
    const auto start = std::max(free_at_, std::chrono::steady_clock::now());
    free_at_ = done = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(messages) / rate_));
  }
  std::this_thread::sleep_until(done);
}

void SinkChannel::send(const MessageBatch& batch) { send(std::span<const MessageBatch>(&batch, 1)); }

void SinkChannel::send(std::span<const MessageBatch> batches) {
  std::size_t messages = 0;
  for (const auto& b : batches) messages += b.subscribers.size();
  if (messages == 0) return;
  pace(messages);
  sink_.append(batches, sink_.now_ms());
}

}  // namespace octopus::deliveries
