// Sends partners their callbacks. One scheduler thread moves the ledger's outbox into
// per-endpoint deliveries (queued together with the outbox position, so nothing is queued
// twice or skipped across a crash), keeps one lane per active endpoint, and kicks the lanes
// whose deliveries are due; the lanes send (endpoint_lane.hpp). An endpoint registered after
// an event was queued does not receive it unless the partner replays that time range.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "settlement/ledger_repository.hpp"
#include "tokens/partner_token.hpp"
#include "webhooks/endpoint_lane.hpp"

namespace octopus::webhooks {

struct DispatcherDeps {
  settlement::LedgerRepository& ledger;
  WebhookEndpointRepository& endpoints;
  WebhookDeliveryRepository& deliveries;
  const tokens::PartnerTokenizer& tokenizer;
  const CallbackSigner& signer;
  const Clock& clock;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(DispatcherDeps deps, DispatchOptions options);
  ~WebhookDispatcher();  // stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void start();
  // Stops the scheduler and every lane (attempts under way finish first, bounded by the
  // timeout); deliveries not yet recorded stay due for the next start.
  void stop();
  // Something new to send (an entry settled, a replay or ping queued): look now.
  void wake();

  // Queues every outbox event beyond the queued position for `endpoints` (the active ones);
  // how many deliveries it made.
  std::size_t queue_outbox(const std::vector<WebhookEndpoint>& endpoints);

 private:
  void run();
  void refresh_lanes(std::vector<WebhookEndpoint> endpoints);
  void kick_due_lanes();
  void wait_for_work();

  DispatcherDeps deps_;
  DispatchOptions options_;
  std::map<std::string, std::unique_ptr<EndpointLane>> lanes_;  // by endpoint id; scheduler thread only
  std::mutex mutex_;
  std::condition_variable woken_;
  bool wake_ = false;
  bool stopping_ = false;
  std::thread scheduler_;
};

}  // namespace octopus::webhooks
