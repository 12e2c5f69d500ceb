// What the subscribers of a synthetic population do, at configured rates: events that
// real-time triggers react to (a data balance running low, roaming, entering an area, a
// recharge, an app installed, an SMS reply) and conversions (a product taken, by a
// subscriber eligible for it). Deterministic for a seed: the n-th record is always the same,
// whenever it is made.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "engine/engine.hpp"
#include "engine/reference/population.hpp"
#include "engine/reference/product_catalogue.hpp"

namespace octopus::engine::reference {

struct ActivityOptions {
  double events_per_second = 0;       // 0: no synthetic events (injected ones still flow)
  double conversions_per_second = 0;  // 0: no synthetic conversions
  std::uint64_t seed = 20261128;
};

class SyntheticActivity {
 public:
  SyntheticActivity(const Population& population, const ProductCatalogue& catalogue, ActivityOptions options);
  ~SyntheticActivity();
  SyntheticActivity(const SyntheticActivity&) = delete;
  SyntheticActivity& operator=(const SyntheticActivity&) = delete;

  // Starts a thread that hands records to the sinks at the configured rates (nothing when
  // both rates are 0). Stopped by the destructor.
  void start(std::function<void(SubscriberEvent)> on_event, std::function<void(Conversion)> on_conversion);

  // The next record the generator makes (also what the thread uses).
  SubscriberEvent next_event(std::int64_t at_ms);
  // nullopt when no eligible subscriber-product pair turned up in a few draws.
  std::optional<Conversion> next_conversion(std::int64_t at_ms);

 private:
  void run(std::function<void(SubscriberEvent)> on_event, std::function<void(Conversion)> on_conversion);

  const Population& population_;
  const ProductCatalogue& catalogue_;
  ActivityOptions options_;
  std::mt19937_64 event_rng_, conversion_rng_;
  std::uint64_t orders_ = 0;
  std::deque<Conversion> cancellable_;  // recent orders, one of which a cancellation may take back
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// Monthly price of a reference product in fen (what a conversion is worth).
std::int64_t reference_price_fen(const std::string& product_code);

}  // namespace octopus::engine::reference
