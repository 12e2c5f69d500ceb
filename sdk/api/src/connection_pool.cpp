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
  const bool has_port = colon != std::string::npos && rest.find(']', colon) == std::string::npos;
  out.host = has_port ? rest.substr(0, colon) : rest;
  if (has_port) {
    const auto digits = rest.substr(colon + 1);
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || port == 0 || port > 65535)
      throw std::invalid_argument("the gateway endpoint's port is not a port number: '" + text + "'");
    out.port = static_cast<unsigned short>(port);
  }
  if (out.host.empty() || out.host.find_first_of("/?#@ ") != std::string::npos)
    throw std::invalid_argument("the gateway endpoint must be https://host[:port], not '" + text + "'");
  // RFC 9110 §4.2.2 / §7.2: the default port is left out of the authority.
  out.authority = out.port == 443 ? out.host : out.host + ":" + std::to_string(out.port);
  return out;
}

ConnectionPool::ConnectionPool(Endpoint endpoint, client::TlsOptions tls, std::size_t capacity,
                               std::chrono::milliseconds idle_timeout)
    : endpoint_(std::move(endpoint)), tls_(std::move(tls)), capacity_(capacity), idle_timeout_(idle_timeout) {}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    while (!idle_.empty()) {
      Idle kept = std::move(idle_.back());
      idle_.pop_back();
      if (now - kept.since < idle_timeout_) {
        kept.connection->set_timeout(timeout);
        return {std::move(kept.connection), true};
      }
    }
  }
  return connect(timeout);
}

ConnectionPool::Lease ConnectionPool::connect(std::chrono::milliseconds timeout) {
  auto tls = tls_;
  tls.timeout = timeout;
  return {std::make_unique<client::HttpsConnection>(endpoint_.host, endpoint_.port, tls), false};
}

void ConnectionPool::release(std::unique_ptr<client::HttpsConnection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() >= capacity_) return;
  idle_.push_back({std::move(connection), Clock::now()});
}

}  // namespace octopus::detail
