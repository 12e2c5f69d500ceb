#include "webhooks/webhook_dispatcher.hpp"

#include <algorithm>

#include "observability/log.hpp"
#include "webhooks/webhook_payload.hpp"

namespace octopus::webhooks {

WebhookDispatcher::WebhookDispatcher(DispatcherDeps deps, DispatchOptions options)
    : deps_(deps), options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::start() {
  std::lock_guard lock(mutex_);
  if (scheduler_.joinable()) return;
  stopping_ = false;
  scheduler_ = std::thread([this] { run(); });
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    woken_.notify_all();
  }
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& [id, lane] : lanes_) lane->request_stop();  // all at once: their attempts end together
  lanes_.clear();
}

void WebhookDispatcher::wake() {
  std::lock_guard lock(mutex_);
  wake_ = true;
  woken_.notify_all();
}

std::size_t WebhookDispatcher::queue_outbox(const std::vector<WebhookEndpoint>& endpoints) {
  std::size_t queued = 0;
  auto through = deps_.deliveries.queued_through();
  std::multimap<std::string, const WebhookEndpoint*> by_partner;
  for (const auto& e : endpoints) by_partner.emplace(e.partner_id, &e);
  for (;;) {
    const auto items = deps_.ledger.outbox_after(through, options_.batch);
    if (items.empty()) return queued;
    std::vector<WebhookDelivery> deliveries;
    const auto now_ms = deps_.clock.unix_millis();
    for (const auto& item : items) {
      const auto [first, last] = by_partner.equal_range(item.event.partner_id);
      for (auto it = first; it != last; ++it)
        if (takes(*it->second, item.event.type))
          deliveries.push_back(settlement_delivery(*it->second, item, deps_.tokenizer, now_ms));
    }
    through = items.back().event.entry_sequence;
    deps_.deliveries.queue(deliveries, through);
    queued += deliveries.size();
  }
}

void WebhookDispatcher::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      wake_ = false;
    }
    try {
      if (options_.may_run && !options_.may_run()) {
        lanes_.clear();  // each lane stops once its attempt under way ends
        wait_for_work();
        continue;
      }
      auto endpoints = deps_.endpoints.active_endpoints();  // once a round, for both
      queue_outbox(endpoints);
      refresh_lanes(std::move(endpoints));
      kick_due_lanes();
    } catch (const std::exception& e) {
      observability::log_error("webhook_dispatch_failed", {{"error", e.what()}});
    }
    wait_for_work();
  }
}

// One lane per active endpoint: new endpoints get one, deleted ones lose theirs, the rest
// learn of rotated secrets.
void WebhookDispatcher::refresh_lanes(std::vector<WebhookEndpoint> endpoints) {
  std::map<std::string, WebhookEndpoint> active;
  for (auto& e : endpoints) active.emplace(e.id, std::move(e));
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    if (active.count(it->first) == 0) {
      it = lanes_.erase(it);
      continue;
    }
    it->second->update(active.at(it->first));
    ++it;
  }
  for (auto& [id, endpoint] : active)
    if (lanes_.count(id) == 0)
      lanes_.emplace(id, std::make_unique<EndpointLane>(
                             std::move(endpoint), LaneDeps{deps_.deliveries, deps_.signer, deps_.clock}, options_));
}

void WebhookDispatcher::kick_due_lanes() {
  for (const auto& id : deps_.deliveries.endpoints_due(deps_.clock.unix_millis())) {
    const auto lane = lanes_.find(id);
    if (lane != lanes_.end()) lane->second->kick();
  }
}

// Until something wakes the dispatcher, the poll interval passes, or the next retry falls
// due, whichever is first (never less than 10 ms, so due deliveries a lane is already
// attempting do not make the scheduler spin).
void WebhookDispatcher::wait_for_work() {
  auto wait = options_.poll;
  try {
    if (const auto next = deps_.deliveries.next_due_ms()) {
      const auto until_next = std::chrono::milliseconds(*next - deps_.clock.unix_millis());
      wait = std::clamp(until_next, std::chrono::milliseconds(10), options_.poll);
    }
  } catch (const std::exception&) {
    // The store is failing: the next round logs it.
  }
  std::unique_lock lock(mutex_);
  woken_.wait_for(lock, wait, [&] { return stopping_ || wake_; });
}

}  // namespace octopus::webhooks
