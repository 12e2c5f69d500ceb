#include "triggers/trigger_runner.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <future>
#include <tuple>

#include "deliveries/delivery_decider.hpp"
#include "http/formats.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "offers/offer_review.hpp"
#include "policy/quiet_hours.hpp"

namespace octopus::triggers {

TriggerRunner::TriggerRunner(TriggerRunnerRecords records, engine::Engine& engine, deliveries::PolicySource policies,
                             const deliveries::ConsentOverlay& overlay, deliveries::FrequencyLedger& ledger,
                             deliveries::Channels channels, TriggerRunnerOptions options)
    : triggers_(records.triggers),
      offers_(records.offers),
      partners_(records.partners),
      engine_(engine),
      policies_(std::move(policies)),
      overlay_(overlay),
      ledger_(ledger),
      channels_(channels),
      options_(std::move(options)),
      cooldowns_(options_.cooldowns ? *options_.cooldowns : local_cooldowns_) {
  set_.store(std::make_shared<const Set>());
  if (options_.count_flush_ms > 0)
    flusher_.emplace(
        std::chrono::milliseconds(options_.count_flush_ms), [this] { flush_counts(); },
        [](const std::exception& e) {
          observability::log_error("trigger_counts_not_written", {{"what", e.what()}});
        });
}

TriggerRunner::~TriggerRunner() {
  if (flusher_) flusher_->stop();
  try {
    flush_counts();
  } catch (const std::exception& e) {
    observability::log_error("trigger_counts_not_written", {{"what", e.what()}});
  }
}

namespace {
// The audiences from `from` on, as many as one membership call takes.
std::vector<std::string> slice(const std::vector<std::string>& audiences, std::size_t from) {
  const auto to = std::min(audiences.size(), from + engine::kMaxMembershipAudiences);
  return {audiences.begin() + static_cast<std::ptrdiff_t>(from), audiences.begin() + static_cast<std::ptrdiff_t>(to)};
}
}  // namespace

std::int64_t TriggerRunner::now_ms() const { return options_.clock->unix_millis(); }

void TriggerRunner::reload() {
  auto set = std::make_shared<Set>();
  std::map<std::string, std::string> names;  // product code → name
  try {
    for (const auto& p : engine::await(engine_.products(), options_.engine_timeout)) names[p.code] = p.name;
  } catch (const std::exception&) {
    // Without the catalogue the product code stands in for its name until the next reload.
  }
  for (auto& record : triggers_.active_triggers()) {
    auto offer = offers_.get_offer(record.partner_id, record.offer_id);
    auto partner = partners_.get_partner(record.partner_id);
    const auto channel = offer ? policy::parse_channel(offer->channel) : std::nullopt;
    if (!offer || !partner || !channel) continue;
    auto t = std::make_shared<ActiveTrigger>();
    t->record = std::move(record);
    t->partner_category = partner->category;
    t->channel = *channel;
    const auto name = names.find(offer->product_code);
    t->text = offers::render_offer_text(*offer, name == names.end() ? offer->product_code : name->second);
    t->offer = std::move(*offer);
    auto& of_type = set->by_type[t->record.event_type];
    of_type.audiences.push_back(t->record.engine_audience_id);
    of_type.triggers.push_back(t);
    set->all.push_back(std::move(t));
  }
  // Each type's segment list is new to the engine after a change: asking it once now (for
  // nobody) lets the engine prepare for it (the reference engine builds its membership
  // index) before events wait on that.
  std::vector<std::future<engine::Memberships>> warming;
  for (const auto& [type, of_type] : set->by_type)
    for (std::size_t from = 0; from < of_type.audiences.size(); from += engine::kMaxMembershipAudiences)
      warming.push_back(engine_.memberships({{}, slice(of_type.audiences, from)}));
  for (auto& w : warming) try {
      engine::await(std::move(w), options_.engine_timeout);
    } catch (const std::exception&) {
      // A segment dropped meanwhile, or the engine away: the first events ask again.
    }
  set_.store(std::move(set));
}

std::size_t TriggerRunner::active() const { return set_.load()->all.size(); }

// Kept in this process only: a shared store already holds what this instance sent.
void TriggerRunner::remember_sent(const deliveries::SinkRecord& message) {
  cooldowns_.remembered(message.source_id, message.subscriber, message.event, message.at_ms);
}

void TriggerRunner::match_indexed(const Set& set, const std::vector<const engine::SubscriberEvent*>& events,
                                  Hits& hits) {
  std::map<std::string_view, Matched> by_type;
  for (const auto* e : events) by_type[e->type].add(e->subscriber, e->sequence);
  // One membership question per event type, with every segment of that type, all asked at
  // once (the engine answers them in parallel: its workers, or a remote engine's
  // connections), then the answers read.
  struct Asked {
    const Set::Triggers* triggers;
    std::size_t from;  // the first trigger asked (more than the engine takes in one call: several)
    const Matched* events;
    std::future<engine::Memberships> answer;
  };
  std::vector<Asked> asked;
  for (const auto& [type, of_type] : by_type) {
    const auto it = set.by_type.find(type);
    if (it == set.by_type.end()) continue;
    const auto& audiences = it->second.audiences;
    for (std::size_t from = 0; from < audiences.size(); from += engine::kMaxMembershipAudiences)
      asked.push_back(
          {&it->second.triggers, from, &of_type, engine_.memberships({of_type.subscribers, slice(audiences, from)})});
  }
  for (auto& a : asked) {
    const auto members = engine::await(std::move(a.answer), options_.engine_timeout);
    for (std::size_t s = 0; s < a.events->subscribers.size(); ++s)
      members.for_each(s, [&](std::size_t t) {
        hits[(*a.triggers)[a.from + t].get()].add(a.events->subscribers[s], a.events->sequences[s]);
      });
  }
}

void TriggerRunner::match_naive(const Set& set, const std::vector<const engine::SubscriberEvent*>& events, Hits& hits) {
  for (const auto* e : events)
    for (const auto& t : set.all) {
      if (t->record.event_type != e->type) continue;
      if (engine::await(engine_.memberships({{e->subscriber}, {t->record.engine_audience_id}}), options_.engine_timeout)
              .contains(0, 0))
        hits[t.get()].add(e->subscriber, e->sequence);
    }
}

void TriggerRunner::operator()(const std::vector<engine::SubscriberEvent>& events) {
  const auto set = set_.load();
  const auto now = now_ms();
  std::vector<const engine::SubscriberEvent*> fresh;
  if (!set->all.empty())
    for (const auto& e : events)
      if (e.type != "sms_reply" && e.at_ms >= now - options_.max_event_age_ms) fresh.push_back(&e);
  if (!fresh.empty()) {
    Hits hits;
    try {
      if (options_.indexed)
        match_indexed(*set, fresh, hits);
      else
        match_naive(*set, fresh, hits);
    } catch (const engine::AudienceNotFound& e) {
      // A trigger deleted meanwhile (its segment dropped): match again without it.
      observability::log_warn("trigger_segment_missing", {{"what", e.what()}});
      reload();
      return;
    }
    fire(hits, now, *policies_());
  }
  if (options_.count_flush_ms == 0) flush_counts();
}

void TriggerRunner::flush_counts() {
  std::unordered_map<std::string, triggers::TriggerCounts> pending;
  {
    std::lock_guard lock(counts_mutex_);
    pending.swap(pending_counts_);
  }
  std::vector<std::pair<std::string, triggers::TriggerCounts>> deltas;
  for (auto& [id, counts] : pending)
    if (!counts.empty()) deltas.emplace_back(id, counts);
  triggers_.add_trigger_counts(deltas);
}

// One pass over the hits of a batch of events. First what each trigger may still send
// (cooldown, quiet hours); then the engine's facts for all of them, one call per consent
// scope and product (triggers sharing an offer's terms share the call), all asked at once;
// then the decisions, as the answers are read; then one hand-over per channel.
struct TriggerRunner::Pass {
  struct Due {
    const ActiveTrigger* trigger;
    std::vector<std::uint64_t> subscribers, sequences;  // the event that made each one due
    deliveries::DecisionContext context;
    std::size_t ask;              // which facts call answers for them
    std::vector<std::size_t> at;  // where each subscriber is in that call's answer
  };
  struct Ask {
    engine::FactsQuery query;
    std::unordered_map<std::uint64_t, std::size_t> index;  // subscriber → position in the query
    std::future<std::vector<engine::SubscriberFacts>> answer;
  };
  struct Firing {
    const ActiveTrigger* trigger;
    std::vector<std::uint64_t> send, sequences;
    policy::CountingPeriods periods;
  };

  Pass(std::int64_t now_ms, const policy::PolicySnapshot& snapshot) : now(now_ms), policy(snapshot) {
    for (const auto c : policy::kChannels)
      open[static_cast<std::size_t>(c)] =
          policy::check_send_time(policy, c, policy::Seconds(std::chrono::seconds(now / 1000))).allowed;
  }

  std::int64_t now;
  const policy::PolicySnapshot& policy;
  std::array<bool, policy::kChannelCount> open{};
  std::unordered_map<std::string, triggers::TriggerCounts> counts;  // merged into pending_counts_ at the end
  std::vector<Due> dues;
  std::vector<Ask> asks;
  std::map<std::tuple<std::string_view, std::string_view, policy::Channel, std::string_view>, std::size_t> ask_of;
  std::vector<Firing> firings;
};

// The subscribers a trigger may still send to in this pass, with their events; the others
// counted by why not. An event the trigger has already answered for the subscriber (handed
// over again after a takeover or a restart) is cooling down too: it fires once.
TriggerRunner::Matched TriggerRunner::due_of(Pass& pass, const ActiveTrigger& t, const Matched& matched) {
  auto& counts = pass.counts[t.record.id];
  counts.matched += matched.subscribers.size();
  const auto cooling = cooldowns_.cooling(t.record.id, matched.subscribers, matched.sequences, pass.now,
                                          t.record.cooldown_seconds * 1000);
  Matched due;
  for (std::size_t i = 0; i < matched.subscribers.size(); ++i) {
    const auto s = matched.subscribers[i];
    const auto again = std::find(due.subscribers.begin(), due.subscribers.end(), s);
    if (cooling[i])
      ++counts.cooling_down;
    else if (!pass.open[static_cast<std::size_t>(t.channel)] || pass.now / 1000 > t.offer.valid_until)
      ++counts.quiet_hours;
    else if (again == due.subscribers.end())
      due.add(s, matched.sequences[i]);
    else {  // the same subscriber twice in one pass: one message, answering both events
      auto& sequence = due.sequences[static_cast<std::size_t>(again - due.subscribers.begin())];
      sequence = std::max(sequence, matched.sequences[i]);
      ++counts.cooling_down;
    }
  }
  return due;
}

// Which facts call answers for a trigger's due subscribers, and where each one is in it.
void TriggerRunner::plan(Pass& pass, const Hits& hits) {
  for (const auto& [trigger, matched] : hits) {
    const auto& t = *trigger;
    auto due = due_of(pass, t, matched);
    if (due.subscribers.empty()) continue;
    const auto context = deliveries::decision_context(pass.policy, policy::Capability::triggers, t.channel,
                                                      t.record.purpose, t.partner_category, pass.now / 1000);
    if (!context || !channels_[static_cast<std::size_t>(t.channel)]) {
      pass.counts[t.record.id].no_consent += due.subscribers.size();
      continue;
    }
    const auto [slot, added] = pass.ask_of.try_emplace(
        {t.record.purpose, t.partner_category, t.channel, t.offer.product_code}, pass.asks.size());
    if (added)
      pass.asks.push_back(
          {{{}, t.record.purpose, t.partner_category, std::string(policy::to_string(t.channel)), t.offer.product_code},
           {},
           {}});
    auto& ask = pass.asks[slot->second];
    std::vector<std::size_t> at;
    at.reserve(due.subscribers.size());
    for (const auto s : due.subscribers) {
      const auto [where, first] = ask.index.try_emplace(s, ask.query.subscribers.size());
      if (first) ask.query.subscribers.push_back(s);
      at.push_back(where->second);
    }
    pass.dues.push_back(
        {&t, std::move(due.subscribers), std::move(due.sequences), *context, slot->second, std::move(at)});
  }
}

// Asks every facts call at once, then decides each trigger's subscribers as answers come.
void TriggerRunner::decide(Pass& pass) {
  for (auto& ask : pass.asks) ask.answer = engine_.facts(ask.query);
  std::vector<std::vector<engine::SubscriberFacts>> answers;
  answers.reserve(pass.asks.size());
  for (auto& ask : pass.asks) answers.push_back(engine::await(std::move(ask.answer), options_.engine_timeout));
  std::vector<engine::SubscriberFacts> facts;
  std::vector<deliveries::Outcome> outcomes;
  for (auto& d : pass.dues) {
    facts.clear();
    for (const auto i : d.at) facts.push_back(answers[d.ask][i]);
    auto& counts = pass.counts[d.trigger->record.id];
    Pass::Firing f{d.trigger, {}, {}, d.context.periods};
    try {
      deliveries::decide_batch(d.context, d.subscribers, facts, overlay_, ledger_, outcomes);
    } catch (const deliveries::CapsUnavailable&) {
      // Fail-closed: nothing of this pass is sent. The follower hands the events over again
      // (with back-off) until the ledger answers; the slots already taken are given back.
      for (const auto& taken : pass.firings)
        deliveries::give_back(ledger_, taken.periods, taken.trigger->channel, taken.send);
      throw;
    }
    for (std::size_t i = 0; i < d.subscribers.size(); ++i) switch (outcomes[i]) {
        case deliveries::Outcome::send:
          f.send.push_back(d.subscribers[i]);
          f.sequences.push_back(d.sequences[i]);
          break;
        case deliveries::Outcome::no_consent: ++counts.no_consent; break;
        case deliveries::Outcome::capped: ++counts.capped; break;
        case deliveries::Outcome::ineligible: ++counts.ineligible; break;
      }
    if (!f.send.empty()) pass.firings.push_back(std::move(f));
  }
}

// One hand-over (and one flush to disk) per channel for the whole pass; what a channel
// refuses is given back to the frequency ledger.
void TriggerRunner::hand_over(Pass& pass, policy::Channel c) {
  std::vector<deliveries::MessageBatch> batches;
  std::vector<const Pass::Firing*> of;
  for (const auto& f : pass.firings)
    if (f.trigger->channel == c) {
      batches.push_back({f.trigger->record.id, f.trigger->offer.id, f.trigger->record.partner_id, c, f.trigger->text,
                         f.send, pass.now, f.sequences});
      of.push_back(&f);
    }
  if (batches.empty()) return;
  try {
    channels_[static_cast<std::size_t>(c)]->send(std::span<const deliveries::MessageBatch>(batches));
    for (const auto* f : of) {
      pass.counts[f->trigger->record.id].sent += f->send.size();
      cooldowns_.sent(f->trigger->record.id, f->send, f->sequences, pass.now,
                      f->trigger->record.cooldown_seconds * 1000);
    }
  } catch (const std::exception& e) {
    for (const auto* f : of) deliveries::give_back(ledger_, f->periods, c, f->send);
    observability::log_error("trigger_channel_failed",
                             {{"channel", std::string(policy::to_string(c))}, {"what", e.what()}});
  }
}

namespace {

constexpr const char* kOutcomes[] = {"matched",    "sent",         "no_consent", "capped",
                                     "ineligible", "cooling_down", "quiet_hours"};

const observability::LabelledCounter kFirings{
    "octopus_trigger_events_total",
    "Subscriber events that matched a trigger, by outcome: matched (all of them), sent, no_consent, capped, "
    "ineligible, cooling_down, quiet_hours.",
    "outcome",
    {kOutcomes[0], kOutcomes[1], kOutcomes[2], kOutcomes[3], kOutcomes[4], kOutcomes[5], kOutcomes[6]}};

}  // namespace

// One increment per outcome for the whole pass of events.
void TriggerRunner::count_firings(const Pass& pass) {
  std::array<std::uint64_t, 7> totals{};
  for (const auto& [id, c] : pass.counts) {
    totals[0] += c.matched;
    totals[1] += c.sent;
    totals[2] += c.no_consent;
    totals[3] += c.capped;
    totals[4] += c.ineligible;
    totals[5] += c.cooling_down;
    totals[6] += c.quiet_hours;
  }
  for (std::size_t i = 0; i < totals.size(); ++i)
    if (totals[i] > 0)
      observability::metrics().increment(kFirings.series(kOutcomes[i]), static_cast<double>(totals[i]));
}

void TriggerRunner::fire(const Hits& hits, std::int64_t now, const policy::PolicySnapshot& policy) {
  Pass pass(now, policy);
  pass.firings.reserve(hits.size());
  plan(pass, hits);
  decide(pass);
  for (const auto c : policy::kChannels) hand_over(pass, c);
  count_firings(pass);
  std::lock_guard lock(counts_mutex_);
  for (const auto& [id, c] : pass.counts) {
    auto& p = pending_counts_[id];
    p.matched += c.matched;
    p.sent += c.sent;
    p.no_consent += c.no_consent;
    p.capped += c.capped;
    p.ineligible += c.ineligible;
    p.cooling_down += c.cooling_down;
    p.quiet_hours += c.quiet_hours;
  }
}

}  // namespace octopus::triggers
