#include "deliveries/delivery_runner.hpp"

#include <algorithm>
#include <stdexcept>

#include "deliveries/delivery_decider.hpp"
#include "http/formats.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "offers/offer_review.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::deliveries {

namespace {

const observability::MetricFamily kMessages{
    "octopus_delivery_messages_total", observability::MetricType::counter,
    "Audience members a delivery decided on, by channel and outcome: sent, failed (the channel refused the batch), "
    "no_consent, capped (frequency caps), ineligible."};

// Once per batch and outcome, not per member: a million-member delivery makes a few hundred
// increments.
void count_messages(policy::Channel channel, std::string_view outcome, std::size_t n) {
  if (n == 0) return;
  observability::metrics().increment("octopus_delivery_messages_total{channel=\"" +
                                         std::string(policy::to_string(channel)) + "\",outcome=\"" +
                                         std::string(outcome) + "\"}",
                                     static_cast<double>(n));
}

const observability::LabelledCounter kFinished{"octopus_deliveries_finished_total",
                                               "Deliveries the runner finished, by status: completed, failed.",
                                               "status",
                                               {"completed", "failed"}};

constexpr const char* kDue[] = {"scheduled", "running", "deferred"};
}  // namespace

DeliveryRunner::DeliveryRunner(DeliveryRunnerRecords records, engine::Engine& engine, PolicySource policies,
                               const ConsentOverlay& overlay, FrequencyLedger& ledger, Channels channels,
                               MessageSink& sink, DeliveryRunnerOptions options)
    : deliveries_(records.deliveries),
      offers_(records.offers),
      audiences_(records.audiences),
      partners_(records.partners),
      engine_(engine),
      policies_(std::move(policies)),
      overlay_(overlay),
      ledger_(ledger),
      channels_(channels),
      sink_(sink),
      options_(std::move(options)) {
  for (const auto& d : deliveries_.deliveries_in_status({"running"})) recovering_.insert(d.id);
}

DeliveryRunner::~DeliveryRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryRunner::start() {
  thread_ = std::thread([this] {
    for (;;) {
      bool worked = false;
      try {
        worked = run_once();
      } catch (const std::exception& e) {
        observability::log_error("delivery_pass_failed", {{"what", e.what()}});
      }
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      if (!worked) wake_.wait_for(lock, options_.idle_poll, [this] { return stopping_ || woken_; });
      woken_ = false;
      if (stopping_) return;
    }
  });
}

void DeliveryRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::int64_t DeliveryRunner::now_ms() const { return options_.clock->unix_millis(); }

void DeliveryRunner::hold(const std::string& delivery_id, quota::Reservation reservation) {
  std::lock_guard lock(reservations_mutex_);
  reservations_.insert_or_assign(delivery_id, std::move(reservation));
}

void DeliveryRunner::release_finished(const std::vector<deliveries::DeliveryRecord>& due) {
  std::map<std::string, quota::Reservation> held;
  {
    std::lock_guard lock(reservations_mutex_);
    for (auto it = reservations_.begin(); it != reservations_.end();) {
      const bool running = std::any_of(due.begin(), due.end(), [&](const auto& d) {
        return d.id == it->first && d.status != "completed" && d.status != "failed";
      });
      if (running)
        ++it;
      else {
        held.insert(reservations_.extract(it++));
      }
    }
  }
  for (auto& [id, reservation] : held) {
    const auto d = deliveries_.get_delivery("", id);
    if (!d) continue;
    const auto unused = d->target_count > d->counts.delivered ? d->target_count - d->counts.delivered : 0;
    if (options_.limiter && unused > 0) options_.limiter->release(reservation, unused);
  }
}

// Another instance may have been running what this one now takes over: what it left running
// is recovered as after a crash (its unrecorded batch read back from the sink). A grant
// with a new token is a takeover too, even when this instance held the lease at both looks
// (it lost the lease in between and got it back). The pass runs under the grant it starts
// with.
bool DeliveryRunner::allowed_now() {
  if (!options_.may_run) return true;
  const bool allowed = options_.may_run();
  const auto fence = options_.fence ? options_.fence() : store::Fence{};
  if (allowed && (!allowed_ || fence.token != pass_fence_.token))
    for (const auto& d : deliveries_.deliveries_in_status({"running"})) recovering_.insert(d.id);
  allowed_ = allowed;
  pass_fence_ = fence;
  return allowed;
}

// Whether the grant the pass started under is still this instance's.
bool DeliveryRunner::still_holding() const {
  if (options_.may_run && !options_.may_run()) return false;
  return !options_.fence || options_.fence().token == pass_fence_.token;
}

// Another instance holds the lease now: this one's pass stops where it is, and what it
// left running is recovered when it holds the lease again.
struct DeliveryRunner::LeaseLost : std::runtime_error {
  LeaseLost() : std::runtime_error("another instance holds the background lease now") {}
};

void DeliveryRunner::save(const DeliveryRecord& d) {
  if (deliveries_.record_delivery_progress(d, pass_fence_) == store::WriteResult::conflict) throw LeaseLost();
}

bool DeliveryRunner::run_once() {
  if (!allowed_now()) {
    // Deliveries accepted here run on the instance holding the lease: what they did not use
    // of the message allowance held here is given back here once they have finished.
    bool holding;
    {
      std::lock_guard lock(reservations_mutex_);
      holding = !reservations_.empty();
    }
    if (holding) release_finished(deliveries_.deliveries_in_status({std::begin(kDue), std::end(kDue)}));
    return false;
  }
  bool worked = false;
  auto due = deliveries_.deliveries_in_status({std::begin(kDue), std::end(kDue)});
  for (auto& d : due) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return worked;
    }
    try {
      worked |= run_batch(d);
    } catch (const engine::EngineUnavailable& e) {
      // The delivery waits for the engine; the next pass tries again.
      observability::log_warn("delivery_engine_unavailable", {{"delivery", d.id}, {"what", e.what()}});
    } catch (const CapsUnavailable& e) {
      // Fail-closed: no message goes out unchecked. The batch is decided again, from the
      // same cursor, once the frequency ledger answers.
      observability::log_warn("delivery_caps_unavailable", {{"delivery", d.id}, {"what", e.what()}});
    } catch (const LeaseLost& e) {
      observability::log_warn("delivery_lease_lost", {{"delivery", d.id}, {"what", e.what()}});
      allowed_ = false;
      return worked;
    }
  }
  release_finished(due);
  return worked;
}

void DeliveryRunner::finish(deliveries::DeliveryRecord& d, const std::string& status, const std::string& error) {
  d.status = status;
  d.error = error;
  d.updated_at = d.finished_at = now_ms() / 1000;
  if (status == "failed") d.counts.failed += d.target_count > d.decided ? d.target_count - d.decided : 0;
  save(d);
  recovering_.erase(d.id);
  log_finished(d);
}

void DeliveryRunner::log_finished(const deliveries::DeliveryRecord& d) {
  observability::metrics().increment(kFinished.series(d.status));
  observability::log_info(
      "delivery_finished",
      {{"delivery", d.id}, {"partner", d.partner_id}, {"status", d.status}, {"delivered", d.counts.delivered}});
  if (!options_.on_finished) return;
  try {
    options_.on_finished(d);
  } catch (const std::exception& e) {
    // The delivery is finished whatever its listeners make of it; the charge is retried at
    // the next start (settlement bills finished deliveries it has not charged).
    observability::log_error("delivery_finished_listener_failed", {{"delivery", d.id}, {"what", e.what()}});
  }
}

// What one batch of a delivery is decided and sent under, and whom it reaches.
struct DeliveryRunner::Batch {
  offers::OfferRecord offer;
  partners::Partner partner;
  policy::Channel channel{};
  Channel* out = nullptr;
  std::shared_ptr<const policy::PolicySnapshot> policy;
  DecisionContext context;
  std::vector<std::uint64_t> targets;
  std::vector<engine::SubscriberFacts> facts;
  std::uint64_t next_cursor = 0;
  bool last = false;
};

// Whether the delivery may send now, and under what. nullopt when it may not: `worked` then
// says whether saying so was progress (a failure or a deferral recorded).
std::optional<DeliveryRunner::Batch> DeliveryRunner::setting_for(DeliveryRecord& d, std::int64_t now_s, bool& worked) {
  worked = true;
  auto offer = offers_.get_offer(d.partner_id, d.offer_id);
  if (!offer || offer->status != "approved")
    return finish(d, "failed", "the offer is no longer approved"), std::nullopt;
  if (now_s > offer->valid_until)
    return finish(d, "failed", "the offer's validity ended before every subscriber was reached"), std::nullopt;
  auto partner = partners_.get_partner(d.partner_id);
  const auto channel = policy::parse_channel(offer->channel);
  if (!partner || !channel || !channels_[static_cast<std::size_t>(*channel)])
    return finish(d, "failed", "no channel or partner for this offer"), std::nullopt;
  Batch b{
      std::move(*offer), std::move(*partner), *channel, channels_[static_cast<std::size_t>(*channel)], policies_(), {}};
  if (outside_send_window(d, *b.policy, b.channel, now_s, worked)) return std::nullopt;
  d.status = "running";
  d.resume_at = 0;
  return b;
}

// The context's names are views into the batch and the delivery: made once the batch has
// stopped moving. False when the delivery failed instead.
bool DeliveryRunner::with_context(DeliveryRecord& d, Batch& b, std::int64_t now_s) {
  auto context =
      decision_context(*b.policy, policy::Capability::deliveries, b.channel, d.purpose, b.partner.category, now_s);
  if (!context)
    return finish(d, "failed", "the policy in force no longer knows the purpose or the partner category"), false;
  b.context = std::move(*context);
  return true;
}

// Quiet hours and blackout days: the whole channel waits for its next window.
bool DeliveryRunner::outside_send_window(DeliveryRecord& d, const policy::PolicySnapshot& policy,
                                         policy::Channel channel, std::int64_t now_s, bool& worked) {
  const auto window = policy::check_send_time(policy, channel, policy::Seconds(std::chrono::seconds(now_s)));
  if (window.allowed) return false;
  if (window.next_allowed == policy::Seconds::max()) {
    finish(d, "failed", "the channel is never sendable under the policy in force");
    return true;
  }
  const auto resume = window.next_allowed.time_since_epoch().count();
  worked = d.status != "deferred" || d.resume_at != resume;
  if (!worked) return true;
  d.status = "deferred";
  d.resume_at = resume;
  d.updated_at = now_s;
  save(d);
  observability::log_info("delivery_deferred",
                          {{"delivery", d.id}, {"rule", std::string(window.rule)}, {"resume_at", resume}});
  return true;
}

// The next members of the audience (materialised again if the engine lost it), or the next
// of the delivery's own subscribers. False when the delivery failed instead.
bool DeliveryRunner::next_targets(DeliveryRecord& d, Batch& b) {
  std::size_t size = options_.batch_size;
  if (b.out->rate_per_second() > 0)
    size = std::min(size, std::max<std::size_t>(1, static_cast<std::size_t>(b.out->rate_per_second() / 4)));
  if (d.audience_id.empty()) {
    const auto from = std::min<std::size_t>(d.cursor, d.subscribers.size());
    const auto to = std::min(from + size, d.subscribers.size());
    b.targets.assign(d.subscribers.begin() + static_cast<std::ptrdiff_t>(from),
                     d.subscribers.begin() + static_cast<std::ptrdiff_t>(to));
    b.next_cursor = to;
    b.last = to == d.subscribers.size();
    return true;
  }
  const auto audience = audiences_.get_audience(d.partner_id, d.audience_id);
  if (!audience || audience->status != "ready") return finish(d, "failed", "the audience was deleted"), false;
  engine::MemberBatch members;
  try {
    members = engine::await(engine_.members(audience->engine_id, d.cursor, size), options_.engine_timeout);
  } catch (const engine::AudienceNotFound&) {
    std::string why = "the engine no longer holds the audience";
    const auto rebuilt = options_.rematerialise ? options_.rematerialise(*audience, why) : std::nullopt;
    if (!rebuilt) return finish(d, "failed", why), false;
    observability::log_info("delivery_audience_rebuilt", {{"delivery", d.id}, {"audience", audience->id}});
    members = engine::await(engine_.members(*rebuilt, d.cursor, size), options_.engine_timeout);
  }
  b.targets = std::move(members.subscribers);
  if (d.decided == 0) ledger_.make_room(d.target_count);
  b.last = !members.next;
  b.next_cursor = members.next.value_or(d.cursor);
  return true;
}

// After a crash: what the interrupted batch had already sent counts as delivered, and is
// neither decided nor sent again.
void DeliveryRunner::skip_sent_before_crash(DeliveryRecord& d, Batch& b) {
  // Still recovering until this batch is recorded: should it fail before (the engine, the
  // caps), the next try reads the sink again.
  if (!recovering_.count(d.id) || d.sink_position.empty()) return;
  const auto already = sink_.written_since(d.sink_position, d.id);
  if (already.empty()) return;
  std::vector<std::uint64_t> rest;
  std::vector<engine::SubscriberFacts> rest_facts;
  for (std::size_t i = 0; i < b.targets.size(); ++i) {
    if (already.count(b.targets[i])) {
      ++d.counts.delivered;
      continue;
    }
    rest.push_back(b.targets[i]);
    rest_facts.push_back(b.facts[i]);
  }
  d.decided += b.targets.size() - rest.size();
  b.targets.swap(rest);
  b.facts.swap(rest_facts);
}

// The subscribers to send to; the others counted by why not.
std::vector<std::uint64_t> DeliveryRunner::decide(DeliveryRecord& d, const Batch& b) {
  std::vector<Outcome> outcomes;
  decide_batch(b.context, b.targets, b.facts, overlay_, ledger_, outcomes);
  std::vector<std::uint64_t> send;
  send.reserve(b.targets.size());
  const auto before = d.counts;
  for (std::size_t i = 0; i < b.targets.size(); ++i) switch (outcomes[i]) {
      case Outcome::send: send.push_back(b.targets[i]); break;
      case Outcome::no_consent: ++d.counts.no_consent; break;
      case Outcome::capped: ++d.counts.capped; break;
      case Outcome::ineligible: ++d.counts.ineligible; break;
    }
  count_messages(b.channel, "no_consent", d.counts.no_consent - before.no_consent);
  count_messages(b.channel, "capped", d.counts.capped - before.capped);
  count_messages(b.channel, "ineligible", d.counts.ineligible - before.ineligible);
  return send;
}

// Renders the offer and hands the batch to its channel. Contacts the channel did not take
// are given back to the frequency ledger.
void DeliveryRunner::send(DeliveryRecord& d, const Batch& b, const std::vector<std::uint64_t>& send, std::int64_t now) {
  std::string product_name = b.offer.product_code;
  try {
    for (const auto& p : engine::await(engine_.products(), options_.engine_timeout))
      if (p.code == b.offer.product_code) product_name = p.name;
  } catch (const engine::EngineUnavailable&) {
    give_back(ledger_, b.context.periods, b.channel, send);
    throw;
  }
  MessageBatch messages{d.id, b.offer.id, d.partner_id, b.channel, offers::render_offer_text(b.offer, product_name),
                        send, now};
  // The last look before anything leaves: a runner paused since its pass began sends nothing
  // once the grant it started under is gone.
  if (!still_holding()) {
    give_back(ledger_, b.context.periods, b.channel, send);
    throw LeaseLost();
  }
  try {
    b.out->send(messages);
    d.counts.delivered += send.size();
    count_messages(b.channel, "sent", send.size());
  } catch (const std::exception& e) {
    give_back(ledger_, b.context.periods, b.channel, send);
    d.counts.failed += send.size();
    count_messages(b.channel, "failed", send.size());
    d.error = std::string("the channel refused a batch: ") + e.what();
    observability::log_error("delivery_channel_failed", {{"delivery", d.id}, {"what", e.what()}});
  }
}

bool DeliveryRunner::run_batch(deliveries::DeliveryRecord& d) {
  const auto now = now_ms();
  const auto now_s = now / 1000;
  if (d.status == "scheduled" && now_s < d.send_at) return false;
  if (d.status == "deferred" && now_s < d.resume_at) return false;
  bool worked = false;
  auto b = setting_for(d, now_s, worked);
  if (!b) return worked;
  if (!with_context(d, *b, now_s) || !next_targets(d, *b)) return true;
  if (!b->targets.empty())
    b->facts = engine::await(
        engine_.facts({b->targets, d.purpose, b->partner.category, b->offer.channel, b->offer.product_code}),
        options_.engine_timeout);
  skip_sent_before_crash(d, *b);
  // From here until the batch is recorded it may be in the sink: should anything stop the
  // record (the store, the disk, a takeover), the next try reads the sink back from the
  // recorded position rather than send again. A first batch records where it starts.
  if (d.sink_position.empty()) {
    d.sink_position = sink_.position();
    save(d);
  }
  recovering_.insert(d.id);
  if (const auto to_send = decide(d, *b); !to_send.empty()) send(d, *b, to_send, now);

  d.cursor = b->next_cursor;
  d.decided += b->targets.size();
  // The progress record vouches for every line before its position: they reach the disk first.
  sink_.sync();
  d.sink_position = sink_.position();
  d.updated_at = now_s;
  if (b->last) {
    d.status = "completed";
    d.finished_at = now_s;
  }
  save(d);
  recovering_.erase(d.id);
  if (b->last) log_finished(d);
  return true;
}

}  // namespace octopus::deliveries
