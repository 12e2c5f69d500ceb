// The release model: the one place a figure about subscribers becomes something a partner
// may see. Estimates, audience counts, delivery outcomes and trigger counts all pass here;
// no capability shows an exact figure of its own.
//
// A figure is (1) withheld when the group it counts is smaller than k; otherwise (2) given
// discrete Laplace noise of scale 1/ε, drawn from a stream keyed by the operator's secret and
// the question (so the same question about the same data always gets the same noise),
// (3) rounded as privacy.yaml says, and (4) charged ε against the account's budget for the
// period, once per question: asking again returns the figures on record at no cost. When
// the budget is spent, new questions are answered "withheld" until the next period.
//
// What the differencing guard does (audiences/) runs before this: the model needs no engine.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "policy/policy_snapshot.hpp"
#include "privacy/discrete_laplace.hpp"
#include "privacy/release_ledger.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::privacy {

struct Figure {
  std::string name;
  std::uint64_t value = 0;
  bool operator==(const Figure&) const = default;
};

struct Release {
  bool withheld = false;
  std::string reason;           // withheld: "below_threshold" | "privacy_budget_exhausted"
  std::vector<Figure> figures;  // shown: the released values, in the order asked
  std::uint64_t value(std::string_view name) const;
};

struct BudgetReport {
  std::string period;  // "2026-12-06" (day) or "2026-12" (month), UTC
  std::uint64_t budget_milli = 0;
  std::uint64_t spent_milli = 0;
  std::uint64_t releases = 0;
  std::int64_t resets_at = 0;  // Unix seconds: the next period's start
  std::uint64_t epsilon_per_release_milli = 0;
};

// The noise secret, derived from the operator's master secret (the one partner tokens come
// from) so that it survives restarts and is the same at every instance: were it to change,
// asking again would draw fresh noise.
Secret derive_release_secret(const Secret& master);

class ReleaseModel {
 public:
  ReleaseModel(const Secret& secret, ReleaseLedger& ledger, const Clock& clock = system_clock());
  ~ReleaseModel();  // wipes the secret
  ReleaseModel(const ReleaseModel&) = delete;
  ReleaseModel& operator=(const ReleaseModel&) = delete;

  // The size of one group (an estimate, an audience). `question` names it completely and
  // canonically (segment, purpose, consent filter); the answer stays the same for the
  // account within the budget period. Shown counts are at least k.
  Release count(const policy::PrivacyPolicy& policy, const std::string& account, const std::string& question,
                std::uint64_t raw);

  // The parts of one whole that no longer changes, or of a snapshot the caller names in
  // `question` (a finished delivery's outcomes; a trigger's counts as of a period). Each
  // part gets noise and rounding but no threshold (withholding the small parts alone would
  // tell which are small); `sensitivity` is how many parts one subscriber can move by one.
  // The whole is withheld below k (`total` < k).
  Release parts(const policy::PrivacyPolicy& policy, const std::string& account, const std::string& question,
                std::uint64_t total, const std::vector<Figure>& raw, unsigned sensitivity);

  BudgetReport budget(const policy::PrivacyPolicy& policy, const std::string& account);
  // The budget period containing `now`, as a label; `next` gets the next period's start.
  static std::string period_of(const policy::PrivacyPolicy& policy, std::int64_t now, std::int64_t* next = nullptr);

 private:
  Release release(const policy::PrivacyPolicy& policy, const std::string& account, const std::string& question,
                  const std::vector<Figure>& raw, unsigned sensitivity, std::uint64_t floor, std::int64_t now);

  Secret secret_;
  ReleaseLedger& ledger_;
  const Clock& clock_;
};

}  // namespace octopus::privacy
