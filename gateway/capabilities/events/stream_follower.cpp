#include "events/stream_follower.hpp"

#include <algorithm>

#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::events {

namespace {
const observability::MetricFamily kLag{
    "octopus_stream_lag_seconds", observability::MetricType::gauge,
    "How old the newest record of an engine stream was when the gateway handled it (0 after a read that found "
    "nothing new), by stream."};
const observability::MetricFamily kRecords{"octopus_stream_records_total", observability::MetricType::counter,
                                           "Records of an engine stream handed to the gateway's listeners, by stream."};
const observability::MetricFamily kSkipped{
    "octopus_stream_skipped_total", observability::MetricType::counter,
    "Records an engine stream no longer retained when the gateway read past them (lost to it), by stream."};

std::string stream_series(const char* family, const std::string& stream) {
  return std::string(family) + "{stream=\"" + observability::label_value(stream) + "\"}";
}
}  // namespace

template <typename Record>
StreamFollower<Record>::StreamFollower(Read read, StreamCursorRepository& cursors, std::vector<Listener> listeners,
                                       StreamFollowerOptions options)
    : read_(std::move(read)),
      cursors_(cursors),
      listeners_(std::move(listeners)),
      options_(std::move(options)),
      lag_metric_(stream_series("octopus_stream_lag_seconds", options_.cursor_name)),
      records_metric_(stream_series("octopus_stream_records_total", options_.cursor_name)),
      skipped_metric_(stream_series("octopus_stream_skipped_total", options_.cursor_name)) {
  position_ = saved_ = cursors_.stream_cursor(options_.cursor_name);
  handled_at_ms_ = options_.clock->unix_millis();
  auto& m = observability::metrics();
  m.set(lag_metric_, 0);
  m.increment(records_metric_, 0);
  m.increment(skipped_metric_, 0);
}

template <typename Record>
void StreamFollower<Record>::count(const engine::StreamBatch<Record>& batch) {
  auto& m = observability::metrics();
  const auto now_ms = options_.clock->unix_millis();
  handled_at_ms_ = now_ms;
  if (batch.skipped > 0) m.increment(skipped_metric_, static_cast<double>(batch.skipped));
  if (batch.records.empty()) {
    m.set(lag_metric_, 0);
    return;
  }
  m.increment(records_metric_, static_cast<double>(batch.records.size()));
  const auto age_ms = now_ms - batch.records.back().at_ms;
  m.set(lag_metric_, static_cast<double>(std::max<std::int64_t>(0, age_ms)) / 1000.0);
}

// A read or a listener failed: whatever the stream holds now waits at least as long as the
// follower has gone without handling a read, so the lag grows through a stall (an engine
// that does not answer, a ledger that cannot be written) instead of keeping its last value.
template <typename Record>
void StreamFollower<Record>::count_stall() {
  const auto stalled_ms = options_.clock->unix_millis() - handled_at_ms_.load();
  auto& m = observability::metrics();
  m.set(lag_metric_,
        std::max(m.value(lag_metric_), static_cast<double>(std::max<std::int64_t>(0, stalled_ms)) / 1000.0));
}

template <typename Record>
void StreamFollower<Record>::save() {
  std::lock_guard lock(save_mutex_);
  // The position first: everything the listeners did for events up to it was done before
  // before_save() makes it durable.
  const auto position = position_.load();
  saved_at_ = std::chrono::steady_clock::now();
  if (position == saved_) return;
  // Another instance follows the stream now: its position is the one that counts.
  if (options_.may_run && !options_.may_run()) return;
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
  count(batch);
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
        if (!allowed_now()) {
          std::unique_lock lock(mutex_);
          stop_cv_.wait_for(lock, options_.wait, [this] { return stopping_; });
          continue;
        }
        poll_once(options_.wait);
        backoff = std::chrono::milliseconds(100);
        continue;
      } catch (const std::exception& e) {
        observability::log_warn("events_follow_failed", {{"stream", options_.cursor_name}, {"what", e.what()}});
        count_stall();
      }
      std::unique_lock lock(mutex_);
      stop_cv_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  });
}

// Taking the stream over from another instance starts where that one saved.
template <typename Record>
bool StreamFollower<Record>::allowed_now() {
  if (!options_.may_run) return true;
  if (!options_.may_run()) return !(paused_ = true);
  if (paused_) {
    const std::lock_guard held(save_mutex_);
    position_ = saved_ = cursors_.stream_cursor(options_.cursor_name);
    paused_ = false;
  }
  return true;
}

template class StreamFollower<engine::SubscriberEvent>;
template class StreamFollower<engine::Conversion>;

}  // namespace octopus::events
