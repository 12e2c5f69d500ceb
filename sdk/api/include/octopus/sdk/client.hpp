/// @file
/// octopus::Client: the partner's handle on the gateway. Every operation of the partner API
/// is a typed method (inherited from PartnerOperations); each call is signed (RFC 9421,
/// Ed25519, with Content-Digest), retried when that is safe, and bounded by a deadline.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "octopus/sdk/call_options.hpp"
#include "octopus/sdk/errors.hpp"
#include "octopus/sdk/operations.hpp"

namespace octopus {

/// The partner's key id and Ed25519 private key (the key whose public half the operator
/// registered). The key bytes are wiped when the last copy goes. Every factory throws
/// std::invalid_argument for an empty key id.
class Credential {
 public:
  /// From a PKCS#8 PEM "PRIVATE KEY" block. Throws std::invalid_argument unless Ed25519.
  static Credential from_pem(std::string key_id, const std::string& pem);
  /// From a PEM file (as written by `octopus keygen`). Throws std::invalid_argument.
  static Credential from_pem_file(std::string key_id, const std::string& path);
  /// From the 32-byte RFC 8032 seed.
  static Credential from_seed(std::string key_id, const std::array<std::uint8_t, 32>& seed);

  /// A copy (the key bytes are copied too).
  Credential(const Credential&);
  /// Replaces this credential by a copy of `other`.
  Credential& operator=(const Credential&);
  /// Wipes the key bytes.
  ~Credential();

  /// The key id, sent as the signature's `keyid`.
  const std::string& key_id() const noexcept { return key_id_; }
  /// The public key to register with the operator, standard base64 of its 32 bytes.
  std::string public_key_base64() const;
  /// The 32-byte seed (the private key): handle with care.
  const std::array<std::uint8_t, 32>& seed() const noexcept { return seed_; }

 private:
  Credential(std::string key_id, const std::array<std::uint8_t, 32>& seed);
  std::string key_id_;
  std::array<std::uint8_t, 32> seed_{};
};

/// A fresh key pair for a new partner key.
struct KeyPair {
  std::string private_key_pem;    ///< PKCS#8 PEM: keep it secret (write it 0600)
  std::string public_key_base64;  ///< give this to the operator
};
/// Makes a new Ed25519 key pair.
KeyPair generate_key_pair();

/// When and how often a call is retried. Retried: connection failures, 408, 409
/// `idempotency-key-in-flight`, 429 `rate-limited` (never `quota-exhausted`), 502, 503, 504.
/// Waits grow exponentially with full jitter; a Retry-After from the gateway is honoured.
struct RetryPolicy {
  int max_attempts = 4;                            ///< attempts in all, the first included
  std::chrono::milliseconds initial_backoff{250};  ///< ceiling of the first wait
  /// No computed wait is longer than this. A Retry-After from the gateway is honoured as
  /// sent, unless it would pass the call's deadline (then the answer is returned at once).
  std::chrono::milliseconds max_backoff{20000};
};

/// Severity of a log line from the SDK.
enum class LogLevel { debug, info, warning };

/// How the Client behaves; every member has a working default.
struct ClientOptions {
  /// Time for a whole call, retries and waits included. No attempt starts after it and
  /// no wait runs past it; each network step of the last attempt is limited to the time
  /// left when that attempt began, so a call can overrun it by at most that much.
  std::chrono::milliseconds call_deadline{30000};
  /// Time for one connect, TLS handshake, write or read.
  std::chrono::milliseconds attempt_timeout{10000};
  RetryPolicy retry;  ///< what is retried, how often and how long to wait
  /// PEM bundle to trust; empty: the system's trust store.
  std::string ca_file;
  /// Name to check the gateway's certificate against; empty: the endpoint's host.
  std::string server_name;
  /// Appended to the User-Agent ("octopus-sdk-cpp/1.0.0 <suffix>").
  std::string user_agent_suffix;
  /// Receives the SDK's log lines (retries, reconnects); never secrets or bodies.
  std::function<void(LogLevel, const std::string&)> logger;
  /// Kept-alive connections held for reuse (calls beyond this open and close their own).
  std::size_t pool_size = 4;
  /// A kept connection idle this long is closed rather than reused (the gateway closes
  /// idle connections after 30 s).
  std::chrono::milliseconds idle_timeout{25000};
};

/// How a wait-until-done helper polls.
struct WaitOptions {
  std::chrono::milliseconds poll_interval{500};  ///< time between two looks
  /// Give up after this long: the helper throws octopus::Error saying the resource's status.
  std::chrono::milliseconds timeout{600000};
  /// Called after each poll with the progress (0..1) and the status.
  std::function<void(double progress, const std::string& status)> on_progress;
};

/// The answer to a raw call (Client::call): status, headers and body, whatever they are.
struct RawResponse {
  int status = 0;                                            ///< HTTP status
  std::vector<std::pair<std::string, std::string>> headers;  ///< as received, in order
  std::string body;                                          ///< as received
  ResponseInfo info;                                         ///< request id, attempts, rate limit
  /// First header with this name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

/// The gateway client. Thread-safe: share one between threads; it keeps a pool of
/// kept-alive connections and reconnects transparently when the gateway closed one.
class Client : public PartnerOperations {
 public:
  /// `endpoint` is "https://host[:port]" (or "host:port"). Connects lazily, on first call.
  /// Throws std::invalid_argument for a malformed endpoint or RetryPolicy::max_attempts < 1.
  Client(const std::string& endpoint, Credential credential, ClientOptions options = {});
  /// Closes the kept connections (pagers still alive keep their own reference).
  ~Client();
  /// Takes over the other's connections and settings; the moved-from Client may then only
  /// be destroyed or assigned to.
  Client(Client&&) noexcept;
  /// Takes over the other's connections and settings (the same rule for the moved-from one).
  Client& operator=(Client&&) noexcept;

  /// A signed request to any path ("/v1/..."), with the same retries and deadline. Returns
  /// whatever the gateway answered (problems included, not thrown); throws TransportError,
  /// and std::invalid_argument when `target` does not start with '/'.
  RawResponse call(const std::string& method, const std::string& target, const std::string& json_body = {},
                   const CallOptions& options = {});

  /// Polls an audience until it is `ready` or `failed`, reporting progress; returns it.
  Audience wait_for_audience(const std::string& id, const WaitOptions& wait = {});
  /// Polls a delivery until it is `completed`, `cancelled` or `failed`; returns it.
  Delivery wait_for_delivery(const std::string& id, const WaitOptions& wait = {});

  /// The plan's state as the most recent response that carried RateLimit headers (from
  /// any thread) reported it; empty before the first.
  RateLimitState last_rate_limit() const;
};

}  // namespace octopus
