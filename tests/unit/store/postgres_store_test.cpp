// The PostgreSQL store on the test run's real server: how it runs the repositories' SQL, its
// pool, its schema against SQLite's, and several instances sharing one database.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <map>
#include <thread>

#include "app/sql_repositories.hpp"
#include "coordination/leader_lease.hpp"
#include "coordination/sql_lease_repository.hpp"
#include "store/postgresql/change_listener.hpp"
#include "store/postgresql/postgres_connection.hpp"
#include "store/postgresql/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "test_database.hpp"

using namespace octopus::store;
using octopus::app::SqlRepositories;
using postgresql::PostgresDatabase;
using postgresql::PostgresOptions;

namespace {

PostgresOptions options_for(const std::string& url, unsigned pool = 4) {
  return PostgresOptions{.url = url, .tls_mode = "disable", .pool_size = pool};
}

TEST(PostgresSql, NamedParametersBecomeNumberedOnesOncePerName) {
  const auto t = postgresql::translate_parameters(
      "SELECT ':not', \"a:b\", x::text FROM t WHERE a = :id AND (:p = '' OR p = :p) -- :comment\n AND b = :id");
  EXPECT_EQ(t.text,
            "SELECT ':not', \"a:b\", x::text FROM t WHERE a = $1 AND ($2 = '' OR p = $2) -- :comment\n AND b = $1");
  EXPECT_EQ(t.names, (std::vector<std::string>{":id", ":p"}));
  const auto positional = postgresql::translate_parameters("INSERT INTO t VALUES (?, ?, 'it''s ?')");
  EXPECT_EQ(positional.text, "INSERT INTO t VALUES ($1, $2, 'it''s ?')");
}

// The two dialects' schemas hold the same tables with the same columns in the same order,
// the same nullability and the same kind of value. (A primary key column is NOT NULL in
// PostgreSQL whether or not it says so, and in SQLite only when it says so: nullability is
// compared on the other columns.)
TEST(PostgresSchema, MatchesSqlitesTableByTable) {
  const auto dir = std::filesystem::temp_directory_path() / ("octopus-schema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::map<std::string, std::vector<std::string>> sqlite_tables, postgres_tables;
  {
    sqlite::SqliteDatabase lite((dir / "gateway.db").string());
    auto session = lite.session();
    sql::Statement tables(
        session, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (tables.step()) {
      const auto table = tables.text(0);
      sql::Statement columns(session, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(:table) ORDER BY cid");
      columns.bind(":table", table);
      while (columns.step()) {
        const auto type = columns.text(1);
        const std::string kind = type == "INTEGER" ? "integer" : type == "BLOB" ? "bytes" : "text";
        const bool not_null = columns.int64(2) && !columns.int64(3);
        sqlite_tables[table].push_back(columns.text(0) + " " + kind + (not_null ? " not null" : ""));
      }
    }
  }
  std::filesystem::remove_all(dir);
  PostgresDatabase pg(options_for(octopus::testing::fresh_postgres_database()));
  auto session = pg.session();
  sql::Statement columns(
      session,
      "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, CASE WHEN EXISTS ("
      " SELECT 1 FROM information_schema.table_constraints t JOIN information_schema.key_column_usage k"
      " ON k.constraint_name = t.constraint_name AND k.table_name = t.table_name"
      " WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name AND k.column_name = c.column_name)"
      " THEN 1 ELSE 0 END FROM information_schema.columns c "
      "WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position");
  while (columns.step()) {
    const auto type = columns.text(2);
    const std::string kind = type == "bigint" ? "integer" : type == "bytea" ? "bytes" : type;
    const bool not_null = columns.text(3) == "NO" && !columns.int64(4);
    postgres_tables[columns.text(0)].push_back(columns.text(1) + " " + kind + (not_null ? " not null" : ""));
  }
  ASSERT_GE(sqlite_tables.size(), 20u);
  EXPECT_EQ(sqlite_tables, postgres_tables);
}

TEST(PostgresStore, AServerThatCannotBeReachedIsAClearErrorWithoutThePassword) {
  PostgresOptions o{.url = "postgresql://gateway:s3cret-pw@/octopus?host=/nonexistent-octopus-socket-dir",
                    .tls_mode = "disable"};
  try {
    PostgresDatabase db(o);
    FAIL() << "connected to nothing";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to PostgreSQL"), std::string::npos) << what;
    EXPECT_EQ(what.find("s3cret-pw"), std::string::npos) << what;
  }
  o.tls_mode = "sometimes";
  EXPECT_THROW(PostgresDatabase{o}, StoreError);
}

// With verify-full (the default) a server that offers no TLS is refused over TCP; here the
// server listens on a Unix socket only, where libpq never uses TLS, so the default connects.
TEST(PostgresStore, DescribesWhereItIsConnectedWithoutThePassword) {
  PostgresDatabase db(PostgresOptions{.url = octopus::testing::fresh_postgres_database()});
  EXPECT_NE(db.where().find("as postgres"), std::string::npos) << db.where();
  EXPECT_TRUE(db.healthy());
  EXPECT_EQ(db.kind(), "postgresql");
}

// A pool of one: a second caller waits for the first, and gives up with a clear error after
// the acquire timeout rather than hanging.
TEST(PostgresStore, ACallerWaitsForAFreeConnectionThenGivesUp) {
  auto o = options_for(octopus::testing::fresh_postgres_database(), 1);
  o.acquire_timeout = std::chrono::milliseconds(200);
  PostgresDatabase db(o);
  {
    auto held = db.session();
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(db.session(), StoreError);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  }
  EXPECT_NO_THROW(db.session());
}

// A connection the server dropped (a restart, a failover) is not handed out again: the call
// that finds it broken fails, and the next one gets a new connection.
TEST(PostgresStore, ABrokenConnectionIsReplaced) {
  PostgresDatabase db(options_for(octopus::testing::fresh_postgres_database(), 1));
  std::string pid;
  {
    auto session = db.session();
    sql::Statement st(session, "SELECT pg_backend_pid()");
    ASSERT_TRUE(st.step());
    pid = st.text(0);
  }
  {
    PostgresDatabase other(options_for(octopus::testing::shared_postgres() + " dbname=postgres", 1));
    auto session = other.session();
    sql::Statement kill(session, "SELECT pg_terminate_backend(CAST(:pid AS INTEGER))");
    kill.bind(":pid", pid).step();
  }
  EXPECT_THROW(
      {
        auto session = db.session();
        sql::Statement st(session, "SELECT 1");
        st.step();
      },
      StoreError);
  EXPECT_TRUE(db.healthy());
}

// A listener reports every topic once it listens (what changed while nobody listened), then
// each announced change of its topics within milliseconds, and ignores other topics.
TEST(PostgresChanges, AnAnnouncedChangeIsHeardAtOnceAndOthersTopicsAreIgnored) {
  const auto url = octopus::testing::fresh_postgres_database();
  std::mutex mutex;
  std::condition_variable heard;
  std::vector<std::string> topics;
  postgresql::ChangeListener listener(
      options_for(url), {"partners"},
      [&](const std::string& topic) {
        const std::lock_guard held(mutex);
        topics.push_back(topic);
        heard.notify_all();
      },
      std::chrono::hours(1));
  const auto count_reaches = [&](std::size_t n) {
    std::unique_lock held(mutex);
    return heard.wait_for(held, std::chrono::seconds(2), [&] { return topics.size() >= n; });
  };
  ASSERT_TRUE(count_reaches(1)) << "no report once listening";
  PostgresDatabase db(options_for(url));
  {
    auto session = db.session();
    session.connection().announce("something_else");
    const auto announced = std::chrono::steady_clock::now();
    session.connection().announce("partners");
    ASSERT_TRUE(count_reaches(2));
    EXPECT_LT(std::chrono::steady_clock::now() - announced, std::chrono::seconds(1));
  }
  const std::lock_guard held(mutex);
  EXPECT_EQ(topics, (std::vector<std::string>{"partners", "partners"}));
}

// Notifications can be lost (a listener reconnecting misses those sent meanwhile): the check
// interval reports every topic anyway.
TEST(PostgresChanges, WithoutAnyAnnouncementTheCheckIntervalStillReports) {
  std::atomic<int> reports{0};
  postgresql::ChangeListener listener(
      options_for(octopus::testing::fresh_postgres_database()), {"partners"}, [&](const std::string&) { ++reports; },
      std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(550));
  EXPECT_GE(reports.load(), 3);  // once at start, then about every 100 ms
}

// Two instances on one database: one holds the background lease, renewing it past its
// first term; when it stops, the other holds it within a third of the lease's time (its next
// ask). The lease is long enough that a loaded machine's late renewal does not lose it.
TEST(PostgresLease, OneInstanceHoldsTheLeaseAndTheOtherTakesOverWhenItStops) {
  const auto url = octopus::testing::fresh_postgres_database();
  PostgresDatabase db_a(options_for(url)), db_b(options_for(url));
  octopus::coordination::SqlLeaseRepository leases_a(db_a), leases_b(db_b);
  const octopus::coordination::LeaderLeaseOptions options{.ttl = std::chrono::milliseconds(3000)};
  auto a = std::make_unique<octopus::coordination::LeaderLease>(leases_a, options);
  octopus::coordination::LeaderLease b(leases_b, options);
  EXPECT_TRUE(a->held());
  EXPECT_FALSE(b.held());
  std::this_thread::sleep_for(std::chrono::milliseconds(3300));  // past its first term: a renewed it
  EXPECT_TRUE(a->held());
  EXPECT_FALSE(b.held());
  a.reset();  // releases it
  const auto released = std::chrono::steady_clock::now();
  while (!b.held() && std::chrono::steady_clock::now() - released < std::chrono::seconds(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(b.held());
  EXPECT_LE(std::chrono::steady_clock::now() - released, std::chrono::milliseconds(1500));
  EXPECT_GE(b.token(), 2);
}

// Two gateways on one database: of many requests with one idempotency key, spread over both
// and racing, exactly one claims the key; the others see its claim.
TEST(PostgresStore, TwoInstancesClaimAnIdempotencyKeyOnce) {
  const auto url = octopus::testing::fresh_postgres_database();
  const auto dir = std::filesystem::temp_directory_path() / ("octopus-claim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::unique_ptr<SqlRepositories>> instances;
  for (int i = 0; i < 2; ++i)
    instances.push_back(std::make_unique<SqlRepositories>(std::make_unique<PostgresDatabase>(options_for(url)),
                                                          dir / "audit-signing.key"));
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> claimed{0}, in_flight{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        auto& store = instances[static_cast<std::size_t>(t % 2)]->idempotency;
        const auto claim = store.claim_idempotency_key("acme", "key-" + std::to_string(round), "fp", 1000, 60, 86400);
        if (claim.outcome == octopus::idempotency::IdempotencyClaim::Outcome::claimed) ++claimed;
        if (claim.outcome == octopus::idempotency::IdempotencyClaim::Outcome::in_flight) ++in_flight;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(claimed.load(), 1) << "round " << round;
    EXPECT_EQ(in_flight.load(), 7) << "round " << round;
  }
  instances.clear();
  std::filesystem::remove_all(dir);
}

}  // namespace
