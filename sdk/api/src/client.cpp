#include "octopus/sdk/client.hpp"

#include <thread>

#include "ascii.hpp"
#include "operation_support.hpp"

namespace octopus {

std::string RawResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (detail::iequals(key, name)) return value;
  return {};
}

Client::Client(const std::string& endpoint, Credential credential, ClientOptions options)
    : PartnerOperations(std::make_shared<detail::Pipeline>(endpoint, credential, std::move(options))) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

RawResponse Client::call(const std::string& method, const std::string& target, const std::string& json_body,
                         const CallOptions& options) {
  return pipeline_->exchange(method, target, json_body, options);
}

RateLimitState Client::last_rate_limit() const { return pipeline_->last_rate_limit(); }

namespace {

// Polls `get` until `finished` says so, reporting progress, within wait.timeout.
template <class Model, class Get, class Finished>
Model poll_until(Get get, Finished finished, const WaitOptions& wait, const std::string& what) {
  const auto give_up = std::chrono::steady_clock::now() + wait.timeout;
  for (;;) {
    Model current = get();
    if (wait.on_progress) wait.on_progress(current.progress, current.status);
    if (finished(current.status)) return current;
    if (std::chrono::steady_clock::now() + wait.poll_interval > give_up)
      throw Error(what + " is still " + current.status + " after " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait.timeout).count()) + " s");
    std::this_thread::sleep_for(wait.poll_interval);
  }
}

}  // namespace

Audience Client::wait_for_audience(const std::string& id, const WaitOptions& wait) {
  return poll_until<Audience>([&] { return get_audience(id); },
                              [](const std::string& s) { return s == "ready" || s == "failed"; }, wait,
                              "audience " + id);
}

Delivery Client::wait_for_delivery(const std::string& id, const WaitOptions& wait) {
  return poll_until<Delivery>(
      [&] { return get_delivery(id); },
      [](const std::string& s) { return s == "completed" || s == "cancelled" || s == "failed"; }, wait,
      "delivery " + id);
}

}  // namespace octopus
