#include "events/stream_follower.hpp"

#include <algorithm>

#include "observability/log.hpp"

namespace octopus::events {

template <typename Record>
StreamFollower<Record>::StreamFollower(Read read, StreamCursorRepository& cursors, std::vector<Listener> listeners,
                                       StreamFollowerOptions options)
    : read_(std::move(read)), cursors_(cursors), listeners_(std::move(listeners)), options_(std::move(options)) {
  position_ = saved_ = cursors_.stream_cursor(options_.cursor_name);
}

template <typename Record>
void StreamFollower<Record>::save() {
  std::lock_guard lock(save_mutex_);
  // The position first: everything the listeners did for events up to it was done before
  // before_save() makes it durable.
  const auto position = position_.load();
  saved_at_ = std::chrono::steady_clock::now();
  if (position == saved_) return;
  if (options_.before_save) options_.before_save();
  cursors_.set_stream_cursor(options_.cursor_name, position);
  saved_ = position;
}

template <typename Record>
StreamFollower<Record>::~StreamFollower() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (saver_) saver_->stop();
  try {
    save();
  } catch (const std::exception& e) {
    observability::log_warn("events_position_not_saved", {{"stream", options_.cursor_name}, {"what", e.what()}});
  }
}

template <typename Record>
std::size_t StreamFollower<Record>::poll_once(std::chrono::milliseconds wait) {
  auto batch = engine::await(read_(position_.load(), options_.batch, wait), options_.engine_timeout + wait);
  if (batch.skipped > 0)
    observability::log_warn("events_skipped", {{"stream", options_.cursor_name}, {"skipped", batch.skipped}});
  // Listeners hear empty batches too: it is their chance to do periodic work.
  for (const auto& listen : listeners_) listen(batch.records);
  position_ = batch.next;
  if (!saver_) {
    bool due;
    {
      std::lock_guard lock(save_mutex_);
      due = std::chrono::steady_clock::now() - saved_at_ >= options_.save_every;
    }
    if (due) save();
  }
  return batch.records.size();
}

template <typename Record>
void StreamFollower<Record>::start() {
  saver_.emplace(
      std::max(options_.save_every, std::chrono::milliseconds(1)), [this] { save(); },
      [this](const std::exception& e) {
        observability::log_warn("events_position_not_saved", {{"stream", options_.cursor_name}, {"what", e.what()}});
      });
  thread_ = std::thread([this] {
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      try {
        poll_once(options_.wait);
        backoff = std::chrono::milliseconds(100);
        continue;
      } catch (const std::exception& e) {
        observability::log_warn("events_follow_failed", {{"stream", options_.cursor_name}, {"what", e.what()}});
      }
      std::unique_lock lock(mutex_);
      stop_cv_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  });
}

template class StreamFollower<engine::SubscriberEvent>;
template class StreamFollower<engine::Conversion>;

}  // namespace octopus::events
