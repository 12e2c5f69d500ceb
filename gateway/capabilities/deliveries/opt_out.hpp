// Opt-out by SMS reply: a subscriber who answers "TD" (退订, "unsubscribe") to a message
// withdraws consent to SMS from every partner, for every purpose, at once: the reply does
// not say which offer it answers, so only the widest reading is safe. The withdrawal is
// recorded (Store, then the overlay every later decision reads), so deliveries still
// running skip the subscriber from their next batch on.
#pragma once
#include <string_view>
#include <vector>

#include "deliveries/consent_overlay.hpp"
#include "deliveries/delivery_runner.hpp"

namespace octopus::deliveries {

// "TD", "td", " TD ", "退订": the replies the operator's SMS footer asks for.
bool is_opt_out_reply(std::string_view text);

class OptOutListener {
 public:
  OptOutListener(ConsentChanges& changes, PolicySource policies) : changes_(changes), policies_(std::move(policies)) {}
  void operator()(const std::vector<engine::SubscriberEvent>& events);
  std::uint64_t opt_outs() const { return opt_outs_; }

 private:
  ConsentChanges& changes_;
  PolicySource policies_;
  std::uint64_t opt_outs_ = 0;
};

}  // namespace octopus::deliveries
