#include "webhooks/endpoint_lane.hpp"

#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::webhooks {

namespace {
const observability::LabelledCounter kAttempts{
    "octopus_webhook_attempts_total",
    "Callback attempts to partners' webhook endpoints, by outcome: delivered, failed (a retry is scheduled), dead "
    "(the last retry failed: dead-lettered).",
    "outcome",
    {"delivered", "failed", "dead"}};

void count_attempt(std::string_view outcome) { observability::metrics().increment(kAttempts.series(outcome)); }
}  // namespace

EndpointLane::EndpointLane(WebhookEndpoint endpoint, LaneDeps deps, const DispatchOptions& options)
    : deps_(deps), options_(options), endpoint_(std::move(endpoint)) {
  for (unsigned i = 0; i < std::max(1u, options_.per_endpoint_concurrency); ++i)
    threads_.emplace_back([this] { run(); });
}

EndpointLane::~EndpointLane() {
  request_stop();
  for (auto& t : threads_) t.join();
}

void EndpointLane::request_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  wake_.notify_all();
}

void EndpointLane::update(const WebhookEndpoint& endpoint) {
  std::lock_guard lock(mutex_);
  endpoint_ = endpoint;
}

void EndpointLane::kick() {
  std::lock_guard lock(mutex_);
  due_ = true;
  wake_.notify_all();
}

void EndpointLane::run() {
  RetrySchedule schedule(options_.retry_waits, options_.retry_jitter);
  std::unique_ptr<http::OutboundConnection> connection;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || due_; });
      if (stopping_) return;
    }
    auto batch = claim();
    std::vector<WebhookDelivery> attempted;
    for (auto& d : batch) {
      if (std::lock_guard lock(mutex_); stopping_) break;
      attempt(d, connection, schedule);
      attempted.push_back(d);
    }
    try {
      deps_.deliveries.record(attempted);
    } catch (const std::exception& e) {
      // Not recorded: those deliveries stay due and are attempted again (at least once).
      observability::log_error("webhook_record_failed", {{"endpoint", endpoint_.id}, {"error", e.what()}});
    }
    release(batch);
  }
}

// Due deliveries no other thread of this lane holds; none left means the lane waits for the
// next kick.
std::vector<WebhookDelivery> EndpointLane::claim() {
  std::lock_guard lock(mutex_);
  std::vector<WebhookDelivery> batch;
  try {
    auto rows = deps_.deliveries.due(endpoint_.id, deps_.clock.unix_millis(), options_.batch + claimed_.size());
    for (auto& d : rows) {
      if (batch.size() == options_.batch) break;
      if (claimed_.insert(d.event_id).second) batch.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    observability::log_error("webhook_claim_failed", {{"endpoint", endpoint_.id}, {"error", e.what()}});
  }
  if (batch.empty()) due_ = false;
  return batch;
}

void EndpointLane::release(const std::vector<WebhookDelivery>& batch) {
  std::lock_guard lock(mutex_);
  for (const auto& d : batch) claimed_.erase(d.event_id);
}

void EndpointLane::attempt(WebhookDelivery& d, std::unique_ptr<http::OutboundConnection>& connection,
                           RetrySchedule& schedule) {
  d.last_status = 0;
  d.last_error.clear();
  try {
    const auto response = post(d, connection);
    d.last_status = response.status;
    if (response.status < 200 || response.status > 299)
      d.last_error = "HTTP " + std::to_string(response.status) + (response.body.empty() ? "" : ": ") +
                     response.body.substr(0, 200);
  } catch (const http::OutboundError& e) {
    d.last_error = e.what();
  }
  const auto now_ms = deps_.clock.unix_millis();
  d.attempts += 1;
  d.updated_at = now_ms / 1000;
  if (d.last_error.empty()) {
    d.state = DeliveryState::delivered;
    return count_attempt("delivered");
  }
  if (const auto wait = schedule.wait_after(d.attempts)) {
    d.next_attempt_at_ms = now_ms + wait->count();
    return count_attempt("failed");
  }
  d.state = DeliveryState::dead;
  count_attempt("dead");
  observability::log_warn(
      "webhook_dead_letter",
      {{"endpoint", d.endpoint_id}, {"event", d.event_id}, {"attempts", d.attempts}, {"error", d.last_error}});
}

// Over the thread's kept-alive connection; one the receiver closed while idle is replaced
// and the post made once more on a fresh one before the attempt counts as failed.
http::OutboundResponse EndpointLane::post(const WebhookDelivery& d,
                                          std::unique_ptr<http::OutboundConnection>& connection) {
  WebhookEndpoint endpoint;
  {
    std::lock_guard lock(mutex_);
    endpoint = endpoint_;
  }
  for (int tries = 0;; ++tries) {
    const bool reused = connection && connection->usable();
    if (!reused) {
      connection.reset();
      std::string why;
      const auto url = http::parse_outbound_url(endpoint.url, options_.allow_loopback, why);
      if (!url) throw http::OutboundError("the endpoint's URL is refused: " + why);
      connection = std::make_unique<http::OutboundConnection>(
          *url, http::OutboundOptions{options_.timeout, options_.ca_file, options_.allow_loopback});
    }
    const auto headers = deps_.signer.headers(endpoint, d.event_id, deps_.clock.unix_seconds(), d.payload);
    try {
      return connection->post(headers, d.payload);
    } catch (const http::OutboundError&) {
      connection.reset();
      if (!reused || tries > 0) throw;
    }
  }
}

}  // namespace octopus::webhooks
