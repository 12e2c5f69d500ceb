// One endpoint's callbacks, sent by the endpoint's own threads over their own keep-alive
// connections: at most `per_endpoint_concurrency` attempts to one endpoint at a time, and an
// endpoint that hangs for its whole timeout holds only its own threads, never another
// endpoint's. Each thread claims a batch of due deliveries (never one another thread holds),
// attempts them in order, and records the batch's outcomes in one transaction.
#pragma once
#include <chrono>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/outbound_client.hpp"
#include "vocabulary/clock.hpp"
#include "webhooks/callback_signer.hpp"
#include "webhooks/retry_schedule.hpp"
#include "webhooks/webhook_delivery_repository.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

struct DispatchOptions {
  RetrySchedule::Waits retry_waits = RetrySchedule::default_waits();
  double retry_jitter = 0.2;
  std::chrono::milliseconds timeout{10000};  // per connect, handshake, write and read
  unsigned per_endpoint_concurrency = 2;
  std::size_t batch = 100;              // deliveries claimed (and recorded) at a time
  std::chrono::milliseconds poll{250};  // how often the outbox is looked at when nothing wakes it
  std::string ca_file;                  // trusted CAs for receivers' certificates; empty: the system's
  bool allow_loopback = false;          // development: loopback receivers
  // Whether this instance dispatches now (instances sharing a store: the one holding the
  // background lease). Empty: always.
  std::function<bool()> may_run;
};

struct LaneDeps {
  WebhookDeliveryRepository& deliveries;
  const CallbackSigner& signer;
  const Clock& clock;
};

class EndpointLane {
 public:
  EndpointLane(WebhookEndpoint endpoint, LaneDeps deps, const DispatchOptions& options);
  ~EndpointLane();  // stops and joins its threads (an attempt under way finishes first)
  EndpointLane(const EndpointLane&) = delete;
  EndpointLane& operator=(const EndpointLane&) = delete;

  // The endpoint as it now is (a rotated secret, new event types).
  void update(const WebhookEndpoint& endpoint);
  // Deliveries are due: threads that wait start claiming.
  void kick();
  // Tells the threads to stop after the attempt under way (the destructor joins them).
  void request_stop();

 private:
  void run();
  std::vector<WebhookDelivery> claim();
  void release(const std::vector<WebhookDelivery>& batch);
  void attempt(WebhookDelivery& d, std::unique_ptr<http::OutboundConnection>& connection, RetrySchedule& schedule);
  http::OutboundResponse post(const WebhookDelivery& d, std::unique_ptr<http::OutboundConnection>& connection);

  LaneDeps deps_;
  const DispatchOptions& options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  WebhookEndpoint endpoint_;
  std::set<std::string> claimed_;  // event ids a thread of this lane is attempting
  bool due_ = true;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace octopus::webhooks
