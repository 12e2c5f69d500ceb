// The store's share of a partner request, on PostgreSQL beside SQLite (the baseline) in the
// same run: what an idempotent POST costs the store (claim the key, keep the answer) and what
// a resource read costs (one audience by id), at a fixed rate, as latency percentiles.
//
//   octopus-store-bench [--rate N] [--seconds S]
//
// SQLite is a file in a temporary folder with the gateway's settings (WAL, full fsync);
// PostgreSQL is a throwaway local server started here (tests/support/postgres_server) with
// its durability on (fsync and synchronous commit, as a production primary has them), over
// its Unix socket. A signed GET that reads nothing (capabilities) touches neither.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "app/sql_repositories.hpp"
#include "postgres_server.hpp"
#include "store/postgresql/postgres_database.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using octopus::app::SqlRepositories;

struct Percentiles {
  double p50_us, p99_us, max_us;
};

Percentiles percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * us.size()))]; };
  return {at(0.50), at(0.99), us.back()};
}

// Runs `op(i)` `rate` times a second for `seconds`, each at its slot (no catching up in
// bursts: a late operation starts late and its wait is not counted), and times each.
std::vector<double> at_fixed_rate(int rate, int seconds, const std::function<void(int)>& op) {
  std::vector<double> us;
  const auto period = std::chrono::nanoseconds(1'000'000'000 / rate);
  auto slot = Clock::now();
  for (int i = 0; i < rate * seconds; ++i) {
    std::this_thread::sleep_until(slot);
    const auto start = Clock::now();
    op(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    slot += period;
  }
  return us;
}

void prepare(SqlRepositories& s) {
  s.partners.create_partner({.id = "acme", .display_name = "Acme", .tier = "silver", .category = "internet"});
  s.audiences.create_audience({.id = "aud_1",
                               .partner_id = "acme",
                               .status = "ready",
                               .segment_json = R"({"attribute":"city","eq":"weifang"})",
                               .purpose = "dpv:DirectMarketing",
                               .policy_version = "v1",
                               .created_at = 1,
                               .updated_at = 1});
}

void measure(const char* store, SqlRepositories& s, int rate, int seconds) {
  prepare(s);
  const std::string run = std::to_string(::getpid());
  const auto post = percentiles(at_fixed_rate(rate, seconds, [&](int i) {
    const auto key = run + "-" + std::to_string(i);
    s.idempotency.claim_idempotency_key("acme", key, "fingerprint", 1000, 60, 86400);
    s.idempotency.complete_idempotency_key("acme", key, {202, "application/json", "/v1/audiences/aud_1", "{}"}, 1000);
  }));
  const auto read = percentiles(at_fixed_rate(rate, seconds, [&](int) { s.audiences.get_audience("acme", "aud_1"); }));
  std::printf("%-10s  idempotent POST (claim + answer): p50 %7.0f us  p99 %7.0f us  max %7.0f us\n", store, post.p50_us,
              post.p99_us, post.max_us);
  std::printf("%-10s  read one audience:                p50 %7.0f us  p99 %7.0f us  max %7.0f us\n", store, read.p50_us,
              read.p99_us, read.max_us);
}

}  // namespace

int main(int argc, char** argv) {
  int rate = 200, seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rate") == 0) rate = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::max(1, std::atoi(argv[i + 1]));
  }
  std::printf("store share of a partner request, %d operations/s for %d s each\n", rate, seconds);
  const auto dir = std::filesystem::temp_directory_path() / ("octopus-store-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    SqlRepositories sqlite((dir / "gateway.db").string());
    measure("sqlite", sqlite, rate, seconds);
  }
  {
    octopus::testing::PostgresServer server({"fsync=on", "synchronous_commit=on", "full_page_writes=on"});
    octopus::store::postgresql::PostgresOptions options{.url = server.connection_string(), .tls_mode = "disable"};
    SqlRepositories pg(std::make_unique<octopus::store::postgresql::PostgresDatabase>(options),
                       dir / "audit-signing.key");
    measure("postgresql", pg, rate, seconds);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
