// Many threads share one octopus::Client against a live gateway. The package test builds the
// SDK and this program with ThreadSanitizer, so a data race in the SDK (its connection pool,
// its rate-limit state, its signer) fails the run. The threads together go faster than the
// default plan allows (reads: 10/s, burst 20), so the SDK's retries after `rate-limited`
// answers are exercised too: every call must still succeed.
//
//   OCTOPUS_GATEWAY=... OCTOPUS_KEY_ID=... OCTOPUS_KEY_FILE=... OCTOPUS_CA_FILE=... shared-client-stress
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <octopus/sdk.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

int main() {
  using namespace octopus;
  ClientOptions options;
  options.ca_file = env("OCTOPUS_CA_FILE");
  options.pool_size = 3;  // fewer kept connections than threads: some open and close their own
  options.retry.max_attempts = 20;
  options.call_deadline = std::chrono::seconds(60);
  Client client(env("OCTOPUS_GATEWAY"), Credential::from_pem_file(env("OCTOPUS_KEY_ID"), env("OCTOPUS_KEY_FILE")),
                options);
  constexpr int kThreads = 6, kCalls = 8;
  std::atomic<int> ok{0}, failed{0}, retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        ResponseInfo info;
        CallOptions call;
        call.response = &info;
        try {
          if (i == 0)  // audience queries are 1/s on the default plan: one per thread
            client.estimate_audience({segment::equals("city", "jinan")}, call);
          else if (i % 2 == 0)
            client.get_capabilities(call);
          else
            client.list_offers({}, call).all();
          retries += info.attempts - 1;
          ++ok;
        } catch (const std::exception& e) {
          ++failed;
          std::cerr << "thread " << t << ": " << e.what() << "\n";
        }
      }
    });
  for (auto& thread : threads) thread.join();
  std::cout << ok << " calls from " << kThreads << " threads on one client; " << failed << " failed; " << retries
            << " retries; rate-limit policies last seen: " << client.last_rate_limit().policies.size() << std::endl;
  return ok == kThreads * kCalls ? 0 : 1;
}
