#include "engine/reference/synthetic_activity.hpp"

#include <cmath>
#include <cstdio>
#include <map>

namespace octopus::engine::reference {

namespace {

constexpr const char* kAreas[] = {
    "qingdao-liuting-airport", "jinan-west-station", "taishan-scenic-area",    "yantai-port",
    "qufu-confucius-temple",   "weihai-beach",       "jinan-quancheng-square", "qingdao-may-fourth-square"};
constexpr const char* kCountries[] = {"JP", "KR", "TH", "SG", "MY", "FR", "US", "AU"};
constexpr const char* kApps[] = {"travel-booking", "short-video",     "food-delivery",
                                 "mobile-game",    "music-streaming", "ride-hailing"};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename T, std::size_t N>
const T& pick(std::mt19937_64& rng, const T (&items)[N]) {
  return items[rng() % N];
}

}  // namespace

std::int64_t reference_price_fen(const std::string& code) {
  static const std::map<std::string, std::int64_t> prices{
      {"5G-PLUS", 12'900},        {"DATA-20G", 3'000},   {"DATA-50G", 5'000},     {"VIDEO-VIP", 2'500},
      {"MUSIC-VIP", 1'500},       {"CLOUD-100G", 1'000}, {"ROAM-INTL", 2'500},    {"FAMILY-SHARE", 3'800},
      {"BROADBAND-1000", 19'900}, {"VOICE-300", 1'000},  {"SECURITY-GUARD", 500}, {"GAME-BOOST", 1'800}};
  auto it = prices.find(code);
  return it == prices.end() ? 1'000 : it->second;
}

SyntheticActivity::SyntheticActivity(const Population& population, const ProductCatalogue& catalogue,
                                     ActivityOptions options)
    : population_(population),
      catalogue_(catalogue),
      options_(options),
      event_rng_(options.seed ^ 0x65766e7473ull),
      conversion_rng_(options.seed ^ 0x636f6e76ull) {}

SyntheticActivity::~SyntheticActivity() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SubscriberEvent SyntheticActivity::next_event(std::int64_t at_ms) {
  SubscriberEvent e;
  const std::size_t row = event_rng_() % population_.size();
  e.subscriber = population_.id(row);
  e.at_ms = at_ms;
  // Frequencies: balance and recharges are everyday, roaming and SMS replies rarer.
  const auto roll = event_rng_() % 100;
  if (roll < 30) {
    e.type = "data_balance_low";
    e.detail["remaining_mb"] = std::to_string(50 + event_rng_() % 450);
  } else if (roll < 45) {
    e.type = "entered_area";
    e.detail["area"] = pick(event_rng_, kAreas);
  } else if (roll < 70) {
    e.type = "recharge";
    e.detail["amount_fen"] = std::to_string((1 + event_rng_() % 10) * 1000);
  } else if (roll < 85) {
    e.type = "app_installed";
    e.detail["app"] = pick(event_rng_, kApps);
  } else if (roll < 93) {
    e.type = "roaming_started";
    e.detail["country"] = pick(event_rng_, kCountries);
  } else {
    e.type = "sms_reply";
    e.detail["text"] = event_rng_() % 4 == 0 ? "TD" : "Y";  // TD: the opt-out reply
  }
  return e;
}

std::optional<Conversion> SyntheticActivity::next_conversion(std::int64_t at_ms) {
  // One record in twenty cancels a recent order (each at most once).
  if (!cancellable_.empty() && conversion_rng_() % 20 == 0) {
    const auto pick = cancellable_.begin() + static_cast<std::ptrdiff_t>(conversion_rng_() % cancellable_.size());
    Conversion c = *pick;
    cancellable_.erase(pick);
    c.kind = ConversionKind::cancellation;
    c.at_ms = at_ms;
    return c;
  }
  const auto& products = catalogue_.products();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::size_t row = conversion_rng_() % population_.size();
    const auto& product = products[conversion_rng_() % products.size()];
    if (!catalogue_.check(population_, row, product.code).eligible) continue;
    Conversion c;
    c.subscriber = population_.id(row);
    c.product_code = product.code;
    char order[40];
    std::snprintf(order, sizeof order, "ORD-%08llx-%06llu",
                  static_cast<unsigned long long>(options_.seed & 0xffffffffu),
                  static_cast<unsigned long long>(++orders_));
    c.order_id = order;
    c.amount_fen = reference_price_fen(product.code);
    c.at_ms = at_ms;
    cancellable_.push_back(c);
    if (cancellable_.size() > 1000) cancellable_.pop_front();
    return c;
  }
  return std::nullopt;
}

void SyntheticActivity::start(std::function<void(SubscriberEvent)> on_event,
                              std::function<void(Conversion)> on_conversion) {
  if (options_.events_per_second <= 0 && options_.conversions_per_second <= 0) return;
  thread_ = std::thread([this, on_event = std::move(on_event), on_conversion = std::move(on_conversion)] {
    run(on_event, on_conversion);
  });
}

void SyntheticActivity::run(std::function<void(SubscriberEvent)> on_event,
                            std::function<void(Conversion)> on_conversion) {
  // Records are due at the configured rate since the start; each tick makes those now due,
  // so a late tick catches up instead of lowering the rate.
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t events = 0, conversions = 0;
  std::unique_lock lock(mutex_);
  while (!stop_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stopping_; })) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto events_due = static_cast<std::uint64_t>(std::floor(elapsed * options_.events_per_second));
    const auto conversions_due = static_cast<std::uint64_t>(std::floor(elapsed * options_.conversions_per_second));
    lock.unlock();
    const auto at = now_ms();
    for (; events < events_due; ++events) on_event(next_event(at));
    for (; conversions < conversions_due; ++conversions)
      if (auto c = next_conversion(at)) on_conversion(std::move(*c));
    lock.lock();
  }
}

}  // namespace octopus::engine::reference
