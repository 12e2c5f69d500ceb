// The Engine: the operator's marketing engine behind the gateway, seen through one
// interface so the embedded reference engine and a remote engine (over HTTPS) are
// interchangeable. Calls are asynchronous (a future per call): a remote engine answers
// over the network, and the gateway must never hold an I/O thread while it does.
// Subscriber identities stay behind this interface: counts and opaque audience handles
// come out, never a subscriber id, except through batch iteration for delivery, which only
// the gateway's own delivery service uses.
#pragma once
#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/segment.hpp"

namespace octopus::engine {

// The engine cannot answer now (down, overloaded, timed out). Callers answer 503 with
// Retry-After: `retry_after`, when the engine (or the breaker in front of it) expects to
// answer again.
class EngineUnavailable : public std::runtime_error {
 public:
  explicit EngineUnavailable(const std::string& what, std::chrono::seconds retry_after = std::chrono::seconds(5))
      : std::runtime_error(what), retry_after_(retry_after) {}
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  std::chrono::seconds retry_after_;
};

// members() of an audience id the engine does not hold (never materialised, or dropped).
class AudienceNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whose consent counts: subscribers who consented to `purpose` for partners of `category`
// on at least one of `channels`, and have not withdrawn it.
struct ConsentFilter {
  std::string purpose;                // e.g. "dpv:DirectMarketing"
  std::string partner_category;       // e.g. "internet"
  std::vector<std::string> channels;  // e.g. {"sms", "push", "outbound_call"}
};

struct CountQuery {
  SegmentNode segment;
  ConsentFilter consent;
};

struct AudienceHandle {
  std::string id;       // the engine's id for a materialised audience
  std::uint64_t size = 0;  // exact size (the gateway thresholds before a partner sees it)
};

struct MemberBatch {
  std::vector<std::uint64_t> subscribers;  // engine subscriber ids
  std::optional<std::uint64_t> next;       // cursor for the next batch; nullopt at the end
};

struct EligibilityQuery {
  std::uint64_t subscriber = 0;
  std::string product_code;
};

struct Eligibility {
  bool eligible = false;
  std::string reason;  // why not, in words (e.g. "already holds 5G-PLUS")
};

struct Product {
  std::string code;
  std::string name;
  std::string eligibility_summary;  // in words, for partners
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view kind() const = 0;  // "reference" | "remote"

  virtual std::future<Vocabulary> vocabulary() = 0;
  // Exact count of the segment among consenting, active subscribers.
  virtual std::future<std::uint64_t> count(const CountQuery& query) = 0;
  virtual std::future<AudienceHandle> materialise(const CountQuery& query) = 0;
  virtual std::future<MemberBatch> members(const std::string& audience_id, std::uint64_t cursor,
                                           std::size_t limit) = 0;
  virtual std::future<void> drop(const std::string& audience_id) = 0;
  virtual std::future<Eligibility> eligibility(const EligibilityQuery& query) = 0;
  virtual std::future<std::vector<Product>> products() = 0;
};

}  // namespace octopus::engine
