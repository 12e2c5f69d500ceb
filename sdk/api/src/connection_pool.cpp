#include "connection_pool.hpp"

#include <charconv>
#include <stdexcept>

namespace octopus::detail {

Endpoint parse_endpoint(const std::string& text) {
  std::string rest = text;
  if (rest.rfind("https://", 0) == 0)
    rest = rest.substr(8);
  else if (rest.find("://") != std::string::npos)
    throw std::invalid_argument("the gateway endpoint must be https://host[:port], not '" + text + "'");
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  Endpoint out;
  const auto colon = rest.rfind(':');
  const bool bracketed = !rest.empty() && rest.front() == '[';
  const auto close = rest.find(']');
  const bool has_port = colon != std::string::npos && (bracketed ? close != std::string::npos && colon > close : true);
  std::string host_part = has_port ? rest.substr(0, colon) : rest;
  // An IPv6 literal keeps its brackets in the authority, not in the address to connect to.
  if (bracketed) {
    if (host_part.size() < 3 || host_part.back() != ']')
      throw std::invalid_argument("the gateway endpoint's IPv6 address is malformed: '" + text + "'");
    out.host = host_part.substr(1, host_part.size() - 2);
  } else {
    if (host_part.find(':') != std::string::npos)
      throw std::invalid_argument("write an IPv6 gateway address in brackets: https://[::1]:8443");
    out.host = host_part;
  }
  if (has_port) {
    const auto digits = rest.substr(colon + 1);
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || port == 0 || port > 65535)
      throw std::invalid_argument("the gateway endpoint's port is not a port number: '" + text + "'");
    out.port = static_cast<unsigned short>(port);
  }
  if (out.host.empty() || out.host.find_first_of("/?#@ []") != std::string::npos)
    throw std::invalid_argument("the gateway endpoint must be https://host[:port], not '" + text + "'");
  // RFC 9110 §4.2.2 / §7.2: the default port is left out of the authority.
  const std::string named = bracketed ? "[" + out.host + "]" : out.host;
  out.authority = out.port == 443 ? named : named + ":" + std::to_string(out.port);
  return out;
}

ConnectionPool::ConnectionPool(Endpoint endpoint, client::TlsOptions tls, std::size_t capacity,
                               std::chrono::milliseconds idle_timeout)
    : endpoint_(std::move(endpoint)), tls_(std::move(tls)), capacity_(capacity), idle_timeout_(idle_timeout) {}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds timeout, Clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    while (!idle_.empty()) {
      Idle kept = std::move(idle_.back());
      idle_.pop_back();
      if (now - kept.since < idle_timeout_) {
        kept.connection->set_timeout(timeout, deadline);
        return {std::move(kept.connection), true};
      }
    }
  }
  return connect(timeout, deadline);
}

ConnectionPool::Lease ConnectionPool::connect(std::chrono::milliseconds timeout, Clock::time_point deadline) {
  auto tls = tls_;
  tls.timeout = timeout;
  tls.deadline = deadline;
  return {std::make_unique<client::HttpsConnection>(endpoint_.host, endpoint_.port, tls), false};
}

void ConnectionPool::release(std::unique_ptr<client::HttpsConnection> connection) {
  if (!connection->reusable()) return;  // closed by the answer, or bytes left unread
  std::lock_guard lock(mutex_);
  if (idle_.size() >= capacity_) return;
  idle_.push_back({std::move(connection), Clock::now()});
}

}  // namespace octopus::detail
