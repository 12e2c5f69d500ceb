// The request pipeline under every Client call: per attempt, take a connection, sign the
// request afresh (RFC 9421 + Content-Digest), send it, read the answer; between attempts,
// decide whether a retry is safe and wait. A POST carries one Idempotency-Key for the whole
// logical call, so a retried POST is answered once.
#pragma once
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "connection_pool.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/sdk/client.hpp"

namespace octopus::detail {

class Pipeline {
 public:
  Pipeline(const std::string& endpoint, const Credential& credential, ClientOptions options);

  // The final answer, whatever its status (after retries where they apply). Throws
  // TransportError when no answer came within the attempts and the deadline.
  RawResponse exchange(const std::string& method, const std::string& target, const std::string& body,
                       const CallOptions& options, const std::string& accept = "application/json");
  // exchange(), throwing ApiError unless the status is 2xx.
  RawResponse send(const std::string& method, const std::string& target, const std::string& body,
                   const CallOptions& options, const std::string& accept = "application/json");

  RateLimitState last_rate_limit() const;
  void log(LogLevel level, const std::string& line) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Call;  // one logical call: its key, deadline and attempts
  RawResponse attempt(Call& call);
  RawResponse exchange_on(ConnectionPool::Lease& lease, Call& call);
  std::vector<protocol::HeaderField> headers_for(const Call& call) const;
  void describe(RawResponse& response, int attempts);

  ClientOptions options_;
  ConnectionPool pool_;
  client::Credential credential_;
  std::string user_agent_;
  mutable std::mutex rate_limit_mutex_;
  RateLimitState last_rate_limit_;
};

}  // namespace octopus::detail
