/// @file
/// Verifies the gateway's callbacks (Standard Webhooks): `v1` (HMAC-SHA256 with the
/// endpoint's `whsec_` secret) and `v1a` (Ed25519 with the operator's published `whpk_`
/// key). Needs no Client.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "octopus/sdk/errors.hpp"

namespace octopus {

/// Why a callback was refused.
enum class WebhookRejection {
  malformed,      ///< a header missing or unreadable, or a secret/key unusable
  stale,          ///< the timestamp is outside the tolerance
  bad_signature,  ///< no signature made with any of the secrets or keys
  replayed,       ///< the replay hook said this webhook-id was seen already
};

/// Thrown by WebhookVerifier::verify.
class WebhookVerificationError : public Error {
 public:
  /// Why, and a sentence saying so.
  WebhookVerificationError(WebhookRejection reason, const std::string& what) : Error(what), reason_(reason) {}
  /// Why the callback was refused.
  WebhookRejection reason() const noexcept { return reason_; }

 private:
  WebhookRejection reason_;
};

/// The three headers of a callback.
struct WebhookHeaders {
  std::string id;         ///< webhook-id (the same on every retry: deduplicate on it)
  std::string timestamp;  ///< webhook-timestamp (Unix seconds)
  std::string signature;  ///< webhook-signature
};

/// Checks callbacks against one or more secrets (two while a secret is rotated) and/or
/// the operator's Ed25519 public keys. Configure it first; then verify() may be called from
/// several threads at once (the replay guard, if any, must then be thread-safe itself).
class WebhookVerifier {
 public:
  /// `secrets` as shown when the endpoint was created or rotated ("whsec_..."). Throws
  /// std::invalid_argument for a malformed secret.
  explicit WebhookVerifier(const std::vector<std::string>& secrets = {});
  ~WebhookVerifier();
  /// A verifier with the same secrets, keys and settings.
  WebhookVerifier(const WebhookVerifier&);
  /// Takes the other's secrets, keys and settings.
  WebhookVerifier& operator=(const WebhookVerifier&);

  /// Also accept `v1a` signatures by this key ("whpk_...", GET /v1/webhook-signing-keys).
  WebhookVerifier& add_public_key(const std::string& whpk);
  /// Accepted distance between the timestamp and now (default 5 minutes).
  WebhookVerifier& tolerance(std::chrono::seconds seconds);
  /// Called with each verified webhook-id; return false to refuse it as a replay (e.g. a
  /// set of ids seen within the tolerance).
  WebhookVerifier& replay_guard(std::function<bool(const std::string& id)> first_time);
  /// The clock to check timestamps against (tests); default the system clock.
  WebhookVerifier& clock(std::function<std::int64_t()> unix_seconds);

  /// Returns normally when the callback is authentic and fresh; throws
  /// WebhookVerificationError saying why not.
  void verify(const WebhookHeaders& headers, const std::string& body) const;
  /// Same, as a boolean.
  bool is_valid(const WebhookHeaders& headers, const std::string& body) const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace octopus
