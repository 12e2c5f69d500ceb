// Runs accepted deliveries in the background, one batch of each due delivery per pass, so a
// large delivery cannot hold up a small one. A batch: check quiet hours for the channel (a
// quiet channel defers the whole delivery to its next window; nothing is dropped), take the
// next members of the audience (or tokens), ask the engine for their facts in one call,
// decide each subscriber (DeliveryDecider), hand the messages to the channel, then record
// cursor and counts in the Store in one write.
//
// Crash safety: each progress write also records where the message sink stood. A delivery
// found `running` at start may have sent a batch it could not record; its first batch
// after the restart reads the sink from that position and counts those subscribers as
// delivered instead of sending again, so nobody gets a delivery twice and nobody is lost.
#pragma once
#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "deliveries/channel.hpp"
#include "deliveries/consent_overlay.hpp"
#include "deliveries/frequency_ledger.hpp"
#include "engine/engine.hpp"
#include "policy/policy_snapshot.hpp"
#include "quota/quota_limiter.hpp"
#include "audiences/audience_repository.hpp"
#include "deliveries/delivery_repository.hpp"
#include "store/repository.hpp"
#include "offers/offer_repository.hpp"
#include "partners/partner_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::deliveries {

using PolicySource = policy::SnapshotSource;
using Channels = std::array<Channel*, policy::kChannelCount>;  // by policy::Channel

struct DeliveryRunnerOptions {
  std::size_t batch_size = 10000;  // at most; a rate-limited channel gets a quarter second's worth
  std::chrono::milliseconds idle_poll{250};
  std::chrono::milliseconds engine_timeout{2000};
  const Clock* clock = &system_clock();    // tests move time with their own
  quota::QuotaLimiter* limiter = nullptr;  // gives back the message allowance not used
  // Materialises an audience again when the engine no longer holds it (a restart): the new
  // engine id, or nullopt with why not. Empty: the delivery fails instead.
  std::function<std::optional<std::string>(const audiences::AudienceRecord&, std::string& why)> rematerialise;
  // Told of each delivery once it is finished (completed or failed), after its record is
  // saved: settlement charges its messages.
  std::function<void(const DeliveryRecord&)> on_finished;
  // Whether this instance runs deliveries now (instances sharing a store: the one holding
  // the background lease). Empty: always. Deliveries found running when it starts to are
  // recovered as after a crash.
  std::function<bool()> may_run;
  // The lease grant this instance runs deliveries under: each progress write is fenced by it,
  // so a runner paused past its lease cannot move a delivery back (a pass that finds the
  // grant superseded stops). Empty: progress is not fenced.
  std::function<store::Fence()> fence;
};

// The records a runner reads and writes.
struct DeliveryRunnerRecords {
  DeliveryRepository& deliveries;
  octopus::offers::OfferRepository& offers;
  octopus::audiences::AudienceRepository& audiences;
  octopus::partners::PartnerRepository& partners;
};

class DeliveryRunner {
 public:
  DeliveryRunner(DeliveryRunnerRecords records, engine::Engine& engine, PolicySource policies,
                 const ConsentOverlay& overlay, FrequencyLedger& ledger, Channels channels, MessageSink& sink,
                 DeliveryRunnerOptions options = {});
  ~DeliveryRunner();

  void start();  // a background thread running passes until destroyed
  void wake();   // a delivery was accepted or cancelled: do not wait for the next poll
  // One pass: a batch of every delivery that is due. True when any work was done.
  bool run_once();
  // The message allowance reserved when the delivery was accepted: what is not sent is
  // given back when it ends. (A restart forgets it: the partner then keeps it spent, the
  // safe side for a spending limit.)
  void hold(const std::string& delivery_id, quota::Reservation reservation);
  std::int64_t now_ms() const;

 private:
  struct Batch;
  struct LeaseLost;
  bool run_batch(deliveries::DeliveryRecord& d);
  std::optional<Batch> setting_for(DeliveryRecord& d, std::int64_t now_s, bool& worked);
  bool outside_send_window(DeliveryRecord& d, const policy::PolicySnapshot& policy, policy::Channel channel,
                           std::int64_t now_s, bool& worked);
  bool with_context(DeliveryRecord& d, Batch& b, std::int64_t now_s);
  bool next_targets(DeliveryRecord& d, Batch& b);
  void skip_sent_before_crash(DeliveryRecord& d, Batch& b);
  std::vector<std::uint64_t> decide(DeliveryRecord& d, const Batch& b);
  void send(DeliveryRecord& d, const Batch& b, const std::vector<std::uint64_t>& send, std::int64_t now);
  void finish(deliveries::DeliveryRecord& d, const std::string& status, const std::string& error);
  void save(const deliveries::DeliveryRecord& d);  // the progress, fenced; throws LeaseLost
  void log_finished(const deliveries::DeliveryRecord& d);

  DeliveryRepository& deliveries_;
  octopus::offers::OfferRepository& offers_;
  octopus::audiences::AudienceRepository& audiences_;
  octopus::partners::PartnerRepository& partners_;
  engine::Engine& engine_;
  PolicySource policies_;
  const ConsentOverlay& overlay_;
  FrequencyLedger& ledger_;
  Channels channels_;
  MessageSink& sink_;
  DeliveryRunnerOptions options_;
  // Deliveries whose last batch may be in the sink unrecorded: found running at start or at a
  // takeover, or stopped between sending a batch and recording it (runner thread only).
  std::set<std::string> recovering_;
  bool allowed_ = true;      // may_run's last answer (runner thread only)
  store::Fence pass_fence_;  // the grant the pass runs under (runner thread only)
  bool allowed_now();
  bool still_holding() const;
  void release_finished(const std::vector<deliveries::DeliveryRecord>& due);
  std::mutex reservations_mutex_;
  std::map<std::string, quota::Reservation> reservations_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace octopus::deliveries
