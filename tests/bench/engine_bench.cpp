// Reference engine benchmarks (Google Benchmark): the exact count of an audience segment
// over a synthetic population, beside the same COUNT(*) in SQLite over the same rows with
// indexes, measured in the same run.
//   BM_EngineCount/two_cities/N     bitmap algebra: N predicates (2 cities, an age band, a
//                        tag, an excluded tag; always a consent filter), p50/p99 over all runs
//   BM_EngineCount/province_wide/N  the same without the cities: dense bitmaps throughout
//   BM_ConsentFilterCold the consent filter computed from scratch (the engine keeps it once
//                        computed; this is the first query of a filter)
//   BM_SQLiteCount/N     the same question as one SQL COUNT(*), indexes on city and age band
//   BM_PostgresCount/N   the same in PostgreSQL: B-tree indexes on city and age band, a GIN
//                        index on the tag array, parallel workers on; a throwaway server
//                        started by the benchmark (skipped when PostgreSQL is not installed)
// Population size: OCTOPUS_BENCH_SUBSCRIBERS (default 10,000,000); SQLite and PostgreSQL
// copies: OCTOPUS_BENCH_SQLITE_SUBSCRIBERS / OCTOPUS_BENCH_PG_SUBSCRIBERS (default the same).
// Run: see docs/performance.md.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "engine/reference/reference_engine.hpp"

#ifdef OCTOPUS_BENCH_HAVE_LIBPQ
#include <libpq-fe.h>

#include "postgres_server.hpp"
#endif

namespace octopus::engine::reference {
namespace {

using Clock = std::chrono::steady_clock;

using bench::env_size;
using bench::seconds_since;

std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

ReferenceEngine& engine() {
  static const auto built = [] {
    const auto n = env_size("OCTOPUS_BENCH_SUBSCRIBERS", 10'000'000);
    const auto heap_before = heap_in_use();
    const auto rss_before = resident_bytes();
    const auto start = Clock::now();
    auto population = generate_synthetic_population({20261128, n, 2});
    const double generated = seconds_since(start);
    auto e = std::make_unique<ReferenceEngine>(std::move(population), ReferenceEngineOptions{.workers = 0});
    const double indexed = seconds_since(start) - generated;
    malloc_trim(0);
    const double heap = static_cast<double>(heap_in_use() - heap_before) / static_cast<double>(n);
    const double rss = static_cast<double>(resident_bytes() - rss_before) / static_cast<double>(n);
    std::fprintf(
        stderr,
        "engine population: %zu subscribers; generated in %.2f s, indexed in %.2f s (total %.2f s, 2 threads)\n"
        "engine memory: %.1f B/subscriber heap in use, %.1f B/subscriber resident (columns %.1f + %zu bitmaps "
        "%.1f by their own count)\n",
        n, generated, indexed, generated + indexed, heap, rss,
        static_cast<double>(e->population().bytes()) / static_cast<double>(n), e->index().bitmap_count(),
        static_cast<double>(e->index().bytes()) / static_cast<double>(n));
    return e;
  }();
  return *built;
}

// The segment with the first `predicates` of: city in (jinan, qingdao); age 25-34; tag
// travel; not tag gaming. The consent filter is always there and counts as one predicate.
// With `province_wide`, the city condition is left out: rows come in city blocks, so the
// city bitmaps are a few runs that make every later AND cheap; without them every bitmap
// is dense across the whole population, the engine's slowest case.
CountQuery query(int predicates, bool province_wide = false) {
  using K = SegmentNode::Kind;
  SegmentNode cities{.kind = K::in, .attribute = "city", .values = {"jinan", "qingdao"}};
  SegmentNode age{.kind = K::eq, .attribute = "age_band", .values = {"25-34"}};
  SegmentNode travel{.kind = K::tag, .tag = "travel"};
  SegmentNode gaming{.kind = K::tag, .tag = "gaming"};
  SegmentNode not_gaming{.kind = K::negate, .children = {gaming}};
  SegmentNode all{.kind = K::all};
  std::vector<SegmentNode> parts{cities, age, travel, not_gaming};
  if (province_wide) parts.erase(parts.begin());
  all.children.assign(parts.begin(), parts.begin() + std::min<int>(predicates - 1, static_cast<int>(parts.size())));
  return {all, {"dpv:DirectMarketing", "internet", {"sms", "push"}}};
}

void report_percentiles(benchmark::State& state, std::vector<double>& ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["runs"] = static_cast<double>(ms.size());
}

void BM_EngineCount(benchmark::State& state, bool province_wide) {
  auto& e = engine();
  const auto q = query(static_cast<int>(state.range(0)), province_wide);
  std::uint64_t n = e.count(q).get();  // first call computes and keeps the consent filter
  std::vector<double> ms;
  for (auto _ : state) {
    const auto start = Clock::now();
    n = e.count(q).get();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    benchmark::DoNotOptimize(n);
  }
  state.counters["count"] = static_cast<double>(n);
  report_percentiles(state, ms);
}
BENCHMARK_CAPTURE(BM_EngineCount, two_cities, false)
    ->Arg(3)
    ->Arg(4)
    ->Arg(5)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_EngineCount, province_wide, true)
    ->Arg(2)
    ->Arg(3)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

void BM_ConsentFilterCold(benchmark::State& state) {
  auto& e = engine();
  const ReachableSubscribers reachable(e.population().schema(), e.index());
  const auto filter = query(1).consent;
  std::vector<double> ms;
  for (auto _ : state) {
    const auto start = Clock::now();
    auto b = reachable.compute(filter);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    benchmark::DoNotOptimize(b.raw());
  }
  report_percentiles(state, ms);
}
BENCHMARK(BM_ConsentFilterCold)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// ---- SQLite, the baseline -------------------------------------------------------------

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

// The same subscribers as rows: one integer column per attribute (the value's code), and
// tags, granted and withdrawn consent as bit masks, as the engine's columns hold them.
class SqliteCopy {
 public:
  SqliteCopy() {
    const auto& source = engine().population();
    const auto n = std::min(source.size(), env_size("OCTOPUS_BENCH_SQLITE_SUBSCRIBERS", source.size()));
    path_ = std::filesystem::temp_directory_path() / ("octopus-engine-bench-" + std::to_string(::getpid()) + ".db");
    check(sqlite3_open(path_.c_str(), &db_), db_, "open");
    exec(db_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");
    exec(db_,
         "CREATE TABLE subscribers (id INTEGER PRIMARY KEY, city INT, age_band INT, gender INT, plan_type INT, "
         "network INT, arpu_band INT, data_usage_band INT, device_type INT, device_os INT, tenure_band INT, "
         "roaming_status INT, status INT, tags INT, products INT, granted INT, withdrawn INT)");
    const auto start = Clock::now();
    exec(db_, "BEGIN");
    sqlite3_stmt* insert = nullptr;
    check(sqlite3_prepare_v2(db_, "INSERT INTO subscribers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &insert,
                             nullptr),
          db_, "prepare insert");
    for (std::size_t row = 0; row < n; ++row) {
      int col = 1;
      sqlite3_bind_int64(insert, col++, static_cast<sqlite3_int64>(source.id(row)));
      for (std::size_t a = 0; a < kAttributeCount; ++a)
        sqlite3_bind_int(insert, col++, source.attribute(row, static_cast<Attr>(a)));
      sqlite3_bind_int64(insert, col++, static_cast<sqlite3_int64>(source.tags(row)));
      sqlite3_bind_int64(insert, col++, static_cast<sqlite3_int64>(source.products(row)));
      sqlite3_bind_int64(insert, col++, static_cast<sqlite3_int64>(source.consent_granted(row)));
      sqlite3_bind_int64(insert, col++, static_cast<sqlite3_int64>(source.consent_withdrawn(row)));
      check(sqlite3_step(insert), db_, "insert");
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    exec(db_, "COMMIT");
    const double loaded = seconds_since(start);
    exec(db_,
         "CREATE INDEX by_city_age ON subscribers(city, age_band); CREATE INDEX by_age ON subscribers(age_band);"
         "ANALYZE");
    std::fprintf(stderr, "sqlite copy: %zu rows loaded in %.1f s, indexed in %.1f s (%s)\n", n, loaded,
                 seconds_since(start) - loaded, path_.c_str());
    rows_ = n;
  }
  ~SqliteCopy() {
    sqlite3_close(db_);
    std::filesystem::remove(path_);
  }
  sqlite3* db() const { return db_; }
  std::size_t rows() const { return rows_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::size_t rows_ = 0;
};

SqliteCopy& sqlite_copy() {
  static SqliteCopy copy;
  return copy;
}

std::string sql_for(int predicates) {
  const auto& s = engine().population().schema();
  const auto dm = *s.purpose_index("dpv:DirectMarketing"), internet = *s.category_index("internet");
  const auto consent = (std::uint64_t{1} << s.scope_index({dm, *s.channel_index("sms"), internet})) |
                       (std::uint64_t{1} << s.scope_index({dm, *s.channel_index("push"), internet}));
  std::string sql =
      "SELECT COUNT(*) FROM subscribers WHERE status = " + std::to_string(s.code(Attr::status, "active")) +
      " AND (granted & ~withdrawn & " + std::to_string(consent) + ") != 0";
  if (predicates >= 2)
    sql += " AND city IN (" + std::to_string(s.code(Attr::city, "jinan")) + "," +
           std::to_string(s.code(Attr::city, "qingdao")) + ")";
  if (predicates >= 3) sql += " AND age_band = " + std::to_string(s.code(Attr::age_band, "25-34"));
  if (predicates >= 4) sql += " AND (tags & " + std::to_string(std::uint64_t{1} << *s.tag_index("travel")) + ") != 0";
  if (predicates >= 5) sql += " AND (tags & " + std::to_string(std::uint64_t{1} << *s.tag_index("gaming")) + ") = 0";
  return sql;
}

void BM_SQLiteCount(benchmark::State& state) {
  auto& copy = sqlite_copy();
  const auto predicates = static_cast<int>(state.range(0));
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(copy.db(), sql_for(predicates).c_str(), -1, &stmt, nullptr), copy.db(), "prepare count");
  std::int64_t n = 0;
  std::vector<double> ms;
  for (auto _ : state) {
    const auto start = Clock::now();
    check(sqlite3_step(stmt), copy.db(), "count");
    n = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  sqlite3_finalize(stmt);
  state.counters["count"] = static_cast<double>(n);
  state.counters["rows"] = static_cast<double>(copy.rows());
  // The engine's count over the same rows, when the copy holds them all: the two must agree.
  if (copy.rows() == engine().population().size())
    state.counters["engine_agrees"] = engine().count(query(predicates)).get() == static_cast<std::uint64_t>(n);
  report_percentiles(state, ms);
}
BENCHMARK(BM_SQLiteCount)->Arg(3)->Arg(4)->Arg(5)->Unit(benchmark::kMillisecond)->MinTime(2.0);

#ifdef OCTOPUS_BENCH_HAVE_LIBPQ
// ---- PostgreSQL, the other baseline ---------------------------------------------------

// The same rows in PostgreSQL, as an operator would index them: B-trees on (city, age_band)
// and age_band, tags as an integer array with a GIN index, consent as bit masks. The server
// gets enough shared buffers to hold the table and its indexes, and two parallel workers
// per query (the machine has two cores).
class PostgresCopy {
 public:
  PostgresCopy()
      : server_({"shared_buffers=4GB", "work_mem=256MB", "maintenance_work_mem=2GB", "max_wal_size=16GB",
                 "max_parallel_workers_per_gather=2", "max_parallel_workers=8", "max_worker_processes=8"}) {
    conn_ = PQconnectdb(server_.connection_string().c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn_));
    const auto& source = engine().population();
    const auto n = std::min(source.size(), env_size("OCTOPUS_BENCH_PG_SUBSCRIBERS", source.size()));
    const auto& schema = source.schema();
    exec(
        "CREATE UNLOGGED TABLE subscribers (id bigint PRIMARY KEY, city smallint, age_band smallint, gender smallint, "
        "plan_type smallint, network smallint, arpu_band smallint, data_usage_band smallint, device_type smallint, "
        "device_os smallint, tenure_band smallint, roaming_status smallint, status smallint, tags int[], "
        "products bigint, granted bigint, withdrawn bigint)");
    const auto start = Clock::now();
    copy_rows(source, n, schema.tags().size());
    const double loaded = seconds_since(start);
    exec("CREATE INDEX by_city_age ON subscribers (city, age_band)");
    exec("CREATE INDEX by_age ON subscribers (age_band)");
    exec("CREATE INDEX by_tags ON subscribers USING GIN (tags)");
    exec("VACUUM ANALYZE subscribers");
    std::fprintf(stderr, "postgres copy: %zu rows loaded in %.1f s, indexed and analysed in %.1f s (%s)\n", n, loaded,
                 seconds_since(start) - loaded, PQparameterStatus(conn_, "server_version"));
    rows_ = n;
  }
  ~PostgresCopy() { PQfinish(conn_); }

  std::int64_t count(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      const std::string error = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(sql + ": " + error);
    }
    const std::int64_t n = std::stoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
  }
  // The plan PostgreSQL chose, printed once per query so the comparison can be judged.
  std::string plan(const std::string& sql) {
    PGresult* r = PQexec(conn_, ("EXPLAIN " + sql).c_str());
    std::string out;
    for (int i = 0; i < PQntuples(r); ++i) out += std::string("  ") + PQgetvalue(r, i, 0) + "\n";
    PQclear(r);
    return out;
  }
  std::size_t rows() const { return rows_; }

 private:
  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(r);
    const std::string error = PQresultErrorMessage(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + error);
  }
  void copy_rows(const Population& source, std::size_t n, std::size_t tag_count) {
    PGresult* r = PQexec(conn_, "COPY subscribers FROM STDIN");
    const bool ready = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ready) throw std::runtime_error(std::string("COPY: ") + PQerrorMessage(conn_));
    std::string chunk;
    chunk.reserve(1 << 21);
    for (std::size_t row = 0; row < n; ++row) {
      chunk += std::to_string(source.id(row));
      for (std::size_t a = 0; a < kAttributeCount; ++a) {
        chunk += '\t';
        chunk += std::to_string(source.attribute(row, static_cast<Attr>(a)));
      }
      chunk += "\t{";
      const auto tags = source.tags(row);
      bool first = true;
      for (std::size_t t = 0; t < tag_count; ++t)
        if ((tags >> t) & 1u) {
          if (!first) chunk += ',';
          chunk += std::to_string(t);
          first = false;
        }
      chunk += "}\t" + std::to_string(source.products(row)) + '\t' + std::to_string(source.consent_granted(row)) +
               '\t' + std::to_string(source.consent_withdrawn(row)) + '\n';
      if (chunk.size() > (1 << 20) || row + 1 == n) {
        if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1)
          throw std::runtime_error(std::string("COPY data: ") + PQerrorMessage(conn_));
        chunk.clear();
      }
    }
    if (PQputCopyEnd(conn_, nullptr) != 1) throw std::runtime_error(std::string("COPY end: ") + PQerrorMessage(conn_));
    r = PQgetResult(conn_);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string error = PQresultErrorMessage(r);
    PQclear(r);
    while ((r = PQgetResult(conn_))) PQclear(r);
    if (!ok) throw std::runtime_error("COPY: " + error);
  }

  octopus::testing::PostgresServer server_;
  PGconn* conn_ = nullptr;
  std::size_t rows_ = 0;
};

PostgresCopy* postgres_copy() {
  static std::unique_ptr<PostgresCopy> copy = [] {
    try {
      return std::make_unique<PostgresCopy>();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "postgres: not compared: %s\n", e.what());
      return std::unique_ptr<PostgresCopy>();
    }
  }();
  return copy.get();
}

// The SQLite question, with tags through the GIN-indexed array instead of a bit mask.
std::string postgres_sql_for(int predicates) {
  const auto& s = engine().population().schema();
  std::string sql = sql_for(std::min(predicates, 3));
  if (predicates >= 4) sql += " AND tags @> ARRAY[" + std::to_string(*s.tag_index("travel")) + "]";
  if (predicates >= 5) sql += " AND NOT (tags @> ARRAY[" + std::to_string(*s.tag_index("gaming")) + "])";
  return sql;
}

void BM_PostgresCount(benchmark::State& state) {
  auto* copy = postgres_copy();
  if (!copy) {
    state.SkipWithError("PostgreSQL is not available");
    for (auto _ : state) {
    }
    return;
  }
  const auto predicates = static_cast<int>(state.range(0));
  const auto sql = postgres_sql_for(predicates);
  static std::set<int> planned;  // Google Benchmark calls this several times per argument
  if (planned.insert(predicates).second)
    std::fprintf(stderr, "postgres plan, %d predicates:\n%s", predicates, copy->plan(sql).c_str());
  std::int64_t n = copy->count(sql);  // warm: the first run reads the table into shared buffers
  std::vector<double> ms;
  for (auto _ : state) {
    const auto start = Clock::now();
    n = copy->count(sql);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  state.counters["count"] = static_cast<double>(n);
  state.counters["rows"] = static_cast<double>(copy->rows());
  if (copy->rows() == engine().population().size())
    state.counters["engine_agrees"] = engine().count(query(predicates)).get() == static_cast<std::uint64_t>(n);
  report_percentiles(state, ms);
}
// The work happens in the server process, so the time that counts is wall-clock time.
BENCHMARK(BM_PostgresCount)->Arg(3)->Arg(4)->Arg(5)->Unit(benchmark::kMillisecond)->MinTime(10.0)->UseRealTime();
#endif

}  // namespace
}  // namespace octopus::engine::reference

BENCHMARK_MAIN();
