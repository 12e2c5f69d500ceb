// Audience targeting for partners: what a partner may target (its tier's attributes, their
// values, the tags), and privacy-filtered estimates — only consenting subscribers counted,
// counts below k withheld, the rest rounded, and counts that would reveal a small group by
// difference with the partner's recent counts withheld too. Identities never leave the
// engine; this service sees only counts.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vocabulary/clock.hpp"

#include "audiences/query_history.hpp"
#include "vocabulary/clock.hpp"
#include "audiences/segment_parser.hpp"
#include "engine/engine.hpp"
#include "policy/policy_snapshot.hpp"
#include "privacy/release_model.hpp"

namespace octopus::audiences {

struct Caller {
  std::string partner_id;
  std::string tier;
  std::string category;
  // Whose privacy budget and query history a count is charged to and compared with: every
  // partner of one organisation shares them, so splitting an attack over several partner
  // accounts gains nothing. Empty: the partner's own.
  std::string organisation;
  const std::string& account() const { return organisation.empty() ? partner_id : organisation; }
};

struct Estimate {
  enum class Outcome { counted, malformed, refused, engine_unavailable, history_unavailable };
  Outcome outcome = Outcome::counted;
  std::vector<SegmentIssue> issues;    // malformed / refused
  std::optional<std::uint64_t> count;  // null when suppressed
  bool suppressed = false;
  std::string reason;  // "below_threshold" | "differencing" | "privacy_budget_exhausted" when suppressed
  std::chrono::seconds retry_after{0};  // engine_ or history_unavailable: when to try again
};

class AudienceService {
 public:
  // `release`: what a partner may see of every count. `history`: where each account's
  // recent segments are kept for the differencing check; null keeps them in this process
  // (one instance).
  AudienceService(engine::Engine& engine, std::chrono::milliseconds engine_timeout, privacy::ReleaseModel& release,
                  const Clock& clock = system_clock(), std::unique_ptr<QueryHistory> history = nullptr);

  // The attributes, values and tags `caller` may target under `policy`, as JSON for
  // GET /v1/targeting-attributes. Throws engine::EngineUnavailable.
  nlohmann::json targeting_attributes(const policy::PolicySnapshot& policy, const Caller& caller);

  // `body` is the request: {"segment": node, "purpose": optional DPV purpose}.
  Estimate estimate(const policy::PolicySnapshot& policy, const Caller& caller, const nlohmann::json& body);

  // A checked request, ready for the engine.
  struct Prepared {
    engine::CountQuery query;
  };
  // Checks `body` as estimate() does; nullopt (with `e` saying why) when refused. Throws
  // engine::EngineUnavailable when the vocabulary cannot be fetched.
  std::optional<Prepared> prepare(const policy::PolicySnapshot& policy, const Caller& caller,
                                  const nlohmann::json& body, Estimate& e);
  // What the partner may learn of an exact count: threshold, differencing, then the release
  // model (noise, rounding, budget).
  // Throws engine::EngineUnavailable, or HistoryUnavailable when the differencing check
  // cannot run (the count must then not be shown).
  Estimate publish(const policy::PolicySnapshot& policy, const Caller& caller, const Prepared& p, std::uint64_t raw);

  engine::Engine& engine() { return engine_; }
  privacy::ReleaseModel& release_model() { return release_; }
  std::chrono::milliseconds engine_timeout() const { return timeout_; }

 private:
  const engine::Vocabulary& vocabulary();  // fetched once; throws EngineUnavailable
  template <typename T>
  T wait(std::future<T> f);
  std::uint64_t count(const engine::CountQuery& q) { return wait(engine_.count(q)); }
  // Whether the count of `p` would tell, by difference with one of the account's recent
  // counts, the size of a group smaller than k; or is a question the history holds already.
  enum class Difference { safe, reveals, already_remembered };
  Difference compare_with_history(const policy::PrivacyPolicy& rules, const Caller& caller, const Prepared& p,
                                  const std::string& canonical, std::int64_t now);

  engine::Engine& engine_;
  std::chrono::milliseconds timeout_;
  privacy::ReleaseModel& release_;
  const Clock& clock_;

 public:
  // What audiences built from this service's counts are stamped with.
  const Clock& clock() const { return clock_; }
  std::unique_ptr<QueryHistory> history_;
  std::mutex vocabulary_mutex_;
  std::array<std::mutex, 64> account_locks_;  // striped by account: one check-and-remember at a time
  std::optional<engine::Vocabulary> vocabulary_;
};

}  // namespace octopus::audiences
