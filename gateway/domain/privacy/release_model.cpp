#include "privacy/release_model.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "policy/privacy_evaluator.hpp"

namespace octopus::privacy {

using nlohmann::json;

namespace {

// The ledger's key for a question: a keyed hash, so the books hold no segment text and
// keys cannot be guessed from outside.
std::string ledger_key(const Secret& secret, const std::string& question) {
  unsigned char h[16];
  crypto_generichash(h, sizeof(h), reinterpret_cast<const unsigned char*>(question.data()), question.size(),
                     secret.data(), secret.size());
  char hex[sizeof(h) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
  return hex;
}

std::string to_json(const std::vector<Figure>& figures) {
  json out = json::array();
  for (const auto& f : figures) out.push_back({f.name, f.value});
  return out.dump();
}

std::vector<Figure> from_json(const std::string& text) {
  std::vector<Figure> out;
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& f : j)
    if (f.is_array() && f.size() == 2 && f[0].is_string() && f[1].is_number_unsigned())
      out.push_back({f[0].get<std::string>(), f[1].get<std::uint64_t>()});
  return out;
}

Release withheld(std::string reason) {
  Release r;
  r.withheld = true;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

Secret derive_release_secret(const Secret& master) {
  static constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "OCTOPREL";  // 8 bytes, fixed forever
  Secret out;
  crypto_kdf_derive_from_key(out.data(), out.size(), 1, kContext, master.data());
  return out;
}

std::uint64_t Release::value(std::string_view name) const {
  for (const auto& f : figures)
    if (f.name == name) return f.value;
  return 0;
}

ReleaseModel::ReleaseModel(const Secret& secret, ReleaseLedger& ledger, const Clock& clock)
    : secret_(secret), ledger_(ledger), clock_(clock) {}

ReleaseModel::~ReleaseModel() { sodium_memzero(secret_.data(), secret_.size()); }

std::string ReleaseModel::period_of(const policy::PrivacyPolicy& policy, std::int64_t now, std::int64_t* next) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char label[16];
  const bool monthly = policy.budget_period == policy::PrivacyPolicy::BudgetPeriod::month;
  std::strftime(label, sizeof(label), monthly ? "%Y-%m" : "%Y-%m-%d", &tm);
  if (next) {
    std::tm start{};
    start.tm_year = tm.tm_year;
    start.tm_mon = monthly ? tm.tm_mon + 1 : tm.tm_mon;
    start.tm_mday = monthly ? 1 : tm.tm_mday + 1;  // timegm normalises the overflow
    *next = static_cast<std::int64_t>(timegm(&start));
  }
  return label;
}

Release ReleaseModel::release(const policy::PrivacyPolicy& policy, const std::string& account,
                              const std::string& question, const std::vector<Figure>& raw, unsigned sensitivity,
                              std::uint64_t floor, std::int64_t now) {
  const std::string key = ledger_key(secret_, question);
  if (auto shown = ledger_.find(account, key)) return {false, "", from_json(*shown)};

  // Noise keyed by the question and the exact data: the same data always draws the same
  // noise (at any instance, after any restart); changed data draws afresh.
  std::string label = question;
  for (const auto& f : raw) label += "|" + f.name + "=" + std::to_string(f.value);
  NoiseStream stream(secret_, label);
  const Epsilon per_part{policy.epsilon_milli, 1000ull * std::max(1u, sensitivity)};
  std::vector<Figure> shown;
  for (const auto& f : raw) {
    const std::int64_t noisy = static_cast<std::int64_t>(f.value) + discrete_laplace(stream, per_part);
    const std::uint64_t rounded =
        policy::round_count(policy, static_cast<std::uint64_t>(std::max<std::int64_t>(0, noisy)));
    shown.push_back({f.name, std::max(rounded, floor)});
  }
  const auto recorded = ledger_.record(
      {account, key, period_of(policy, now), policy.epsilon_milli, to_json(shown), now}, policy.budget_milli);
  if (!recorded) return withheld("privacy_budget_exhausted");
  return {false, "", from_json(*recorded)};
}

Release ReleaseModel::count(const policy::PrivacyPolicy& policy, const std::string& account,
                            const std::string& question, std::uint64_t raw) {
  if (raw < policy.minimum_audience_size) return withheld("below_threshold");
  // The period is part of the question: a count is stable within a period and drawn
  // afresh (and paid for again) in the next. One clock reading names and charges the period.
  const std::int64_t now = clock_.unix_seconds();
  return release(policy, account, "count|" + period_of(policy, now) + "|" + question, {{"count", raw}}, 1,
                 policy.minimum_audience_size, now);
}

Release ReleaseModel::parts(const policy::PrivacyPolicy& policy, const std::string& account,
                            const std::string& question, std::uint64_t total, const std::vector<Figure>& raw,
                            unsigned sensitivity) {
  if (total < policy.minimum_audience_size) return withheld("below_threshold");
  return release(policy, account, "parts|" + question, raw, sensitivity, 0, clock_.unix_seconds());
}

BudgetReport ReleaseModel::budget(const policy::PrivacyPolicy& policy, const std::string& account) {
  BudgetReport r;
  r.period = period_of(policy, clock_.unix_seconds(), &r.resets_at);
  const auto use = ledger_.use(account, r.period);
  r.budget_milli = policy.budget_milli;
  r.spent_milli = use.spent_milli;
  r.releases = use.releases;
  r.epsilon_per_release_milli = policy.epsilon_milli;
  return r;
}

}  // namespace octopus::privacy
