#include "octopus/sdk/webhook_verifier.hpp"

#include <ctime>
#include <stdexcept>

#include "octopus/protocol/standard_webhooks.hpp"

namespace octopus {

struct WebhookVerifier::State {
  std::vector<protocol::WebhookSecret> secrets;
  std::vector<protocol::Ed25519PublicKey> keys;
  std::int64_t tolerance_seconds = 300;
  std::function<bool(const std::string&)> first_time;
  std::function<std::int64_t()> now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
};

WebhookVerifier::WebhookVerifier(const std::vector<std::string>& secrets) : state_(std::make_unique<State>()) {
  for (const auto& text : secrets) {
    auto secret = protocol::WebhookSecret::parse(text);
    if (!secret) throw std::invalid_argument("not a webhook secret (whsec_ followed by base64 of 24 to 64 bytes)");
    state_->secrets.push_back(std::move(*secret));
  }
}

WebhookVerifier::~WebhookVerifier() = default;
WebhookVerifier::WebhookVerifier(const WebhookVerifier& other) : state_(std::make_unique<State>(*other.state_)) {}
WebhookVerifier& WebhookVerifier::operator=(const WebhookVerifier& other) {
  state_ = std::make_unique<State>(*other.state_);
  return *this;
}

WebhookVerifier& WebhookVerifier::add_public_key(const std::string& whpk) {
  const auto key = protocol::parse_webhook_public_key(whpk);
  if (!key) throw std::invalid_argument("not a webhook signing key (whpk_ followed by base64 of 32 bytes)");
  state_->keys.push_back(*key);
  return *this;
}

WebhookVerifier& WebhookVerifier::tolerance(std::chrono::seconds seconds) {
  state_->tolerance_seconds = seconds.count();
  return *this;
}

WebhookVerifier& WebhookVerifier::replay_guard(std::function<bool(const std::string&)> first_time) {
  state_->first_time = std::move(first_time);
  return *this;
}

WebhookVerifier& WebhookVerifier::clock(std::function<std::int64_t()> unix_seconds) {
  state_->now = std::move(unix_seconds);
  return *this;
}

namespace {

// The better of two verdicts: valid beats everything, a stale timestamp is reported over a
// bad signature (it says more), malformed only when nothing else was learnt.
protocol::WebhookVerdict better(protocol::WebhookVerdict a, protocol::WebhookVerdict b) {
  using V = protocol::WebhookVerdict;
  for (const V v : {V::valid, V::stale_timestamp, V::bad_signature})
    if (a == v || b == v) return v;
  return V::malformed;
}

}  // namespace

void WebhookVerifier::verify(const WebhookHeaders& headers, const std::string& body) const {
  const auto& s = *state_;
  if (s.secrets.empty() && s.keys.empty())
    throw WebhookVerificationError(WebhookRejection::malformed, "the verifier has no secret and no public key");
  const auto now = s.now();
  auto verdict = protocol::WebhookVerdict::malformed;
  if (!s.secrets.empty())
    verdict = protocol::verify_webhook(s.secrets, headers.id, headers.timestamp, body, headers.signature, now,
                                       s.tolerance_seconds);
  if (verdict != protocol::WebhookVerdict::valid && !s.keys.empty())
    verdict = better(verdict, protocol::verify_webhook_v1a(s.keys, headers.id, headers.timestamp, body,
                                                           headers.signature, now, s.tolerance_seconds));
  switch (verdict) {
    case protocol::WebhookVerdict::valid: break;
    case protocol::WebhookVerdict::stale_timestamp:
      throw WebhookVerificationError(WebhookRejection::stale, "webhook-timestamp is outside the tolerance");
    case protocol::WebhookVerdict::bad_signature:
      throw WebhookVerificationError(WebhookRejection::bad_signature, "no signature matches a secret or key");
    case protocol::WebhookVerdict::malformed:
      throw WebhookVerificationError(WebhookRejection::malformed, "the webhook headers are missing or unreadable");
  }
  if (s.first_time && !s.first_time(headers.id))
    throw WebhookVerificationError(WebhookRejection::replayed, "webhook-id " + headers.id + " was seen already");
}

bool WebhookVerifier::is_valid(const WebhookHeaders& headers, const std::string& body) const noexcept {
  try {
    verify(headers, body);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace octopus
