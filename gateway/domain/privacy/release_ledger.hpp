// The privacy budget's books: every release of fresh noisy figures to an account (a
// partner, or every partner of one organisation), what it cost in ε and what was shown.
// Asking the same question again is answered from the books: the same figures, at no
// cost, so averaging repeated answers gains nothing. Entries are never changed or removed.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace octopus::privacy {

struct ReleaseEntry {
  std::string account;
  std::string key;     // the question's key (a hash; never a subscriber id)
  std::string period;  // the budget period charged, e.g. "2026-12-06" or "2026-12"
  std::uint64_t epsilon_milli = 0;
  std::string figures;  // JSON of what was shown
  std::int64_t at = 0;  // Unix seconds
};

struct BudgetUse {
  std::uint64_t spent_milli = 0;
  std::uint64_t releases = 0;
};

class ReleaseLedger {
 public:
  virtual ~ReleaseLedger() = default;
  // The figures shown to `account` under `key`, if they ever were.
  virtual std::optional<std::string> find(const std::string& account, const std::string& key) = 0;
  // Records `entry` when the account's spend in its period stays within `cap_milli`, in one
  // step with the check. Returns the figures now on record under the key (those of an
  // earlier release when one won a race), or nullopt when the budget refused.
  virtual std::optional<std::string> record(const ReleaseEntry& entry, std::uint64_t cap_milli) = 0;
  virtual BudgetUse use(const std::string& account, const std::string& period) = 0;
};

// In this process only: for tests and tools. The gateway keeps its books in its store.
class MemoryReleaseLedger final : public ReleaseLedger {
 public:
  MemoryReleaseLedger();
  ~MemoryReleaseLedger() override;
  std::optional<std::string> find(const std::string& account, const std::string& key) override;
  std::optional<std::string> record(const ReleaseEntry& entry, std::uint64_t cap_milli) override;
  BudgetUse use(const std::string& account, const std::string& period) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace octopus::privacy
