// The reference channels' durable sink: every message that would have gone out, one JSON
// line each (time, channel, partner, delivery or trigger, offer, subscriber, rendered
// text), appended to one file per UTC day under the data directory. Operators and tests
// read exactly what would have been sent; the gateway reads it back at start to rebuild
// fatigue counts and cooldowns, and to find what a batch interrupted by a crash had
// already sent.
//
// An append is in the file when it returns (a crash of the process loses nothing); the
// flush to disk (fdatasync, several milliseconds at the tail on a virtual disk) is grouped
// off the sender's path: sync() makes every append so far durable, and the sink's own
// thread does so within `sync_every` anyway. Whoever records progress that relies on the
// lines (a delivery's position, the event stream's cursor) calls sync() first, so after a
// power loss the progress never claims lines the disk lost.
//
// Instances sharing a store may share the sink's folder too (deliveries.sink_directory on a
// volume they all mount): each writes its own files, named by its tag, and a position names
// the file it is in. An instance taking a delivery over from a lost one then reads what the
// lost one sent past its last recorded position (so nobody gets the batch twice), and the
// instance settling conversions reads the others' messages as touches (read_others).
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "background/periodic_task.hpp"
#include "policy/policy_types.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::deliveries {

// Messages of one delivery (or trigger) batch: the same text to several subscribers.
struct MessageBatch {
  std::string source_id;  // the delivery ("dlv_...") or trigger ("trg_...") that sent it
  std::string offer_id;
  std::string partner_id;
  policy::Channel channel = policy::Channel::sms;
  std::string text;
  std::span<const std::uint64_t> subscribers;
  std::int64_t at_ms = 0;  // when it was decided (the sender's clock); 0: when the channel sends it
  // A trigger's: the stream sequence of the event each message answers, one per subscriber
  // (empty: none). Kept in the sink so a restart knows which events were answered.
  std::span<const std::uint64_t> events = {};
};

struct SinkRecord {
  std::int64_t at_ms = 0;
  policy::Channel channel = policy::Channel::sms;
  std::string source_id;
  std::uint64_t subscriber = 0;
  std::string partner_id;
  std::string offer_id;
  std::uint64_t event = 0;  // the event the message answered (a trigger's), 0: none
};

// Told of every batch once it is in the sink (settlement's attribution keeps its touches so).
using SinkObserver = std::function<void(std::span<const MessageBatch> batches, std::int64_t at_ms)>;

class MessageSink {
 public:
  // `clock` stamps what has no time of its own (a channel's sends) and names the day's file.
  // `tag` (letters, digits, '-', '_'; empty: none) names this instance's files in a shared
  // folder; std::invalid_argument otherwise.
  explicit MessageSink(std::filesystem::path directory,
                       std::chrono::milliseconds sync_every = std::chrono::milliseconds(50),
                       const Clock& clock = system_clock(), std::string tag = {});
  ~MessageSink();  // syncs what is still pending
  // `name` made a tag: other characters become '-', and the last 64 are kept.
  static std::string tag_for(std::string name);
  MessageSink(const MessageSink&) = delete;
  MessageSink& operator=(const MessageSink&) = delete;

  // Appends one line per subscriber stamped `at_ms` (one write). Throws std::runtime_error
  // when the disk refuses (nothing of the batch is then counted as sent).
  void append(const MessageBatch& batch, std::int64_t at_ms);
  // Several batches in one write (a trigger pass sends for many triggers at once); each is
  // stamped with its own at_ms, or `at_ms` when it has none.
  void append(std::span<const MessageBatch> batches, std::int64_t at_ms);
  std::int64_t now_ms() const { return clock_.unix_millis(); }
  // Set before the first append: called after each append, on the appending thread.
  void observe(SinkObserver observer) { observer_ = std::move(observer); }
  // Returns once every append made before the call is on disk. Appends go on meanwhile.
  // Throws std::runtime_error when the disk refuses.
  void sync();
  // Where the next append will write ("YYYYMMDD:offset", then ":tag" when tagged); a later
  // position never precedes it.
  std::string position();
  // Subscribers `source_id` has lines for at or after `position`: in the file of the
  // instance that took it (this one's, or another's in a shared folder) from there on, and
  // in every other file from that day on (instances that ran it after, unrecorded).
  std::unordered_set<std::uint64_t> written_since(const std::string& position, const std::string& source_id);
  // Every record sent at or after `since_ms`, by any instance writing to the folder; each
  // file in the order written, days in order.
  void replay(std::int64_t since_ms, const std::function<void(const SinkRecord&)>& visit);
  // The records other instances appended to the folder since replay() or the last call
  // (from today's files on when replay() was not called; after that, today's and
  // yesterday's files: lines go to the file of the day they are sent).
  void read_others(const std::function<void(const SinkRecord&)>& visit);
  const std::filesystem::path& directory() const { return directory_; }

 private:
  void open_for(std::int64_t at_ms);  // under mutex_
  std::filesystem::path directory_;
  std::string tag_;
  const Clock& clock_;
  std::mutex mutex_;
  int fd_ = -1;
  std::string day_;             // "YYYYMMDD" of the open file
  std::uint64_t appended_ = 0;  // appends so far (under mutex_)
  std::uint64_t synced_ = 0;    // of which known durable (under mutex_)
  std::optional<background::PeriodicTask> syncer_;
  SinkObserver observer_;
  std::mutex others_mutex_;
  std::string others_from_day_;                                 // under others_mutex_
  std::unordered_map<std::string, std::uint64_t> others_read_;  // file -> offset read (under others_mutex_)
};

}  // namespace octopus::deliveries
