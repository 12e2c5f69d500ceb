#include "deliveries/opt_out.hpp"

#include <algorithm>
#include <cctype>

#include "observability/log.hpp"

namespace octopus::deliveries {

bool is_opt_out_reply(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text == "退订") return true;
  return text.size() == 2 && (text[0] == 'T' || text[0] == 't') && (text[1] == 'D' || text[1] == 'd');
}

void OptOutListener::operator()(const std::vector<engine::SubscriberEvent>& events) {
  std::shared_ptr<const policy::PolicySnapshot> policy;
  for (const auto& e : events) {
    if (e.type != "sms_reply") continue;
    auto text = e.detail.find("text");
    if (text == e.detail.end() || !is_opt_out_reply(text->second)) continue;
    if (!policy) policy = policies_();
    // The stream hands a batch over again when a listener after this one failed: a reply
    // already recorded (the same scope, state and time) is not recorded twice.
    const auto recorded = changes_.overlay().changes_of(e.subscriber);
    for (const auto& purpose : policy->consent.purposes)
      for (const auto& category : policy->consent.categories) {
        if (std::any_of(recorded.begin(), recorded.end(), [&](const ConsentChange& r) {
              return r.purpose == purpose && r.channel == "sms" && r.partner_category == category &&
                     r.state == "withdrawn" && r.actor == "sms-reply" && r.at == e.at_ms / 1000;
            }))
          continue;
        deliveries::ConsentChange c;
        c.subscriber = e.subscriber;
        c.purpose = purpose;
        c.channel = "sms";
        c.partner_category = category;
        c.state = "withdrawn";
        c.actor = "sms-reply";
        c.reason = "TD reply";
        c.at = e.at_ms / 1000;
        changes_.record(std::move(c));
      }
    ++opt_outs_;
    // The subscriber is not named in the log: the event's sequence identifies it for operators.
    observability::log_info("opt_out_recorded", {{"event_sequence", e.sequence}});
  }
}

}  // namespace octopus::deliveries
