#include "deliveries/channel.hpp"

#include <thread>

namespace octopus::deliveries {

void SinkChannel::send(const MessageBatch& batch) {
  if (batch.subscribers.empty()) return;
  if (rate_ > 0) {
    // The batch goes out at the channel's rate after whatever it accepted before.
    std::chrono::steady_clock::time_point done;
    {
      std::lock_guard lock(pace_mutex_);
      const auto start = std::max(free_at_, std::chrono::steady_clock::now());
      free_at_ = done = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(static_cast<double>(batch.subscribers.size()) / rate_));
    }
    std::this_thread::sleep_until(done);
  }
  sink_.append(batch, batch.at_ms ? batch.at_ms
                                   : std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
}

}  // namespace octopus::deliveries
