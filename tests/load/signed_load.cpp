// octopus-load: the load tool behind tests/load/run_auth_load.sh.
//
// N threads, each with one synchronous keep-alive HttpsConnection, send requests for a
// fixed time. With --sign every request is signed afresh (RFC 9421 ed25519, new nonce
// and created), exactly as a partner would; without it the same requests go out
// unsigned, so the same tool measures a baseline server (nginx) in the same way.
//
// Closed loop by default (each connection sends its next request as soon as the last
// answer arrives: the peak rate). With --rate R the connections share a schedule of R
// requests/s and latency is measured from each request's *intended* start, so a stall
// is not hidden by the requests it delays (no coordinated omission); the service time
// from the actual send is reported beside it.
//
// Every latency of the measured window is kept (8 bytes each) and the percentiles are
// exact. Results go to stdout as a readable block and as one JSON line (prefix
// "JSON "), which the script reads. This is a benchmark: it prints numbers, it never
// passes or fails on them.
//
// Other modes:
//   --gen-key FILE        writes a fresh ed25519 seed (64 hex characters) to FILE and
//                         prints the raw public key, standard base64, for the admin API
//   --verify-bench        libsodium crypto_sign_verify_detached (through
//                         octopus::protocol::ed25519_verify) on one thread, then on every
//                         core at once; also signing and the SDK's whole sign_request
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>  // clock_gettime
#include <fstream>
#include <iostream>
#include <latch>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "octopus/client/https_connection.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/ed25519.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using octopus::client::HttpsConnection;
using octopus::client::TlsOptions;
using octopus::protocol::HeaderField;

const char* const kUsage = R"(octopus-load — signed-request load tool (tests/load)

Usage:
  octopus-load --port PORT [options]          run load
  octopus-load --gen-key SEED_FILE            new key: writes the seed, prints the public key (base64)
  octopus-load --verify-bench [--seconds S]   ed25519 verifications/s on one core

Load options:
  --host HOST              server address (default 127.0.0.1)
  --port PORT              server port (required)
  --target PATH            request target (default /v1/capabilities)
  --connections N          keep-alive connections, one thread each (default 8)
  --duration S             measured seconds (default 10)
  --warmup S               seconds of load before measuring, not counted (default 2)
  --rate R                 total requests/s over all connections (default: as fast as possible)
  --sign                   sign every request (needs --keyid and --key-seed-file)
  --keyid ID               RFC 9421 keyid registered at the gateway
  --key-seed-file FILE     64 hex characters (ed25519 seed), or a PKCS#8 PEM private key
  --ca-file FILE           CA to trust (default: system store)
  --insecure               do not verify the server certificate
  --server-name NAME       SNI and certificate name (default localhost)
  --server-pid PID[,PID..] also report these processes' CPU time over the measured window
  --label TEXT             name printed with the results (default: sign/plain)
  --quiet                  print only the JSON line
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "octopus-load: " << message << "\nTry 'octopus-load --help'.\n";
  std::exit(2);
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------------------------------
// CPU accounting: this process (getrusage), other processes (/proc/PID/stat) and the whole
// machine (/proc/stat), each sampled at the start and the end of the measured window.

double rusage_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// utime + stime of a process (all its threads), in seconds; nullopt when unreadable.
std::optional<double> process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  // The command name (field 2) is in parentheses and may contain spaces: skip past ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields from 3 (state) on; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct MachineTicks {
  unsigned long long total = 0, idle = 0, steal = 0;
};

MachineTicks machine_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  MachineTicks t;
  if (!(in >> cpu) || cpu != "cpu") return t;
  // user nice system idle iowait irq softirq steal guest guest_nice
  unsigned long long v[10] = {};
  for (auto& x : v) in >> x;
  for (int i = 0; i < 8; ++i) t.total += v[i];  // guest time is already inside user
  t.idle = v[3] + v[4];
  t.steal = v[7];
  return t;
}

// ---------------------------------------------------------------------------------------
// Keys

std::optional<octopus::protocol::Ed25519PrivateKey> load_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.find("-----BEGIN") != std::string::npos) return octopus::protocol::Ed25519PrivateKey::from_pem(text);
  text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }), text.end());
  if (text.size() != 64) return std::nullopt;
  std::array<std::uint8_t, 32> seed{};
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    if (std::sscanf(text.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
    seed[i] = static_cast<std::uint8_t>(v);
  }
  return octopus::protocol::Ed25519PrivateKey::from_seed(seed);
}

int gen_key(const std::string& path) {
  auto key = octopus::protocol::Ed25519PrivateKey::generate();
  const auto seed = key.seed();
  std::ofstream out(path, std::ios::trunc);
  if (!out) {
    std::cerr << "octopus-load: cannot write " << path << "\n";
    return 1;
  }
  char hex[3];
  for (auto b : seed) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    out << hex;
  }
  out << "\n";
  const auto pub = key.public_key();
  std::cout << octopus::protocol::base64_encode(pub.data(), pub.size()) << "\n";
  return 0;
}

// ---------------------------------------------------------------------------------------
// --verify-bench

// Runs `op` repeatedly for about `seconds` of wall time on this thread; returns operations
// per second of this thread's CPU time (per core) and of wall time.
template <class Op>
std::pair<double, double> rate_of(double seconds, Op&& op) {
  timespec c0{}, c1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  const auto w0 = Clock::now();
  const auto until = w0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::uint64_t n = 0;
  while (Clock::now() < until) {
    for (int i = 0; i < 32; ++i) op();
    n += 32;
  }
  const auto w1 = Clock::now();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  const double cpu = static_cast<double>(c1.tv_sec - c0.tv_sec) + static_cast<double>(c1.tv_nsec - c0.tv_nsec) / 1e9;
  return {static_cast<double>(n) / cpu, static_cast<double>(n) / seconds_between(w0, w1)};
}

int verify_bench(double seconds, bool quiet) {
  using namespace octopus::protocol;
  ensure_sodium_initialised();
  const auto key = Ed25519PrivateKey::generate();
  const auto pub = key.public_key();
  // A signature base the size of a signed GET /v1/capabilities (RFC 9421 §2.5).
  const std::string base =
      "\"@method\": GET\n\"@authority\": 127.0.0.1:8443\n\"@path\": /v1/capabilities\n"
      "\"@signature-params\": (\"@method\" \"@authority\" \"@path\");created=1767225600;"
      "nonce=\"q3Bv0f5JrQ8m0y6n4ZkCwA\";keyid=\"load-bench-key\";alg=\"ed25519\"";
  const auto sig = key.sign(base);
  if (!ed25519_verify(pub, base, sig.data(), sig.size())) {
    std::cerr << "octopus-load: a fresh signature does not verify\n";
    return 1;
  }
  volatile bool sink = false;
  auto [verify_cpu, verify_wall] = rate_of(seconds, [&] { sink = ed25519_verify(pub, base, sig.data(), sig.size()); });
  auto [sign_cpu, sign_wall] = rate_of(seconds / 2, [&] { sink = key.sign(base)[0] == 0; });
  octopus::client::Credential cred{"load-bench-key", key};
  auto [signreq_cpu, signreq_wall] = rate_of(seconds / 2, [&] {
    std::vector<HeaderField> headers;
    octopus::client::sign_request("GET", "127.0.0.1:8443", "/v1/capabilities", headers, "", cred);
    sink = headers.empty();
  });
  // The same on every core at once: what the machine as a whole can verify (shared
  // caches, turbo limits and the hypervisor can make this less than cores x one core).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> per_thread(cores);
  {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < cores; ++t)
      threads.emplace_back([&, t] {
        volatile bool local = false;
        per_thread[t] = rate_of(seconds, [&] { local = ed25519_verify(pub, base, sig.data(), sig.size()); }).second;
        (void)local;
      });
    for (auto& th : threads) th.join();
  }
  const double all_cores = std::accumulate(per_thread.begin(), per_thread.end(), 0.0);
  (void)sink;
  if (!quiet) {
    std::printf("ed25519 verify (libsodium, 1 thread): %.0f /s per core (%.1f us each), %.0f /s wall\n", verify_cpu,
                1e6 / verify_cpu, verify_wall);
    std::printf("ed25519 verify, %u threads at once:    %.0f /s in all (%.0f /s per core)\n", cores, all_cores,
                all_cores / cores);
    std::printf("ed25519 sign:                         %.0f /s per core (%.1f us each)\n", sign_cpu, 1e6 / sign_cpu);
    std::printf("SDK sign_request (whole, client):     %.0f /s per core (%.1f us each)\n", signreq_cpu,
                1e6 / signreq_cpu);
  }
  std::printf(
      "JSON {\"tool\":\"octopus-load\",\"mode\":\"verify-bench\",\"seconds\":%.2f,\"message_bytes\":%zu,"
      "\"verify_per_s_core\":%.1f,\"verify_us\":%.3f,\"verify_per_s_wall\":%.1f,"
      "\"verify_threads\":%u,\"verify_all_cores_per_s\":%.1f,"
      "\"sign_per_s_core\":%.1f,\"sign_us\":%.3f,\"sign_request_per_s_core\":%.1f,\"sign_request_us\":%.3f}\n",
      seconds, base.size(), verify_cpu, 1e6 / verify_cpu, verify_wall, cores, all_cores, sign_cpu, 1e6 / sign_cpu,
      signreq_cpu, 1e6 / signreq_cpu);
  return 0;
}

// ---------------------------------------------------------------------------------------
// Load

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string target = "/v1/capabilities";
  unsigned connections = 8;
  double duration = 10;
  double warmup = 2;
  double rate = 0;
  bool sign = false;
  std::string keyid;
  std::string key_file;
  TlsOptions tls;
  std::vector<long> server_pids;
  std::string label;
  bool quiet = false;
};

struct WorkerResult {
  std::vector<std::uint64_t> latency_ns;  // measured window; paced: from the intended start
  std::vector<std::uint64_t> service_ns;  // paced only: from the actual send
  std::uint64_t ok = 0;                   // 2xx in the window
  std::uint64_t non_2xx = 0;              // in the window
  std::uint64_t transport_errors = 0;     // whole run (connects, resets, timeouts)
  std::uint64_t reconnects = 0;
  std::uint64_t total_sent = 0;  // whole run, warm-up included
  std::uint64_t sign_ns = 0;     // time in sign_request, measured window
  std::uint64_t late = 0;        // paced: sends that started >1 ms after their slot
  std::string first_error;
  std::string tls_version;  // of the first connection
};

struct Window {
  Clock::time_point start;  // load begins (warm-up)
  Clock::time_point measure_from;
  Clock::time_point measure_until;
};

void run_connection(unsigned index, const Options& o, const std::optional<octopus::client::Credential>& cred,
                    std::latch& connected, std::latch& go, const Window& window, WorkerResult& r) {
  std::optional<HttpsConnection> conn;
  auto connect = [&]() -> bool {
    try {
      conn.emplace(o.host, o.port, o.tls);
      return true;
    } catch (const std::exception& e) {
      ++r.transport_errors;
      if (r.first_error.empty()) r.first_error = e.what();
      conn.reset();
      return false;
    }
  };
  // Handshakes happen before the window is fixed, so TLS set-up is never measured. A
  // connection that fails here retries during the run and shows up as errors.
  if (connect()) r.tls_version = conn->tls_version();
  connected.count_down();
  go.wait();  // the main thread has published `window`
  std::this_thread::sleep_until(window.start);

  const bool paced = o.rate > 0;
  // Each connection takes every N-th slot of one shared schedule, offset by its index.
  const auto interval = paced ? std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(static_cast<double>(o.connections) / o.rate))
                              : Clock::duration::zero();
  auto next = window.start + (paced ? interval * index / o.connections : Clock::duration::zero());
  const std::string authority = o.host + ":" + std::to_string(o.port);
  std::vector<HeaderField> headers;
  const double per_conn_guess = paced ? o.rate / o.connections : 20000.0;
  r.latency_ns.reserve(static_cast<std::size_t>(std::min(per_conn_guess * o.duration * 1.2 + 1024, 5e7)));
  if (paced) r.service_ns.reserve(r.latency_ns.capacity());

  for (;;) {
    if (paced) {
      if (next >= window.measure_until) break;
      std::this_thread::sleep_until(next);
    }
    const auto send_at = Clock::now();
    if (send_at >= window.measure_until) break;
    const auto intended = paced ? next : send_at;
    const bool measured = intended >= window.measure_from;
    if (paced) {
      if (measured && send_at - next > std::chrono::milliseconds(1)) ++r.late;
      next += interval;
    }
    if (!conn && !connect()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    headers.clear();
    std::uint64_t sign_ns = 0;
    if (cred) {
      const auto s0 = Clock::now();
      octopus::client::sign_request("GET", authority, o.target, headers, "", *cred);
      sign_ns =
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s0).count());
    }
    int status = 0;
    std::string error_body;
    try {
      auto res = conn->send("GET", o.target, headers);
      status = res.status;
      if (status < 200 || status > 299) error_body = std::move(res.body);
      if (res.header("connection") == "close") {
        conn.reset();
        ++r.reconnects;
      }
    } catch (const std::exception& e) {
      ++r.transport_errors;
      if (r.first_error.empty()) r.first_error = e.what();
      conn.reset();
      ++r.reconnects;
      continue;
    }
    ++r.total_sent;
    const auto done = Clock::now();
    if (!measured) continue;  // warm-up
    // Closed loop: count only answers inside the window, so req/s = answers / duration.
    if (!paced && done >= window.measure_until) break;
    r.sign_ns += sign_ns;
    if (status >= 200 && status <= 299) {
      ++r.ok;
      r.latency_ns.push_back(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(done - intended).count()));
      if (paced)
        r.service_ns.push_back(
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(done - send_at).count()));
    } else {
      ++r.non_2xx;
      if (r.first_error.empty()) r.first_error = "HTTP " + std::to_string(status) + ": " + error_body.substr(0, 400);
    }
  }
}

double percentile_ms(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1e6;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int run_load(const Options& o) {
  std::optional<octopus::client::Credential> cred;
  if (o.sign) {
    auto key = load_key(o.key_file);
    if (!key) usage_error("cannot read an ed25519 key from '" + o.key_file + "'");
    cred.emplace(octopus::client::Credential{o.keyid, *key});
  }
  octopus::protocol::ensure_sodium_initialised();

  std::vector<WorkerResult> results(o.connections);
  std::latch connected(static_cast<std::ptrdiff_t>(o.connections));
  std::latch go(1);
  Window window;
  std::vector<std::thread> threads;
  threads.reserve(o.connections);
  for (unsigned i = 0; i < o.connections; ++i)
    threads.emplace_back([&, i] { run_connection(i, o, cred, connected, go, window, results[i]); });
  connected.wait();
  const auto as_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  window.start = Clock::now() + std::chrono::milliseconds(20);
  window.measure_from = window.start + as_duration(o.warmup);
  window.measure_until = window.measure_from + as_duration(o.duration);
  go.count_down();

  // Sample every CPU counter at both edges of the measured window.
  std::this_thread::sleep_until(window.measure_from);
  const double self0 = rusage_cpu_seconds();
  const auto m0 = machine_ticks();
  std::vector<std::optional<double>> server0;
  for (long pid : o.server_pids) server0.push_back(process_cpu_seconds(pid));
  std::this_thread::sleep_until(window.measure_until);
  const double self1 = rusage_cpu_seconds();
  const auto m1 = machine_ticks();
  double server_cpu = 0;
  bool server_ok = !o.server_pids.empty();
  for (std::size_t i = 0; i < o.server_pids.size(); ++i) {
    auto v = process_cpu_seconds(o.server_pids[i]);
    if (!v || !server0[i])
      server_ok = false;
    else
      server_cpu += *v - *server0[i];
  }
  for (auto& t : threads) t.join();

  std::uint64_t ok = 0, non_2xx = 0, transport = 0, reconnects = 0, total = 0, sign_ns = 0, late = 0;
  std::string first_error, tls_version;
  std::vector<std::uint64_t> lat, svc;
  for (auto& r : results) {
    if (tls_version.empty()) tls_version = r.tls_version;
    ok += r.ok;
    non_2xx += r.non_2xx;
    transport += r.transport_errors;
    reconnects += r.reconnects;
    total += r.total_sent;
    sign_ns += r.sign_ns;
    late += r.late;
    if (first_error.empty()) first_error = r.first_error;
    lat.insert(lat.end(), r.latency_ns.begin(), r.latency_ns.end());
    svc.insert(svc.end(), r.service_ns.begin(), r.service_ns.end());
  }
  std::sort(lat.begin(), lat.end());
  std::sort(svc.begin(), svc.end());

  const double rps = static_cast<double>(ok) / o.duration;
  const double answered = static_cast<double>(ok + non_2xx);
  const double self_cpu = self1 - self0;
  const double dt_ticks = static_cast<double>(m1.total - m0.total);
  const double machine_busy = dt_ticks > 0 ? 1.0 - static_cast<double>(m1.idle - m0.idle) / dt_ticks : 0;
  const double machine_steal = dt_ticks > 0 ? static_cast<double>(m1.steal - m0.steal) / dt_ticks : 0;
  // Busy CPU time that was neither this tool nor the named server: other programs (a
  // compiler would show here), kernel threads, interrupts. Large values spoil the run.
  const double busy_s = (dt_ticks - static_cast<double>(m1.idle - m0.idle)) / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double other_cpu = server_ok ? busy_s - self_cpu - server_cpu : busy_s - self_cpu;
  const double per_req = answered > 0 ? 1e6 / answered : 0;  // seconds of CPU -> µs per request
  const std::string label = o.label.empty() ? (o.sign ? "signed" : "plain") : o.label;
  const double p50 = percentile_ms(lat, 50), p90 = percentile_ms(lat, 90), p99 = percentile_ms(lat, 99),
               p999 = percentile_ms(lat, 99.9), pmax = lat.empty() ? 0 : static_cast<double>(lat.back()) / 1e6;
  const double mean = lat.empty() ? 0
                                  : static_cast<double>(std::accumulate(lat.begin(), lat.end(), std::uint64_t{0})) /
                                        static_cast<double>(lat.size()) / 1e6;

  if (!o.quiet) {
    const std::string pacing =
        o.rate > 0 ? ", paced at " + std::to_string(static_cast<long>(o.rate)) + " req/s" : " (closed loop)";
    std::printf("%s: %s https://%s:%u%s over %s, %u connections, %.1f s measured after %.1f s warm-up%s\n",
                label.c_str(), o.sign ? "signed GET" : "plain GET", o.host.c_str(), o.port, o.target.c_str(),
                tls_version.c_str(), o.connections, o.duration, o.warmup, pacing.c_str());
    std::printf("  requests/s %.0f   2xx %llu   non-2xx %llu   transport errors %llu   reconnects %llu\n", rps,
                static_cast<unsigned long long>(ok), static_cast<unsigned long long>(non_2xx),
                static_cast<unsigned long long>(transport), static_cast<unsigned long long>(reconnects));
    std::printf("  latency ms%s: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
                o.rate > 0 ? " (from intended start)" : "", p50, p90, p99, p999, pmax, mean);
    if (o.rate > 0)
      std::printf("  service ms (from actual send): p50 %.3f  p99 %.3f   sends >1 ms late: %llu\n",
                  percentile_ms(svc, 50), percentile_ms(svc, 99), static_cast<unsigned long long>(late));
    std::printf("  CPU in window: load tool %.2f s (%.1f us/req, signing %.1f us/req)", self_cpu, self_cpu * per_req,
                answered > 0 ? static_cast<double>(sign_ns) / 1e3 / answered : 0);
    if (server_ok) std::printf(", server %.2f s (%.1f us/req)", server_cpu, server_cpu * per_req);
    std::printf("; machine busy %.0f %% (steal %.1f %%), other CPU %.2f s\n", machine_busy * 100, machine_steal * 100,
                other_cpu);
    if (!first_error.empty()) std::printf("  first error: %s\n", first_error.c_str());
  }
  std::printf(
      "JSON {\"tool\":\"octopus-load\",\"mode\":\"load\",\"label\":\"%s\",\"signed\":%s,\"target\":\"%s\","
      "\"port\":%u,\"connections\":%u,\"duration_s\":%.3f,\"warmup_s\":%.3f,\"rate_target\":%.1f,"
      "\"requests_per_s\":%.1f,\"ok\":%llu,\"non_2xx\":%llu,\"transport_errors\":%llu,\"reconnects\":%llu,"
      "\"sent_total\":%llu,\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f,"
      "\"mean_ms\":%.4f,\"service_p50_ms\":%.4f,\"service_p99_ms\":%.4f,\"late_sends\":%llu,"
      "\"client_cpu_s\":%.4f,\"client_cpu_us_per_req\":%.2f,\"client_sign_us_per_req\":%.2f,"
      "\"server_cpu_s\":%.4f,\"server_cpu_us_per_req\":%.2f,\"machine_busy\":%.4f,\"machine_steal\":%.4f,"
      "\"other_cpu_s\":%.4f,"
      "\"cores\":%ld,\"tls\":\"%s\",\"first_error\":\"%s\"}\n",
      json_escape(label).c_str(), o.sign ? "true" : "false", json_escape(o.target).c_str(), o.port, o.connections,
      o.duration, o.warmup, o.rate, rps, static_cast<unsigned long long>(ok), static_cast<unsigned long long>(non_2xx),
      static_cast<unsigned long long>(transport), static_cast<unsigned long long>(reconnects),
      static_cast<unsigned long long>(total), p50, p90, p99, p999, pmax, mean, percentile_ms(svc, 50),
      percentile_ms(svc, 99), static_cast<unsigned long long>(late), self_cpu, self_cpu * per_req,
      answered > 0 ? static_cast<double>(sign_ns) / 1e3 / answered : 0, server_ok ? server_cpu : -1.0,
      server_ok ? server_cpu * per_req : -1.0, machine_busy, machine_steal, other_cpu, sysconf(_SC_NPROCESSORS_ONLN),
      json_escape(tls_version).c_str(), json_escape(first_error).c_str());
  std::fflush(stdout);
  return 0;
}

double parse_number(const std::string& option, const std::string& text, double min, double max) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !(v >= min && v <= max))
    usage_error(option + " needs a number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                text + "'");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Options o;
  o.tls.server_name = "localhost";
  bool verify = false;
  double bench_seconds = 2;
  std::string gen_key_file;
  bool port_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) usage_error(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--gen-key")
      gen_key_file = value();
    else if (a == "--verify-bench")
      verify = true;
    else if (a == "--seconds")
      bench_seconds = parse_number(a, value(), 0.1, 600);
    else if (a == "--host")
      o.host = value();
    else if (a == "--port") {
      o.port = static_cast<unsigned short>(parse_number(a, value(), 1, 65535));
      port_given = true;
    } else if (a == "--target")
      o.target = value();
    else if (a == "--connections")
      o.connections = static_cast<unsigned>(parse_number(a, value(), 1, 4096));
    else if (a == "--duration")
      o.duration = parse_number(a, value(), 0.1, 86400);
    else if (a == "--warmup")
      o.warmup = parse_number(a, value(), 0, 3600);
    else if (a == "--rate")
      o.rate = parse_number(a, value(), 0.001, 1e8);
    else if (a == "--sign")
      o.sign = true;
    else if (a == "--keyid")
      o.keyid = value();
    else if (a == "--key-seed-file")
      o.key_file = value();
    else if (a == "--ca-file")
      o.tls.ca_file = value();
    else if (a == "--insecure")
      o.tls.verify_peer = false;
    else if (a == "--server-name")
      o.tls.server_name = value();
    else if (a == "--server-pid") {
      std::stringstream list(value());
      std::string item;
      while (std::getline(list, item, ','))
        if (!item.empty()) o.server_pids.push_back(static_cast<long>(parse_number("--server-pid", item, 1, 1e9)));
    } else if (a == "--label")
      o.label = value();
    else if (a == "--quiet")
      o.quiet = true;
    else
      usage_error("unknown option '" + a + "'");
  }
  try {
    if (!gen_key_file.empty()) return gen_key(gen_key_file);
    if (verify) return verify_bench(bench_seconds, o.quiet);
    if (!port_given) usage_error("--port is required (or --gen-key / --verify-bench)");
    if (o.sign && (o.keyid.empty() || o.key_file.empty())) usage_error("--sign needs --keyid and --key-seed-file");
    return run_load(o);
  } catch (const std::exception& e) {
    std::cerr << "octopus-load: " << e.what() << "\n";
    return 1;
  }
}
