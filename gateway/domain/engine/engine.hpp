// The Engine: the operator's marketing engine behind the gateway, seen through one
// interface so the embedded reference engine and a remote engine (over HTTPS) are
// interchangeable. Calls are asynchronous (a future per call): a remote engine answers
// over the network, and the gateway must never hold an I/O thread while it does.
// Subscriber identities stay behind this interface: counts and opaque audience handles
// come out, never a subscriber id, except through batch iteration for delivery, which only
// the gateway's own delivery service uses.
#pragma once
#include <bit>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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

// An engine call's answer, waited for at most `timeout`; past it the call counts as
// unavailable (its late answer is dropped). Every caller of the engine waits this way.
template <typename T>
T await(std::future<T> answer, std::chrono::milliseconds timeout,
        std::chrono::seconds retry_after = std::chrono::seconds(5)) {
  if (answer.wait_for(timeout) != std::future_status::ready)
    throw EngineUnavailable("the engine did not answer within " + std::to_string(timeout.count()) + " ms", retry_after);
  return answer.get();
}

// members() of an audience id the engine does not hold (never materialised, or dropped).
class AudienceNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// consents() of a subscriber id the engine does not hold.
class SubscriberNotFound : public std::runtime_error {
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
  std::string id;          // the engine's id for a materialised audience
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

// Something that happened to a subscriber, as the engine saw it: what real-time triggers
// react to. The engine numbers its events in ascending `sequence`; readers resume from the
// last sequence they processed, so a restarted reader loses nothing still retained.
struct SubscriberEvent {
  std::uint64_t sequence = 0;  // assigned by the engine
  std::uint64_t subscriber = 0;
  // data_balance_low | roaming_started | entered_area | recharge | app_installed | sms_reply
  std::string type;
  std::int64_t at_ms = 0;                     // Unix milliseconds
  std::map<std::string, std::string> detail;  // e.g. {"area": "qingdao-liuting-airport"}, {"text": "TD"}
};

// A subscriber took a product (the operator's order system saw it): what settlement turns
// into commission when a partner's offer led to it.
// An order (a product taken), or the cancellation of one: the same stream carries both, in
// the order they happened, so a reader settles an order before it can see it cancelled.
enum class ConversionKind { order, cancellation };

std::string_view to_string(ConversionKind kind);  // "order", "cancellation"
std::optional<ConversionKind> parse_conversion_kind(std::string_view text);

struct Conversion {
  std::uint64_t sequence = 0;  // assigned by the engine
  std::uint64_t subscriber = 0;
  std::string product_code;
  std::string order_id;         // the order system's reference, unique per order
  std::int64_t amount_fen = 0;  // what the subscriber pays, in fen (an order's; a cancellation repeats it)
  std::int64_t at_ms = 0;       // Unix milliseconds
  ConversionKind kind = ConversionKind::order;
};

// One read of an engine stream: the records after the reader's cursor, in order.
template <typename Record>
struct StreamBatch {
  std::vector<Record> records;
  std::uint64_t next = 0;     // the cursor to read from next (the last sequence returned)
  std::uint64_t skipped = 0;  // records the engine no longer retained past the cursor: lost to this reader
};
using EventBatch = StreamBatch<SubscriberEvent>;
using ConversionBatch = StreamBatch<Conversion>;

inline constexpr const char* kEventTypes[] = {"data_balance_low", "roaming_started", "entered_area",
                                              "recharge",         "app_installed",   "sms_reply"};

// What the delivery checks need to know of a batch of subscribers at send time, in one
// call: their consent record for one scope (purpose, channel, partner category) and whether
// they may take the offer's product now. One call per batch keeps the per-subscriber cost
// to array lookups.
struct FactsQuery {
  std::vector<std::uint64_t> subscribers;
  std::string purpose;           // e.g. "dpv:DirectMarketing"
  std::string partner_category;  // e.g. "internet"
  std::string channel;           // sms | push | outbound_call
  std::string product_code;      // empty: eligibility not asked (reported eligible)
};

// Which of given audiences (triggers' segments) each of a batch of subscribers belongs to:
// one call answers every segment of an event type for a whole batch of events.
struct MembershipQuery {
  std::vector<std::uint64_t> subscribers;
  std::vector<std::string> audiences;  // at most kMaxMembershipAudiences
};
inline constexpr std::size_t kMaxMembershipAudiences = 10000;

// The answer: one bit per subscriber and audience, a row of words per subscriber, so the
// audiences of one subscriber are read by scanning a few words.
class Memberships {
 public:
  Memberships() = default;
  Memberships(std::size_t subscribers, std::size_t audiences)
      : subscribers_(subscribers),
        audiences_(audiences),
        stride_((audiences + 63) / 64),
        words_(subscribers * stride_) {}
  std::size_t subscribers() const { return subscribers_; }
  std::size_t audiences() const { return audiences_; }
  void add(std::size_t subscriber, std::size_t audience) {
    words_[subscriber * stride_ + audience / 64] |= std::uint64_t{1} << (audience % 64);
  }
  bool contains(std::size_t subscriber, std::size_t audience) const {
    return (words_[subscriber * stride_ + audience / 64] >> (audience % 64)) & 1u;
  }
  // Calls f(audience index) for each audience the subscriber belongs to, in order.
  template <typename F>
  void for_each(std::size_t subscriber, F&& f) const {
    for (std::size_t w = 0; w < stride_; ++w)
      for (auto bits = words_[subscriber * stride_ + w]; bits; bits &= bits - 1)
        f(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
  }
  bool operator==(const Memberships&) const = default;

 private:
  std::size_t subscribers_ = 0, audiences_ = 0, stride_ = 0;
  std::vector<std::uint64_t> words_;
};

enum class ConsentState : std::uint8_t { none, granted, withdrawn };

struct SubscriberFacts {
  bool known = false;                         // the engine has this subscriber
  bool active = false;                        // the subscription is active
  ConsentState consent = ConsentState::none;  // the record for the asked scope
  bool eligible = false;                      // may take the product now
};

// One consent scope of one subscriber, as the engine records it.
struct ConsentRecord {
  std::string purpose, channel, partner_category;
  ConsentState state = ConsentState::none;
};

std::string_view to_string(ConsentState s);
std::optional<ConsentState> parse_consent_state(std::string_view s);

struct Product {
  std::string code;
  std::string name;
  std::string eligibility_summary;  // in words, for partners
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view kind() const = 0;  // "reference" | "remote"
  // False while calls are refused without being tried (a remote engine's open breaker):
  // readiness reports it.
  virtual bool available() const { return true; }

  virtual std::future<Vocabulary> vocabulary() = 0;
  // Exact count of the segment among consenting, active subscribers.
  virtual std::future<std::uint64_t> count(const CountQuery& query) = 0;
  virtual std::future<AudienceHandle> materialise(const CountQuery& query) = 0;
  virtual std::future<MemberBatch> members(const std::string& audience_id, std::uint64_t cursor, std::size_t limit) = 0;
  virtual std::future<void> drop(const std::string& audience_id) = 0;
  virtual std::future<Eligibility> eligibility(const EligibilityQuery& query) = 0;
  virtual std::future<std::vector<Product>> products() = 0;
  // Facts of each subscriber of the query, in the query's order. An unknown product code
  // fails with std::invalid_argument.
  virtual std::future<std::vector<SubscriberFacts>> facts(const FactsQuery& query) = 0;
  // Audience membership of each subscriber of the query (an unknown subscriber belongs to
  // none). An unknown audience id fails with AudienceNotFound; more than
  // kMaxMembershipAudiences with std::invalid_argument.
  virtual std::future<Memberships> memberships(MembershipQuery query) = 0;
  // Every consent scope of one subscriber with a record (granted or withdrawn); an unknown
  // subscriber fails with SubscriberNotFound.
  virtual std::future<std::vector<ConsentRecord>> consents(std::uint64_t subscriber) = 0;

  // The subscriber event stream: records with a sequence above `after` (0: the oldest still
  // retained), at most `limit`. When there are none yet, the answer waits up to `wait` for
  // one, then comes back empty, so a reader can follow the stream without spinning.
  virtual std::future<EventBatch> events(std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) = 0;
  // The conversion stream, read the same way.
  virtual std::future<ConversionBatch> conversions(std::uint64_t after, std::size_t limit,
                                                   std::chrono::milliseconds wait) = 0;
  // Adds an event (an operator's test, a pilot's feed); returns its sequence. Throws
  // std::invalid_argument for an unknown type or subscriber.
  virtual std::future<std::uint64_t> inject_event(SubscriberEvent event) = 0;
  // Reports a conversion the same way; returns its sequence.
  virtual std::future<std::uint64_t> report_conversion(Conversion conversion) = 0;
};

}  // namespace octopus::engine
