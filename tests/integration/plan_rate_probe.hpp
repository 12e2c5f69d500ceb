// Test support: clients sending signed reads to gateway instances at a fixed pace for a
// while, counting what was admitted, refused (429) and anything else, and over how long the
// sends spread: what a plan's rate is checked against when several instances share it.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "gateway_process.hpp"

namespace octopus::testing {

struct PlanRateProbe {
  int admitted = 0, refused = 0, other = 0;
  double seconds = 0;  // from the first send to the last

  // What a plan of `per_second` with a burst of as many admits over the probe.
  double admissible(double per_second) const { return per_second + per_second * seconds; }
};

// One client per instance in `instances`, the i-th starting i × `stagger` after the first,
// each sending every `interval` until `duration` has passed. `headers` signs one request.
inline PlanRateProbe probe_plan_rate(const std::vector<GatewayProcess*>& instances, std::chrono::microseconds interval,
                                     std::chrono::milliseconds stagger, std::chrono::seconds duration,
                                     const std::function<std::vector<client::HeaderField>()>& headers) {
  std::atomic<int> admitted{0}, refused{0}, other{0};
  std::atomic<std::int64_t> first_ns{0}, last_ns{0};
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + duration;
  auto client = [&](GatewayProcess* gw, std::chrono::steady_clock::time_point next) {
    auto conn = gw->partner();
    while (next < end) {
      std::this_thread::sleep_until(next);
      next += interval;
      const auto signed_headers = headers();
      const std::int64_t sent =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
              .count();
      std::int64_t expected = 0;
      first_ns.compare_exchange_strong(expected, sent);
      const auto r = conn.send("GET", "/v1/capabilities", signed_headers);
      if (r.status == 200)
        ++admitted;
      else if (r.status == 429)
        ++refused;
      else
        ++other;
      last_ns = std::max<std::int64_t>(last_ns.load(), sent);
    }
  };
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < instances.size(); ++i)
    clients.emplace_back(client, instances[i], start + stagger * static_cast<int>(i));
  for (auto& t : clients) t.join();
  return {admitted.load(), refused.load(), other.load(), static_cast<double>(last_ns - first_ns) / 1e9};
}

}  // namespace octopus::testing
