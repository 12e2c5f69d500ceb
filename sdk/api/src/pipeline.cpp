#include "pipeline.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "octopus/protocol/message_signatures.hpp"
#include "octopus/sdk/version.hpp"
#include "rate_limit.hpp"
#include "retry_rules.hpp"

namespace octopus::detail {

struct Pipeline::Call {
  const std::string& method;
  const std::string& target;
  const std::string& body;
  const std::string& accept;
  const CallOptions& options;
  std::optional<std::string> idempotency_key;
  Clock::time_point deadline;
  // Sending it twice does no harm: an idempotent method, or a POST with its key.
  bool repeatable = false;

  std::chrono::milliseconds remaining() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  }
};

namespace {

// The pool for `endpoint`, parsed once; its certificate is checked for `server_name` or the host.
ConnectionPool make_pool(const std::string& endpoint, const ClientOptions& options) {
  auto parsed = parse_endpoint(endpoint);
  client::TlsOptions tls;
  tls.ca_file = options.ca_file;
  tls.server_name = options.server_name.empty() ? parsed.host : options.server_name;
  tls.timeout = options.attempt_timeout;
  return ConnectionPool(std::move(parsed), std::move(tls), options.pool_size, options.idle_timeout);
}

client::Credential signing_credential(const Credential& credential) {
  return {credential.key_id(), protocol::Ed25519PrivateKey::from_seed(credential.seed())};
}

// Idempotency-Key is sent as an RFC 8941 string: visible ASCII without quotes or backslashes.
std::string checked_key(const std::string& key) {
  if (key.empty() || key.size() > 255) throw std::invalid_argument("an Idempotency-Key has 1 to 255 characters");
  for (const unsigned char c : key)
    if (c <= 0x20 || c > 0x7e || c == '"' || c == '\\')
      throw std::invalid_argument("an Idempotency-Key holds visible ASCII other than spaces, quotes and backslashes");
  return key;
}

// What goes on the request line and into headers is checked, so that no value can end a
// header early and smuggle another request onto a shared connection.
void check_request(const std::string& method, const std::string& target, const CallOptions& options) {
  const bool method_ok = !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c);
  });
  if (!method_ok) throw std::invalid_argument("'" + method + "' is not an HTTP method");
  if (target.empty() || target.front() != '/' || target.size() > 8192 ||
      !std::all_of(target.begin(), target.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; }))
    throw std::invalid_argument(
        "the target must be a path starting with '/', in visible ASCII (percent-encode the rest)");
  const auto& c = options.correlator;
  if (c.size() > 256 || !std::all_of(c.begin(), c.end(), [](unsigned char ch) {
        return std::isalnum(ch) || std::strchr("-_:;./<>{}", ch);
      }))
    throw std::invalid_argument("an x-correlator has at most 256 of A-Z a-z 0-9 - _ : ; . / < > { }");
}

bool idempotent_method(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE";
}

// The problem type's last segment, read only where it decides a retry (409 and 429).
std::string problem_slug(const RawResponse& response) {
  if (response.status != 409 && response.status != 429) return {};
  const auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return {};
  const auto type = j["type"].get<std::string>();
  return type.substr(type.rfind('/') + 1);
}

}  // namespace

Pipeline::Pipeline(const std::string& endpoint, const Credential& credential, ClientOptions options)
    : options_(std::move(options)),
      pool_(make_pool(endpoint, options_)),
      credential_(signing_credential(credential)),
      user_agent_(std::string("octopus-sdk-cpp/") + OCTOPUS_SDK_VERSION +
                  (options_.user_agent_suffix.empty() ? "" : " " + options_.user_agent_suffix)) {
  if (options_.retry.max_attempts < 1) throw std::invalid_argument("RetryPolicy::max_attempts must be at least 1");
  if (!options_.ca_file.empty()) {
    // A mistyped path is a setting to fix, not a network failure to retry.
    std::ifstream ca(options_.ca_file);
    std::string pem((std::istreambuf_iterator<char>(ca)), std::istreambuf_iterator<char>());
    if (!ca || pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw std::invalid_argument("ca_file '" + options_.ca_file + "' is not a readable PEM certificate bundle");
  }
}

void Pipeline::log(LogLevel level, const std::string& line) const {
  if (options_.logger) options_.logger(level, line);
}

RateLimitState Pipeline::last_rate_limit() const {
  std::lock_guard lock(rate_limit_mutex_);
  return last_rate_limit_;
}

RawResponse Pipeline::send(const std::string& method, const std::string& target, const std::string& body,
                           const CallOptions& options, const std::string& accept) {
  auto response = exchange(method, target, body, options, accept);
  if (response.status < 200 || response.status > 299) throw ApiError(response.info, response.body);
  return response;
}

RawResponse Pipeline::exchange(const std::string& method, const std::string& target, const std::string& body,
                               const CallOptions& options, const std::string& accept) {
  check_request(method, target, options);
  Call call{method,
            target,
            body,
            accept,
            options,
            std::nullopt,
            Clock::now() + options.deadline.value_or(options_.call_deadline)};
  if (method == "POST")
    call.idempotency_key = checked_key(options.idempotency_key.value_or(protocol::generate_nonce()));
  call.repeatable = idempotent_method(method) || call.idempotency_key.has_value();
  std::string last_failure;
  for (int attempt_no = 1;; ++attempt_no) {
    std::optional<RawResponse> response;
    std::optional<long> retry_after;
    try {
      response = attempt(call);
      describe(*response, attempt_no);
      if (options.response) *options.response = response->info;
      if (!call.repeatable || !is_retryable(response->status, problem_slug(*response))) return std::move(*response);
      retry_after = response->info.retry_after;
      last_failure = "HTTP " + std::to_string(response->status);
    } catch (const client::TransportError& e) {
      last_failure = e.what();
    }
    const auto wait = retry_delay(options_.retry, attempt_no + 1, retry_after);
    const bool out_of_time = wait >= call.remaining();
    if (attempt_no >= options_.retry.max_attempts || out_of_time || !call.repeatable) {
      if (response) return std::move(*response);
      throw TransportError(method + " " + target + " failed after " + std::to_string(attempt_no) +
                               (attempt_no == 1 ? " attempt" : " attempts") + (out_of_time ? " (deadline)" : "") +
                               ": " + last_failure,
                           attempt_no);
    }
    log(LogLevel::info, method + " " + target + ": " + last_failure + "; retry " + std::to_string(attempt_no) + " in " +
                            std::to_string(wait.count()) + " ms");
    std::this_thread::sleep_for(wait);
  }
}

// One attempt, every step of it within the attempt's time. A kept connection the gateway
// closed meanwhile (closed before a byte of answer: the request went unanswered) is replaced
// and the request sent once more, within the same attempt; a timeout is never re-sent here.
RawResponse Pipeline::attempt(Call& call) {
  const auto budget = std::min(options_.attempt_timeout, call.remaining());
  if (budget.count() <= 0) throw client::TransportError("the call's deadline passed");
  const auto attempt_deadline = Clock::now() + budget;
  auto lease = pool_.acquire(options_.attempt_timeout, attempt_deadline);
  if (!lease.reused || !call.repeatable) return exchange_on(lease, call);
  try {
    return exchange_on(lease, call);
  } catch (const client::ConnectionClosed& e) {
    log(LogLevel::debug, std::string("kept connection closed by the gateway (") + e.what() + "); reconnecting");
    lease = pool_.connect(options_.attempt_timeout, attempt_deadline);
    return exchange_on(lease, call);
  }
}

std::vector<protocol::HeaderField> Pipeline::headers_for(const Call& call) const {
  std::vector<protocol::HeaderField> headers{{"Host", pool_.endpoint().authority},
                                             {"Accept", call.accept + ", application/problem+json"},
                                             {"User-Agent", user_agent_}};
  if (!call.body.empty()) headers.push_back({"Content-Type", "application/json"});
  if (call.idempotency_key) headers.push_back({"Idempotency-Key", "\"" + *call.idempotency_key + "\""});
  if (!call.options.correlator.empty()) headers.push_back({"x-correlator", call.options.correlator});
  return headers;
}

RawResponse Pipeline::exchange_on(ConnectionPool::Lease& lease, Call& call) {
  auto headers = headers_for(call);
  // Signed per attempt: a fresh `created` and nonce, so a retry is never a replay.
  client::sign_request(call.method, pool_.endpoint().authority, call.target, headers, call.body, credential_);
  auto answer = lease.connection->send(call.method, call.target, headers, call.body);
  RawResponse out;
  out.status = answer.status;
  out.body = std::move(answer.body);
  for (auto& h : answer.headers) out.headers.emplace_back(std::move(h.name), std::move(h.value));
  pool_.release(std::move(lease.connection));
  return out;
}

void Pipeline::describe(RawResponse& response, int attempts) {
  auto& info = response.info;
  info.status = response.status;
  info.attempts = attempts;
  info.request_id = response.header("X-Request-Id");
  info.policy_version = response.header("Octopus-Policy-Version");
  info.idempotent_replay = response.header("Idempotent-Replayed") == "true";
  info.retry_after = parse_retry_after(response.header("Retry-After"));
  info.rate_limit = parse_rate_limit(response.header("RateLimit-Policy"), response.header("RateLimit"));
  if (!info.rate_limit.policies.empty()) {
    std::lock_guard lock(rate_limit_mutex_);
    last_rate_limit_ = info.rate_limit;
  }
}

}  // namespace octopus::detail
