#include "deliveries/delivery_runner.hpp"

#include <algorithm>

#include "deliveries/delivery_decider.hpp"
#include "http/formats.hpp"
#include "observability/log.hpp"
#include "offers/offer_review.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::deliveries {

namespace {
constexpr const char* kDue[] = {"scheduled", "running", "deferred"};
}

DeliveryRunner::DeliveryRunner(DeliveryRunnerRecords records, engine::Engine& engine, PolicySource policies,
                               const ConsentOverlay& overlay, ContactLedger& ledger, Channels channels,
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
      if (running) ++it;
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

bool DeliveryRunner::run_once() {
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
  deliveries_.record_delivery_progress(d);
  recovering_.erase(d.id);
  log_finished(d);
}

void DeliveryRunner::log_finished(const deliveries::DeliveryRecord& d) {
  observability::log_info("delivery_finished", {{"delivery", d.id},
                                                {"partner", d.partner_id},
                                                {"status", d.status},
                                                {"delivered", std::to_string(d.counts.delivered)}});
}

bool DeliveryRunner::run_batch(deliveries::DeliveryRecord& d) {
  const auto now = now_ms();
  const auto now_s = now / 1000;
  if (d.status == "scheduled" && now_s < d.send_at) return false;
  if (d.status == "deferred" && now_s < d.resume_at) return false;

  const auto offer = offers_.get_offer(d.partner_id, d.offer_id);
  if (!offer || offer->status != "approved") {
    finish(d, "failed", "the offer is no longer approved");
    return true;
  }
  if (now_s > offer->valid_until) {
    finish(d, "failed", "the offer's validity ended before every subscriber was reached");
    return true;
  }
  const auto partner = partners_.get_partner(d.partner_id);
  const auto channel = policy::parse_channel(offer->channel);
  if (!partner || !channel || !channels_[static_cast<std::size_t>(*channel)]) {
    finish(d, "failed", "no channel or partner for this offer");
    return true;
  }
  auto& out = *channels_[static_cast<std::size_t>(*channel)];
  const auto policy = policies_();

  // Quiet hours and blackout days: the whole channel waits for its next window.
  const auto window = policy::check_send_time(*policy, *channel, policy::Seconds(std::chrono::seconds(now_s)));
  if (!window.allowed) {
    if (window.next_allowed == policy::Seconds::max()) {
      finish(d, "failed", "the channel is never sendable under the policy in force");
      return true;
    }
    const auto resume = window.next_allowed.time_since_epoch().count();
    if (d.status != "deferred" || d.resume_at != resume) {
      d.status = "deferred";
      d.resume_at = resume;
      d.updated_at = now_s;
      deliveries_.record_delivery_progress(d);
      observability::log_info("delivery_deferred",
                              {{"delivery", d.id}, {"rule", std::string(window.rule)}, {"resume_at", std::to_string(resume)}});
      return true;
    }
    return false;
  }
  d.status = "running";
  d.resume_at = 0;

  const auto context = decision_context(*policy, policy::Capability::deliveries, *channel, d.purpose,
                                        partner->category, now_s);
  if (!context) {
    finish(d, "failed", "the policy in force no longer knows the purpose or the partner category");
    return true;
  }

  // The next targets.
  std::size_t batch = options_.batch_size;
  if (out.rate_per_second() > 0)
    batch = std::min(batch, std::max<std::size_t>(1, static_cast<std::size_t>(out.rate_per_second() / 4)));
  std::vector<std::uint64_t> targets;
  std::uint64_t next_cursor = d.cursor;
  bool last = false;
  if (!d.audience_id.empty()) {
    const auto audience = audiences_.get_audience(d.partner_id, d.audience_id);
    if (!audience || audience->status != "ready") {
      finish(d, "failed", "the audience was deleted");
      return true;
    }
    engine::MemberBatch members;
    try {
      members = engine::await(engine_.members(audience->engine_id, d.cursor, batch), options_.engine_timeout);
    } catch (const engine::AudienceNotFound&) {
      std::string why = "the engine no longer holds the audience";
      const auto rebuilt = options_.rematerialise ? options_.rematerialise(*audience, why) : std::nullopt;
      if (!rebuilt) {
        finish(d, "failed", why);
        return true;
      }
      observability::log_info("delivery_audience_rebuilt", {{"delivery", d.id}, {"audience", audience->id}});
      members = engine::await(engine_.members(*rebuilt, d.cursor, batch), options_.engine_timeout);
    }
    targets = std::move(members.subscribers);
    if (d.decided == 0) ledger_.make_room(d.target_count);
    last = !members.next;
    next_cursor = members.next.value_or(d.cursor);
  } else {
    const auto from = std::min<std::size_t>(d.cursor, d.subscribers.size());
    const auto to = std::min(from + batch, d.subscribers.size());
    targets.assign(d.subscribers.begin() + static_cast<std::ptrdiff_t>(from), d.subscribers.begin() + static_cast<std::ptrdiff_t>(to));
    next_cursor = to;
    last = to == d.subscribers.size();
  }

  std::vector<engine::SubscriberFacts> facts;
  if (!targets.empty())
    facts = engine::await(engine_.facts({targets, d.purpose, partner->category, offer->channel, offer->product_code}),
                          options_.engine_timeout);

  // After a crash: what the interrupted batch had already sent.
  std::unordered_set<std::uint64_t> already;
  if (recovering_.erase(d.id) && !d.sink_position.empty()) already = sink_.written_since(d.sink_position, d.id);

  if (!already.empty()) {
    // Sent before the crash: counted as delivered, not decided (or sent) again.
    std::vector<std::uint64_t> rest;
    std::vector<engine::SubscriberFacts> rest_facts;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (already.count(targets[i])) {
        ++d.counts.delivered;
        continue;
      }
      rest.push_back(targets[i]);
      rest_facts.push_back(facts[i]);
    }
    d.decided += targets.size() - rest.size();
    targets.swap(rest);
    facts.swap(rest_facts);
  }
  std::vector<Outcome> outcomes;
  decide_batch(*context, targets, facts, overlay_, ledger_, outcomes);
  std::vector<std::uint64_t> send;
  send.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) switch (outcomes[i]) {
      case Outcome::send: send.push_back(targets[i]); break;
      case Outcome::no_consent: ++d.counts.no_consent; break;
      case Outcome::capped: ++d.counts.capped; break;
      case Outcome::ineligible: ++d.counts.ineligible; break;
    }

  if (!send.empty()) {
    std::string product_name = offer->product_code;
    try {
      for (const auto& p : engine::await(engine_.products(), options_.engine_timeout))
        if (p.code == offer->product_code) product_name = p.name;
    } catch (const engine::EngineUnavailable&) {
      for (const auto s : send) ledger_.release(context->periods, s, *channel);
      throw;
    }
    MessageBatch messages{d.id,   offer->id, d.partner_id, *channel, offers::render_offer_text(*offer, product_name),
                          send, now};
    try {
      out.send(messages);
      d.counts.delivered += send.size();
    } catch (const std::exception& e) {
      for (const auto s : send) ledger_.release(context->periods, s, *channel);
      d.counts.failed += send.size();
      d.error = std::string("the channel refused a batch: ") + e.what();
      observability::log_error("delivery_channel_failed", {{"delivery", d.id}, {"what", e.what()}});
    }
  }

  d.cursor = next_cursor;
  d.decided += targets.size();
  // The progress record vouches for every line before its position: they reach the disk first.
  sink_.sync();
  d.sink_position = sink_.position();
  d.updated_at = now_s;
  if (last) {
    d.status = "completed";
    d.finished_at = now_s;
  }
  deliveries_.record_delivery_progress(d);
  if (last) log_finished(d);
  return true;
}

}  // namespace octopus::deliveries
