#include <map>
#include <mutex>

#include "privacy/release_ledger.hpp"

namespace octopus::privacy {

struct MemoryReleaseLedger::State {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, std::string> figures;  // (account, key)
  std::map<std::pair<std::string, std::string>, BudgetUse> use;        // (account, period)
};

MemoryReleaseLedger::MemoryReleaseLedger() : state_(std::make_unique<State>()) {}
MemoryReleaseLedger::~MemoryReleaseLedger() = default;

std::optional<std::string> MemoryReleaseLedger::find(const std::string& account, const std::string& key) {
  std::lock_guard lock(state_->mutex);
  const auto it = state_->figures.find({account, key});
  if (it == state_->figures.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> MemoryReleaseLedger::record(const ReleaseEntry& entry, std::uint64_t cap_milli) {
  std::lock_guard lock(state_->mutex);
  if (const auto it = state_->figures.find({entry.account, entry.key}); it != state_->figures.end()) return it->second;
  auto& use = state_->use[{entry.account, entry.period}];
  if (use.spent_milli + entry.epsilon_milli > cap_milli) return std::nullopt;
  use.spent_milli += entry.epsilon_milli;
  ++use.releases;
  state_->figures[{entry.account, entry.key}] = entry.figures;
  return entry.figures;
}

BudgetUse MemoryReleaseLedger::use(const std::string& account, const std::string& period) {
  std::lock_guard lock(state_->mutex);
  const auto it = state_->use.find({account, period});
  return it == state_->use.end() ? BudgetUse{} : it->second;
}

}  // namespace octopus::privacy
