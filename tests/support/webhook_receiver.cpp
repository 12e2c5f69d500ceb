#include "webhook_receiver.hpp"

namespace octopus::testing {

WebhookReceiver::WebhookReceiver(const std::string& directory) : server_(directory) { answer(200); }

void WebhookReceiver::answer(int status) {
  server_.respond_with([status](const RecordedRequest&) {
    return ScriptedAnswer{status, {}, status < 300 ? "" : "receiver says no"};
  });
}

std::vector<ReceivedCallback> WebhookReceiver::received() const {
  std::vector<ReceivedCallback> out;
  for (const auto& r : server_.requests())
    out.push_back({r.header("webhook-id"), r.header("webhook-timestamp"), r.header("webhook-signature"), r.body, r.at});
  return out;
}

}  // namespace octopus::testing
