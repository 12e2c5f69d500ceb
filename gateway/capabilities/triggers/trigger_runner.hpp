// Real-time triggers: for each batch of subscriber events from the engine's stream, find
// the partners' triggers whose event type and segment match, then run the same
// per-subscriber checks as a delivery (consent for the trigger's purpose, frequency caps,
// eligibility) plus the trigger's own cooldown and the channel's quiet hours, and send.
// A trigger fires within the second: out of quiet hours a message is sent now or not at
// all (a late offer has lost its reason). Partners learn only aggregate counts.
//
// Matching is indexed by event type, and segment membership is asked of the engine once per
// event type for a whole batch of events (every segment of that type in one call), instead
// of testing every trigger against every event (`indexed = false`, the benchmark's
// baseline).
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "background/periodic_task.hpp"
#include "deliveries/channel.hpp"
#include "deliveries/consent_overlay.hpp"
#include "deliveries/frequency_ledger.hpp"
#include "deliveries/delivery_runner.hpp"
#include "engine/engine.hpp"
#include "offers/offer_repository.hpp"
#include "partners/partner_repository.hpp"
#include "triggers/trigger_cooldowns.hpp"
#include "triggers/trigger_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::triggers {

struct ActiveTrigger {
  triggers::TriggerRecord record;
  offers::OfferRecord offer;
  std::string partner_category;
  policy::Channel channel = policy::Channel::sms;
  std::string text;  // the offer as subscribers read it
};

struct TriggerRunnerOptions {
  bool indexed = true;
  std::chrono::milliseconds engine_timeout{2000};
  std::int64_t max_event_age_ms = 60'000;  // older events (a backlog after downtime) fire nothing
  const Clock* clock = &system_clock();    // tests move time with their own
  // Counts are added up in memory and written to the store this often by a thread of their
  // own, off the path from event to message (a crash loses at most that much of the
  // statistics, never a message). 0: written at the end of every pass.
  std::int64_t count_flush_ms = 250;
  // Where cooldowns are kept when instances share them (Redis); null: in this process.
  TriggerCooldowns* cooldowns = nullptr;
};

// The records a trigger runner reads and writes.
struct TriggerRunnerRecords {
  TriggerRepository& triggers;
  octopus::offers::OfferRepository& offers;
  octopus::partners::PartnerRepository& partners;
};

class TriggerRunner {
 public:
  TriggerRunner(TriggerRunnerRecords records, engine::Engine& engine, deliveries::PolicySource policies,
                const deliveries::ConsentOverlay& overlay, deliveries::FrequencyLedger& ledger,
                deliveries::Channels channels, TriggerRunnerOptions options = {});
  ~TriggerRunner();  // writes the counts still pending

  // Re-reads the active triggers (at start, and after one is created or deleted).
  void reload();
  // The event listener: matches and fires; called with no events too, to write counts due.
  void operator()(const std::vector<engine::SubscriberEvent>& events);
  // Writes the counts added up since the last write.
  void flush_counts();
  // A message a trigger sent before a restart (the sink's line), so its cooldown holds
  // across it and the event it answered, handed over again, is not answered twice.
  void remember_sent(const deliveries::SinkRecord& message);
  std::size_t active() const;

 private:
  struct Set {
    using Triggers = std::vector<std::shared_ptr<const ActiveTrigger>>;
    struct OfType {
      Triggers triggers;
      std::vector<std::string> audiences;  // their segments, in the same order
    };
    Triggers all;
    std::map<std::string, OfType, std::less<>> by_type;
  };
  // Whom a trigger's event type and segment matched, with the sequence of the event that
  // matched each (parallel vectors).
  struct Matched {
    std::vector<std::uint64_t> subscribers, sequences;
    void add(std::uint64_t subscriber, std::uint64_t sequence) {
      subscribers.push_back(subscriber);
      sequences.push_back(sequence);
    }
  };
  using Hits = std::map<const ActiveTrigger*, Matched>;
  void match_indexed(const Set& set, const std::vector<const engine::SubscriberEvent*>& events, Hits& hits);
  void match_naive(const Set& set, const std::vector<const engine::SubscriberEvent*>& events, Hits& hits);
  struct Pass;
  void fire(const Hits& hits, std::int64_t now_ms, const policy::PolicySnapshot& policy);
  static void count_firings(const Pass& pass);
  Matched due_of(Pass& pass, const ActiveTrigger& t, const Matched& matched);
  void plan(Pass& pass, const Hits& hits);
  void decide(Pass& pass);
  void hand_over(Pass& pass, policy::Channel c);
  std::int64_t now_ms() const;

  TriggerRepository& triggers_;
  octopus::offers::OfferRepository& offers_;
  octopus::partners::PartnerRepository& partners_;
  engine::Engine& engine_;
  deliveries::PolicySource policies_;
  const deliveries::ConsentOverlay& overlay_;
  deliveries::FrequencyLedger& ledger_;
  deliveries::Channels channels_;
  TriggerRunnerOptions options_;
  std::atomic<std::shared_ptr<const Set>> set_;
  LocalTriggerCooldowns local_cooldowns_;
  TriggerCooldowns& cooldowns_;  // options_.cooldowns, or local_cooldowns_
  std::mutex counts_mutex_;
  std::unordered_map<std::string, triggers::TriggerCounts> pending_counts_;  // under counts_mutex_
  std::optional<background::PeriodicTask> flusher_;  // last: stops before the state it writes goes
};

}  // namespace octopus::triggers
