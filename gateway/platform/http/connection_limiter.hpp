// Caps on open connections, per listener: in all, and from one client address. A connection
// over a cap is closed at accept, before any TLS work, so a flood of idle or half-open
// connections costs the gateway a file descriptor for a moment and nothing else, and one
// client cannot take all the room. Beast-free, so it can be tested on its own.
#pragma once
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace octopus::http {

// The network a client address stands for when counting per client: an IPv4 address as it
// is; an IPv6 address as its /64 ("2001:db8:1:2::/64"), since one subscriber line or host
// usually holds a whole /64 and could otherwise take a new address for every connection.
std::string client_network(std::string_view address);

class ConnectionLimiter {
 public:
  enum class Verdict { admitted, listener_full, address_full };

  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address);

  // Counts the connection when there is room (then release() must follow, once).
  Verdict admit(const std::string& address);
  void release(const std::string& address);
  std::size_t open() const;

 private:
  mutable std::mutex mutex_;
  std::size_t max_total_, max_per_address_, open_ = 0;
  std::unordered_map<std::string, std::size_t> by_address_;  // only addresses with open connections
};

// One admitted connection; gives its place back when destroyed.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionLimiter& limiter, std::string address) : limiter_(&limiter), address_(std::move(address)) {}
  ~ConnectionSlot() {
    if (limiter_) limiter_->release(address_);
  }
  ConnectionSlot(ConnectionSlot&& o) noexcept : limiter_(o.limiter_), address_(std::move(o.address_)) {
    o.limiter_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  ConnectionLimiter* limiter_ = nullptr;
  std::string address_;
};

}  // namespace octopus::http
