#!/usr/bin/env bash
# The partner-plane performance benchmark (docs/performance.md).
#
# In one run, on this machine, with one load tool (octopus-load) for every target:
#   1. libsodium ed25519 verifications/s on one core (the floor of a signed request's cost)
#   2. nginx serving a static 200 over TLS, closed loop, C connections, D seconds
#   3. the gateway: GET /v1/capabilities, every request freshly signed (own nonce) and
#      verified, closed loop, C connections, D seconds (its peak rate)
#   4. the verification benchmark again (this VM's speed drifts; the cost used for the
#      ratios is the mean of 1 and 4, which bracket the gateway's peak run)
#   5. the gateway again, paced at a fraction (default 1/2) of the rate measured in 3
#   6. nginx paced at that same rate (the baseline for latency at that rate)
# and prints the figures side by side with the ratios the performance targets are stated
# in. It prints numbers; it never passes or fails on them.
#
# Everything listens on 127.0.0.1 only. All processes it starts are stopped on exit.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)

BUILD_DIR="$SOURCE_DIR/build/default"
CONNECTIONS=8
DURATION=10
WARMUP=2
RATE_FRACTION=0.5
VERIFY_SECONDS=2
GATEWAY_IO_THREADS=0   # 0: the gateway's default (one per core)
NGINX_WORKERS=$(nproc)
DO_BUILD=0
WAIT_IDLE=0
JSON_OUT=""
KEEP_TMP=0
PERF=0
METRICS_COST=0

usage() {
  cat <<EOF
Usage: tests/load/run_auth_load.sh [options]

  --build-dir DIR        build tree holding gateway/octopus-gateway and tests/load/octopus-load
                         (default: $SOURCE_DIR/build/default)
  --build                build those two targets in --build-dir first (cmake --build)
  --connections N        keep-alive connections for every target (default $CONNECTIONS)
  --duration S           measured seconds per run (default $DURATION)
  --warmup S             unmeasured seconds of load before each run (default $WARMUP)
  --rate-fraction F      the paced run's rate as a fraction of the gateway's peak (default $RATE_FRACTION)
  --verify-seconds S     length of the ed25519 verification benchmark (default $VERIFY_SECONDS)
  --gateway-io-threads N the gateway's threads.io (default: one per core)
  --nginx-workers N      nginx worker_processes (default: nproc = $NGINX_WORKERS)
  --wait-idle S          wait up to S seconds for running compilers (cc1plus) to finish first
  --json-out FILE        also append every raw JSON result line to FILE
  --keep-tmp             keep the temporary directory (configs, logs, perf.data) for inspection
  --perf                 after the measurements, one more peak run with 'perf record' on the
                         gateway (not part of the figures); prints its hottest symbols
  --metrics-cost N       after the measurements, two fresh gateways, request metrics on and
                         off (metrics.requests: false), and N peak runs of each, alternating;
                         prints their medians and what counting costs
  -h, --help
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --build) DO_BUILD=1; shift ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --rate-fraction) RATE_FRACTION=$2; shift 2 ;;
    --verify-seconds) VERIFY_SECONDS=$2; shift 2 ;;
    --gateway-io-threads) GATEWAY_IO_THREADS=$2; shift 2 ;;
    --nginx-workers) NGINX_WORKERS=$2; shift 2 ;;
    --wait-idle) WAIT_IDLE=$2; shift 2 ;;
    --json-out) JSON_OUT=$2; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    --perf) PERF=1; shift ;;
    --metrics-cost) METRICS_COST=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_auth_load.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf '>> %s\n' "$*" >&2; }
die() { printf 'run_auth_load.sh: %s\n' "$*" >&2; exit 1; }

for tool in nginx curl openssl awk; do
  command -v "$tool" >/dev/null || die "'$tool' is required (nginx: apt-get install nginx-light)"
done
[ "$PERF" = 0 ] || command -v perf >/dev/null || die "--perf needs 'perf' (linux-perf)"

if [ "$DO_BUILD" = 1 ]; then
  log "building octopus-gateway and octopus-load in $BUILD_DIR"
  cmake --build "$BUILD_DIR" --target octopus-gateway octopus-load
fi
GATEWAY_BIN="$BUILD_DIR/gateway/octopus-gateway"
LOAD_BIN="$BUILD_DIR/tests/load/octopus-load"
[ -x "$GATEWAY_BIN" ] || die "no $GATEWAY_BIN (configure with -DOCTOPUS_BUILD_BENCH=ON and pass --build, or --build-dir)"
[ -x "$LOAD_BIN" ] || die "no $LOAD_BIN (configure with -DOCTOPUS_BUILD_BENCH=ON and pass --build, or --build-dir)"

# ---------------------------------------------------------------------------------------
# Processes and clean-up

TMP=$(mktemp -d -t octopus-load.XXXXXX)
GW_PID=""
GATEWAY_PIDS=""   # every gateway started, from the moment it starts (cleanup stops them all)
NGINX_PID=""
cleanup() {
  local rc=$?
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true   # graceful: the master stops its workers
    for _ in $(seq 1 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  for pid in $GATEWAY_PIDS; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A loopback port nothing listens on (connection refused). Another program could take it
# before we bind; then the start-up below fails loudly rather than measuring the wrong thing.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}

# Anything else burning CPU distorts a 2-core measurement: report compilers.
compilers() { pgrep -c -x cc1plus 2>/dev/null || true; }
if [ "$WAIT_IDLE" != 0 ]; then
  for _ in $(seq 1 "$WAIT_IDLE"); do [ "$(compilers)" = 0 ] && break; sleep 1; done
fi
COMPILERS_BEFORE=$(compilers)
LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$COMPILERS_BEFORE" = 0 ] || log "warning: $COMPILERS_BEFORE compiler process(es) running; figures will be low"

# CPU seconds of every process, "pid comm seconds" per line (for naming what else ran).
proc_cpu() {
  local tck
  tck=$(getconf CLK_TCK)
  for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null || true; done |
    awk -v tck="$tck" '{ pid = $1; s = $0; sub(/^[^(]*\(/, "", s); comm = s; sub(/\).*$/, "", comm); gsub(/ /, "_", comm)
                         sub(/^.*\) /, "", s); split(s, f, " "); print pid, comm, (f[12] + f[13]) / tck }'
}
# The processes, other than ours, that used the most CPU between two proc_cpu snapshots.
OURS_RE='^(octopus-load|octopus-gateway|nginx)$'
other_cpu_report() {
  awk -v ours="$OURS_RE" 'NR == FNR { before[$1] = $3; next }
       $2 !~ ours { d = $3 - (($1 in before) ? before[$1] : 0); if (d > 0) { cpu[$2] += d; n[$2]++ } }
       END { for (c in cpu) if (cpu[c] >= 0.2) printf "%s %.1f %d\n", c, cpu[c], n[c] }' "$1" "$2" |
    sort -k2,2 -nr | head -n 4 |
    awk '{ printf "%s%s%s %s s", (NR > 1 ? ", " : ""), $1, ($3 > 1 ? " (x" $3 ")" : ""), $2 }'
}

# JSON field of a result line (flat object; numbers and simple strings).
jfield() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
jerror() { printf '%s\n' "$1" | sed -n 's/.*"first_error":"\(.*\)"}$/\1/p'; }
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }
record() { if [ -n "$JSON_OUT" ]; then printf '%s\n' "$1" >>"$JSON_OUT"; fi; }

# Runs octopus-load, shows its readable output on stderr, returns the JSON line. Also
# notes which other programs used CPU meanwhile (in $TMP/others.<label>).
load() {
  local out label=run
  local -a args=("$@")
  for i in "${!args[@]}"; do [ "${args[$i]}" = --label ] && label=${args[$((i + 1))]}; done
  proc_cpu >"$TMP/cpu.before"
  out=$("$LOAD_BIN" "$@") || die "octopus-load $* failed"
  proc_cpu >"$TMP/cpu.after"
  other_cpu_report "$TMP/cpu.before" "$TMP/cpu.after" >"$TMP/others.$label"
  printf '%s\n' "$out" | grep -v '^JSON ' | sed 's/^/   /' >&2
  [ ! -s "$TMP/others.$label" ] || printf '   other processes: %s\n' "$(cat "$TMP/others.$label")" >&2
  out=$(printf '%s\n' "$out" | sed -n 's/^JSON //p')
  record "$out"
  printf '%s\n' "$out"
}
others() { if [ -s "$TMP/others.$1" ]; then cat "$TMP/others.$1"; else echo "none ≥ 0.2 s"; fi; }

# ---------------------------------------------------------------------------------------
# The gateway

export OCTOPUS_ADMIN_TOKEN
OCTOPUS_ADMIN_TOKEN=$(openssl rand -hex 24)
KEYID=load-bench-key-1
PUB=$("$LOAD_BIN" --gen-key "$TMP/partner.seed")

# Access log off (one JSON line per request to stderr would be part of what we measure,
# and nginx runs with access_log off too). Connections are never closed by a request cap
# during the run, same as nginx's keepalive_requests below. Plan limits are off unless
# QUOTAS=on: this run measures authentication against a static server, and the shipped
# plans would (rightly) refuse a load generator long before the CPU is busy.
gateway_config() {  # [extra YAML]
  cat <<EOF
policies:
  directory: $SCRIPT_DIR/../../policies
  watch_interval_ms: 0
counters:
  enforce_quotas: $([ "${QUOTAS:-off}" = on ] && echo true || echo false)
log:
  level: warn
  access_log: false
threads:
  io: $GATEWAY_IO_THREADS
limits:
  max_requests_per_connection: 100000000
  idle_timeout_ms: 120000
${1:-}
EOF
}

# start_gateway NAME PORT ADMIN_PORT [EXTRA_YAML]: a gateway with its own data directory
# ($TMP/NAME-data) and the benchmark partner and its key registered; its pid in STARTED_PID.
start_gateway() {
  local name=$1 port=$2 admin_port=$3 data="$TMP/$1-data" token ca
  ca="$data/tls/ca.pem"
  gateway_config "${4:-}" >"$TMP/$name.yaml"
  # The benchmark's operator account, made on the store before the gateway starts.
  token=$("$GATEWAY_BIN" accounts create bench-admin --role admin --data-dir "$data") ||
    die "cannot create the benchmark's admin account"
  log "starting octopus-gateway ($name) on 127.0.0.1:$port (admin 127.0.0.1:$admin_port)"
  "$GATEWAY_BIN" serve --config "$TMP/$name.yaml" --listen "127.0.0.1:$port" \
    --admin-listen "127.0.0.1:$admin_port" --data-dir "$data" 2>"$TMP/$name.log" &
  STARTED_PID=$!
  GATEWAY_PIDS="$GATEWAY_PIDS $STARTED_PID"
  for _ in $(seq 1 100); do
    if [ -f "$ca" ] && curl -sf --cacert "$ca" "https://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1; then break; fi
    kill -0 "$STARTED_PID" 2>/dev/null || { cat "$TMP/$name.log" >&2; die "the gateway ($name) exited"; }
    sleep 0.1
  done
  curl -sf --cacert "$ca" "https://127.0.0.1:$admin_port/readyz" >/dev/null ||
    die "the gateway ($name) never became ready"
  local -a admin=(curl -sS -f --cacert "$ca" -H "Authorization: Bearer $token" -H 'Content-Type: application/json')
  "${admin[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners" >/dev/null \
    -d '{"id":"load-bench","display_name":"Load benchmark","tier":"silver","category":"internet","scopes":["audiences:read","offers:read","deliveries:write"]}' ||
    die "cannot register the benchmark partner on $name"
  "${admin[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners/load-bench/keys" >/dev/null \
    -d "{\"key_id\":\"$KEYID\",\"algorithm\":\"ed25519\",\"public_key\":\"$PUB\"}" ||
    die "cannot register the benchmark key on $name"  # One signed request end to end before measuring anything: a set-up mistake must show as
  # an error here, not as a fast stream of 401s.
  local smoke
  smoke=$("$LOAD_BIN" --quiet --host 127.0.0.1 --port "$port" --ca-file "$ca" --connections 1 --duration 0.3 \
          --warmup 0 --sign --keyid "$KEYID" --key-seed-file "$TMP/partner.seed" | sed -n 's/^JSON //p')
  if [ "$(jfield "$smoke" ok)" = 0 ] || [ "$(jfield "$smoke" non_2xx)" != 0 ]; then
    die "signed smoke request to $name failed: $(jerror "$smoke")"
  fi
}

GW_PORT=$(free_port)
ADMIN_PORT=$(free_port)
while [ "$ADMIN_PORT" = "$GW_PORT" ]; do ADMIN_PORT=$(free_port); done
DATA="$TMP/gateway-data"
CA="$DATA/tls/ca.pem"
start_gateway gateway "$GW_PORT" "$ADMIN_PORT"
GW_PID=$STARTED_PID

# ---------------------------------------------------------------------------------------
# nginx: same certificate and key as the gateway, TLS 1.2/1.3 with the gateway's TLS 1.2
# ciphers and groups, one worker per core, static 200 at the same path.

NGINX_PORT=$(free_port)
while [ "$NGINX_PORT" = "$GW_PORT" ] || [ "$NGINX_PORT" = "$ADMIN_PORT" ]; do NGINX_PORT=$(free_port); done
NG="$TMP/nginx"
mkdir -p "$NG/tmp"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
cat >"$NG/nginx.conf" <<EOF
$USER_LINE
worker_processes $NGINX_WORKERS;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $DATA/tls/server.pem;
    ssl_certificate_key $DATA/tls/server-key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers on;
    location = /v1/capabilities {
      default_type text/plain;
      return 200 "ok";
    }
  }
}
EOF
log "starting nginx on 127.0.0.1:$NGINX_PORT ($NGINX_WORKERS workers)"
nginx -p "$NG/" -c "$NG/nginx.conf" -e "$NG/error.log" &
NGINX_PID=$!
for _ in $(seq 1 100); do
  if curl -sf --cacert "$CA" "https://127.0.0.1:$NGINX_PORT/v1/capabilities" >/dev/null 2>&1; then break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$NG/error.log" >&2; die "nginx exited"; }
  sleep 0.1
done
curl -sf --cacert "$CA" "https://127.0.0.1:$NGINX_PORT/v1/capabilities" >/dev/null || die "nginx never answered"
NGINX_WORKER_PIDS=$(pgrep -d, -P "$NGINX_PID" || true)
[ -n "$NGINX_WORKER_PIDS" ] || die "no nginx worker processes"

COMMON=(--host 127.0.0.1 --ca-file "$CA" --server-name localhost --target /v1/capabilities
        --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP")
SIGN=(--sign --keyid "$KEYID" --key-seed-file "$TMP/partner.seed")

# ---------------------------------------------------------------------------------------
# The measurements

log "1/6 ed25519 verification rate, one core, ${VERIFY_SECONDS} s"
VERIFY=$(load --verify-bench --seconds "$VERIFY_SECONDS")
sleep 1
log "2/6 nginx static 200, $CONNECTIONS connections, ${DURATION} s"
NGINX=$(load "${COMMON[@]}" --port "$NGINX_PORT" --label nginx-static --server-pid "$NGINX_WORKER_PIDS")
sleep 1
log "3/6 gateway signed GET /v1/capabilities, $CONNECTIONS connections, ${DURATION} s (peak)"
stat_cpu() { awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
GW_TICKS0=$(stat_cpu "$GW_PID")
PEAK=$(load "${COMMON[@]}" --port "$GW_PORT" "${SIGN[@]}" --label gateway-signed --server-pid "$GW_PID")
GW_TICKS1=$(stat_cpu "$GW_PID")
log "4/6 ed25519 verification rate again, ${VERIFY_SECONDS} s"
VERIFY2=$(load --verify-bench --seconds "$VERIFY_SECONDS")
sleep 1
PEAK_RPS=$(jfield "$PEAK" requests_per_s)
PACED_RATE=$(calc '%.0f' "$PEAK_RPS * $RATE_FRACTION")
log "5/6 gateway signed, paced at $PACED_RATE req/s ($RATE_FRACTION x peak), $CONNECTIONS connections, ${DURATION} s"
PACED=$(load "${COMMON[@]}" --port "$GW_PORT" "${SIGN[@]}" --rate "$PACED_RATE" --label gateway-signed-paced \
        --server-pid "$GW_PID")
sleep 1
log "6/6 nginx static 200, paced at the same $PACED_RATE req/s, $CONNECTIONS connections, ${DURATION} s"
NGINX_PACED=$(load "${COMMON[@]}" --port "$NGINX_PORT" --rate "$PACED_RATE" --label nginx-static-paced \
              --server-pid "$NGINX_WORKER_PIDS")

if [ "$PERF" = 1 ]; then
  log "extra: perf profile of the gateway at peak (${DURATION} s; not part of the figures)"
  perf record -q -F 499 -o "$TMP/perf.data" -p "$GW_PID" -- sleep "$(calc '%.0f' "$WARMUP + $DURATION + 1")" \
    2>"$TMP/perf.log" &
  PERF_PID=$!
  load "${COMMON[@]}" --port "$GW_PORT" "${SIGN[@]}" --label gateway-signed-perf >/dev/null
  wait "$PERF_PID" || true
  perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed 's/[[:space:]-]*$//' | head -n 40 | sed 's/^/   /' >&2 || true
  log "perf.data: $TMP/perf.data (use --keep-tmp to keep it)"
fi

if [ "$METRICS_COST" -gt 0 ]; then
  # Two fresh gateways that differ only in metrics.requests (fresh, so that neither carries
  # the nonces and connections of the runs above), the same signed load on each in turn,
  # the order swapped every round so that the machine's drift falls on both alike; the
  # medians are compared.
  ON_PORT=$(free_port); ON_ADMIN_PORT=$(free_port)
  start_gateway metrics-on "$ON_PORT" "$ON_ADMIN_PORT"
  GW_ON_PID=$STARTED_PID
  OFF_PORT=$(free_port); OFF_ADMIN_PORT=$(free_port)
  start_gateway metrics-off "$OFF_PORT" "$OFF_ADMIN_PORT" $'metrics:\n  requests: false'
  GW_OFF_PID=$STARTED_PID
  # measure_metrics on|off: one peak run on that gateway, its figures appended to its files.
  measure_metrics() {
    local which=$1 port pid r
    local -a common=("${COMMON[@]}")
    if [ "$which" = on ]; then port=$ON_PORT; pid=$GW_ON_PID; else port=$OFF_PORT; pid=$GW_OFF_PID; fi
    for i in "${!common[@]}"; do
      [ "${common[$i]}" = --ca-file ] && common[$((i + 1))]="$TMP/metrics-$which-data/tls/ca.pem"
    done
    log "metrics cost: round $round/$METRICS_COST, metrics $which"
    r=$(load "${common[@]}" --port "$port" "${SIGN[@]}" --label "metrics-$which" --server-pid "$pid")
    # Only answered requests may be compared: a 401 or 429 is cheaper than a request.
    [ "$(( $(jfield "$r" non_2xx) + $(jfield "$r" transport_errors) ))" = 0 ] ||
      die "metrics cost: the metrics-$which run had refused or failed requests: $(jerror "$r")"
    jfield "$r" requests_per_s >>"$TMP/metrics-$which.rps"
    jfield "$r" server_cpu_us_per_req >>"$TMP/metrics-$which.cpu"
  }
  : >"$TMP/metrics-on.rps"; : >"$TMP/metrics-off.rps"; : >"$TMP/metrics-on.cpu"; : >"$TMP/metrics-off.cpu"
  for round in $(seq 1 "$METRICS_COST"); do
    if [ $((round % 2)) = 1 ]; then measure_metrics on; measure_metrics off
    else measure_metrics off; measure_metrics on; fi
  done
fi

COMPILERS_AFTER=$(compilers)
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
for r in "$NGINX" "$PEAK" "$PACED" "$NGINX_PACED"; do
  e=$(jerror "$r")
  [ -z "$e" ] || log "warning: $(jfield "$r" label): $e"
  if [ "$(calc '%d' "$(jfield "$r" other_cpu_s) > 0.05 * $(nproc) * $(jfield "$r" duration_s)")" = 1 ]; then
    log "warning: $(jfield "$r" label): $(jfield "$r" other_cpu_s) s of CPU went to other programs during the run"
  fi
done

# ---------------------------------------------------------------------------------------
# Report

CORES=$(nproc)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
# The mean of the two verification benchmarks around the gateway's peak run.
VERIFY_RATE=$(calc '%.1f' "($(jfield "$VERIFY" verify_per_s_core) + $(jfield "$VERIFY2" verify_per_s_core)) / 2")
VERIFY_US=$(calc '%.3f' "1e6 / $VERIFY_RATE")
VERIFY_ALL=$(calc '%.1f' "($(jfield "$VERIFY" verify_all_cores_per_s) + $(jfield "$VERIFY2" verify_all_cores_per_s)) / 2")
NGINX_RPS=$(jfield "$NGINX" requests_per_s)
GW_CPU_US=$(jfield "$PEAK" server_cpu_us_per_req)
CLK_TCK=$(getconf CLK_TCK)
GW_CPU_US_WHOLE=$(calc '%.1f' "($GW_TICKS1 - $GW_TICKS0) / $CLK_TCK * 1e6 / $(jfield "$PEAK" sent_total)")

row() {  # label json
  local j=$2 rate
  rate=$(jfield "$j" rate_target)
  [ "$(calc '%d' "$rate > 0")" = 1 ] && rate="paced $(calc '%.0f' "$rate")/s" || rate="closed loop"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(jfield "$j" connections)" "$rate" \
    "$(calc '%.0f' "$(jfield "$j" requests_per_s)")" "$(calc '%.2f' "$(jfield "$j" p50_ms)")" \
    "$(calc '%.2f' "$(jfield "$j" p99_ms)")" "$(calc '%.2f' "$(jfield "$j" max_ms)")" \
    "$(( $(jfield "$j" non_2xx) + $(jfield "$j" transport_errors) ))" \
    "$(calc '%.1f' "$(jfield "$j" server_cpu_us_per_req)")" "$(calc '%.1f' "$(jfield "$j" client_cpu_us_per_req)")"
}
verdict() { [ "$(calc '%d' "$1")" = 1 ] && echo "met" || echo "NOT met"; }

THROUGHPUT_RATIO=$(calc '%.3f' "$PEAK_RPS / $NGINX_RPS")
BOUND=$(calc '%.0f' "$VERIFY_RATE * $CORES")
BOUND_FRACTION=$(calc '%.3f' "$PEAK_RPS / $BOUND")
GW_CORES_USED=$(calc '%.2f' "$(jfield "$PEAK" server_cpu_s) / $(jfield "$PEAK" duration_s)")
VERIFY_SHARE=$(calc '%.3f' "$VERIFY_US / $GW_CPU_US")
NONVERIFY_SHARE=$(calc '%.3f' "1 - $VERIFY_US / $GW_CPU_US")
PACED_P99=$(jfield "$PACED" p99_ms)

cat <<EOF

## Partner-plane load: signed GET /v1/capabilities vs nginx static 200 ($(date -u +%Y-%m-%dT%H:%MZ))

Machine: $CORES cores, $CPU_MODEL; load tool, gateway and nginx share them.
TLS: $(jfield "$NGINX" tls) (nginx), $(jfield "$PEAK" tls) (gateway); same certificate (ECDSA P-256).
Other load: compilers running before/after: $COMPILERS_BEFORE/$COMPILERS_AFTER; load average before: $LOADAVG_BEFORE, after: $LOADAVG_AFTER.
Command: tests/load/run_auth_load.sh --build-dir $BUILD_DIR --connections $CONNECTIONS --duration $DURATION --warmup $WARMUP --rate-fraction $RATE_FRACTION

ed25519 verify (libsodium, one core): $(calc '%.0f' "$VERIFY_RATE")/s = $(calc '%.1f' "$VERIFY_US") µs each (before the gateway peak run $(calc '%.1f' "$(jfield "$VERIFY" verify_us)") µs, after it $(calc '%.1f' "$(jfield "$VERIFY2" verify_us)") µs); all $(jfield "$VERIFY" verify_threads) cores verifying at once: $(calc '%.0f' "$VERIFY_ALL")/s in all. Client side: sign $(calc '%.1f' "$(jfield "$VERIFY" sign_us)") µs; SDK sign_request $(calc '%.1f' "$(jfield "$VERIFY" sign_request_us)") µs.

| target | conns | load | req/s | p50 ms | p99 ms | max ms | errors | server CPU µs/req | load tool CPU µs/req |
|---|---|---|---|---|---|---|---|---|---|
$(row "nginx, static 200, no auth" "$NGINX")
$(row "gateway, signed + verified" "$PEAK")
$(row "gateway, signed, ${RATE_FRACTION}× peak" "$PACED")
$(row "nginx, static 200, same paced rate" "$NGINX_PACED")

Paced runs: latency from each request's intended start (no coordinated omission). Service time (from the actual send): gateway p50 $(calc '%.2f' "$(jfield "$PACED" service_p50_ms)") ms, p99 $(calc '%.2f' "$(jfield "$PACED" service_p99_ms)") ms, $(jfield "$PACED" late_sends) sends started > 1 ms late; nginx p50 $(calc '%.2f' "$(jfield "$NGINX_PACED" service_p50_ms)") ms, p99 $(calc '%.2f' "$(jfield "$NGINX_PACED" service_p99_ms)") ms, $(jfield "$NGINX_PACED" late_sends) late.
Machine busy: nginx $(calc '%.0f' "$(jfield "$NGINX" machine_busy) * 100") %, gateway peak $(calc '%.0f' "$(jfield "$PEAK" machine_busy) * 100") %, gateway paced $(calc '%.0f' "$(jfield "$PACED" machine_busy) * 100") %, nginx paced $(calc '%.0f' "$(jfield "$NGINX_PACED" machine_busy) * 100") % (steal $(calc '%.1f' "$(jfield "$PEAK" machine_steal) * 100") % at gateway peak).
CPU used by anything but the load tool and the server (other programs, kernel threads, interrupts; ±0.5 s is accounting noise), of $(calc '%.0f' "$CORES * $DURATION") core-seconds per run: $(calc '%.2f' "$(jfield "$NGINX" other_cpu_s)") s, $(calc '%.2f' "$(jfield "$PEAK" other_cpu_s)") s, $(calc '%.2f' "$(jfield "$PACED" other_cpu_s)") s, $(calc '%.2f' "$(jfield "$NGINX_PACED" other_cpu_s)") s (rows in table order).
Other processes seen using CPU (each run incl. warm-up): nginx: $(others nginx-static); gateway peak: $(others gateway-signed); gateway paced: $(others gateway-signed-paced); nginx paced: $(others nginx-static-paced).
Gateway CPU per request over the whole peak run incl. warm-up (from /proc/$GW_PID/stat): $GW_CPU_US_WHOLE µs.

| ratio | value | target | |
|---|---|---|---|
| gateway signed req/s ÷ nginx static req/s | $THROUGHPUT_RATIO | ≥ 0.25 | $(verdict "$THROUGHPUT_RATIO >= 0.25") |
| gateway req/s ÷ verification bound ($(calc '%.0f' "$VERIFY_RATE")/s × $CORES cores = $BOUND/s) | $BOUND_FRACTION | (reported) | |
| gateway req/s ÷ all-cores verification rate ($(calc '%.0f' "$VERIFY_ALL")/s) | $(calc '%.3f' "$PEAK_RPS / $VERIFY_ALL") | (reported) | |
| gateway req/s ÷ bound for the CPU it used ($GW_CORES_USED cores) = verify share of its CPU/request | $VERIFY_SHARE | | |
| non-verification share of gateway CPU per request (1 − $(calc '%.1f' "$VERIFY_US") µs ÷ $(calc '%.1f' "$GW_CPU_US") µs) | $NONVERIFY_SHARE | < 0.20 | $(verdict "$NONVERIFY_SHARE < 0.20") |
| p99 at ${RATE_FRACTION}× peak ($PACED_RATE req/s) | $(calc '%.2f' "$PACED_P99") ms (nginx at that rate: $(calc '%.2f' "$(jfield "$NGINX_PACED" p99_ms)") ms) | ≤ 2 ms | $(verdict "$PACED_P99 <= 2") |
EOF

if [ "$METRICS_COST" -gt 0 ]; then
  median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  listed() { paste -sd' ' "$1" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.0f", (i > 1 ? ", " : ""), $i }'; }
  ON_RPS=$(median "$TMP/metrics-on.rps"); OFF_RPS=$(median "$TMP/metrics-off.rps")
  ON_CPU=$(median "$TMP/metrics-on.cpu"); OFF_CPU=$(median "$TMP/metrics-off.cpu")
  COST=$(calc '%.3f' "1 - $ON_RPS / $OFF_RPS")
  cat <<EOF

### Request metrics on vs off ($METRICS_COST alternating peak runs of each, $CONNECTIONS connections, ${DURATION} s)

| gateway | median req/s | runs (req/s) | median server CPU µs/req |
|---|---|---|---|
| metrics on (default) | $(calc '%.0f' "$ON_RPS") | $(listed "$TMP/metrics-on.rps") | $(calc '%.1f' "$ON_CPU") |
| metrics.requests: false | $(calc '%.0f' "$OFF_RPS") | $(listed "$TMP/metrics-off.rps") | $(calc '%.1f' "$OFF_CPU") |

| ratio | value | target | |
|---|---|---|---|
| throughput cost of counting (1 − on ÷ off) | $COST | ≤ 0.03 | $(verdict "$COST <= 0.03") |
| CPU per request, on ÷ off | $(calc '%.3f' "$ON_CPU / $OFF_CPU") | (reported) | |
EOF
fi
