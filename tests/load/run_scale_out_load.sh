#!/usr/bin/env bash
# Signed partner requests/s with 1, 2 and 3 gateway instances on this machine, sharing one
# PostgreSQL store and one Redis as a scaled-out deployment does (docs/performance.md,
# "Signed requests with 1, 2 and 3 instances").
#
# Three instances are started at once on one PostgreSQL database (store.kind: postgresql)
# and one Redis (counters.backend: redis: every request's plan check and nonce go there),
# with the benchmark partner registered once. Each round loads the first N of them with
# the same total number of connections, split evenly (one octopus-load per instance, run
# at the same time, every request freshly signed): the 1-instance round is the baseline
# of the same run. For each round it prints the total rate, the scaling against one
# instance, and where the CPU went: each gateway's, Redis's, PostgreSQL's and the load
# tools' CPU over the measured window, in cores. It prints numbers; it never passes or fails.
#
# Everything listens on 127.0.0.1 (PostgreSQL on a Unix socket); all it starts is stopped
# on exit.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)

BUILD_DIR="$SOURCE_DIR/build/default"
CONNECTIONS=6
DURATION=6
WARMUP=2
ROUNDS="1 2 3"

usage() {
  cat <<EOF
Usage: tests/load/run_scale_out_load.sh [options]

  --build-dir DIR     build tree holding gateway/octopus-gateway and tests/load/octopus-load
                      (default: $SOURCE_DIR/build/default)
  --connections N     keep-alive connections in all, split over the instances loaded (default $CONNECTIONS)
  --duration S        measured seconds per round (default $DURATION)
  --warmup S          unmeasured seconds of load before each round (default $WARMUP)
  --rounds "1 2 3"    how many instances each round loads (default "$ROUNDS"; at most 3)
  -h, --help
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

log() { printf '>> %s\n' "$*" >&2; }
die() { printf 'run_scale_out_load.sh: %s\n' "$*" >&2; exit 1; }

GATEWAY_BIN="$BUILD_DIR/gateway/octopus-gateway"
LOAD_BIN="$BUILD_DIR/tests/load/octopus-load"
[ -x "$GATEWAY_BIN" ] && [ -x "$LOAD_BIN" ] ||
  die "build octopus-gateway and octopus-load in $BUILD_DIR first (cmake --build $BUILD_DIR --target octopus-gateway octopus-load)"
for tool in redis-server curl psql python3 awk; do command -v "$tool" >/dev/null || die "'$tool' is required"; done

TMP=$(mktemp -d /tmp/octopus-scale-out-load.XXXXXX)
chmod 755 "$TMP"  # PostgreSQL, run as its own user under root, reaches its folder inside
GATEWAY_PIDS=()
REDIS_PID=""
cleanup() {
  for pid in "${GATEWAY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${GATEWAY_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$REDIS_PID" ] || { kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; }
  "$SOURCE_DIR/tests/support/test-postgres" stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}
jfield() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
# CPU seconds (user + system) of the processes given, from /proc.
cpu_of() {
  local ticks total=0 hz
  hz=$(getconf CLK_TCK)
  for pid in "$@"; do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  awk "BEGIN { printf \"%.3f\", $total / $hz }"
}
postgres_pids() { pgrep -f "postgres.*$TMP/pg" || true; }

# ---------------------------------------------------------------------------------------
# The shared services

log "starting PostgreSQL (tests/support/test-postgres: a Unix socket in $TMP/pg)"
"$SOURCE_DIR/tests/support/test-postgres" start "$TMP/pg" >/dev/null
psql -q -h "$TMP/pg" -U postgres -d postgres -c "CREATE DATABASE bench" >/dev/null
REDIS_PORT=$(free_port)
log "starting redis-server on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" --loglevel warning \
  --logfile "$TMP/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break; sleep 0.05; done

# The shipped policies with a plan for the benchmark partner far above what this machine
# can send: every request is checked against it in Redis, none is refused.
cp -r "$SOURCE_DIR/policies" "$TMP/policies"
python3 - "$TMP/policies/quotas.yaml" <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
plan = ("  load-bench:\n"
        "    reads:            { per_second: 100000, burst: 100000, per_day: 4000000, per_month: 4000000 }\n"
        "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
        "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
        "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n")
assert "plans:\n  starter:" in text and "partner_plans: {}" in text, "quotas.yaml changed shape"
text = text.replace("plans:\n  starter:", "plans:\n" + plan + "  starter:", 1)
text = text.replace("partner_plans: {}", "partner_plans:\n  load-bench: load-bench\n", 1)
open(path, "w").write(text)
EOF

cat >"$TMP/gateway.yaml" <<EOF
policies:
  directory: $TMP/policies
  watch_interval_ms: 0
store:
  kind: postgresql
  postgresql:
    url: "postgresql://postgres@/bench?host=$TMP/pg"
    tls: {mode: disable}
counters:
  backend: redis
  redis:
    port: $REDIS_PORT
log:
  level: warn
  access_log: false
limits:
  max_requests_per_connection: 100000000
  idle_timeout_ms: 120000
EOF

TOKEN=$("$GATEWAY_BIN" accounts create bench-admin --role admin --config "$TMP/gateway.yaml") ||
  die "cannot create the benchmark's admin account"
KEYID=scale-bench-key-1
PUB=$("$LOAD_BIN" --gen-key "$TMP/partner.seed")

PORTS=()
CAS=()
for i in 1 2 3; do
  port=$(free_port)
  admin_port=$(free_port)
  while [ "$admin_port" = "$port" ]; do admin_port=$(free_port); done
  data="$TMP/gw$i-data"
  log "starting instance $i on 127.0.0.1:$port (admin $admin_port)"
  "$GATEWAY_BIN" serve --config "$TMP/gateway.yaml" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin_port" \
    --data-dir "$data" 2>"$TMP/gw$i.log" &
  GATEWAY_PIDS+=("$!")
  for _ in $(seq 1 150); do
    [ -f "$data/tls/ca.pem" ] && curl -sf --cacert "$data/tls/ca.pem" "https://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1 && break
    kill -0 "${GATEWAY_PIDS[-1]}" 2>/dev/null || { cat "$TMP/gw$i.log" >&2; die "instance $i exited"; }
    sleep 0.1
  done
  PORTS+=("$port")
  CAS+=("$data/tls/ca.pem")
  if [ "$i" = 1 ]; then  # the registry is shared: the others hear of the partner at once
    admin=(curl -sS -f --cacert "$data/tls/ca.pem" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
    "${admin[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners" >/dev/null \
      -d '{"id":"load-bench","display_name":"Load benchmark","tier":"silver","category":"internet","scopes":["audiences:read"]}' ||
      die "cannot register the benchmark partner"
    "${admin[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners/load-bench/keys" >/dev/null \
      -d "{\"key_id\":\"$KEYID\",\"algorithm\":\"ed25519\",\"public_key\":\"$PUB\"}" || die "cannot register the key"
  fi
done

SIGN=(--sign --keyid "$KEYID" --key-seed-file "$TMP/partner.seed" --server-name localhost --target /v1/capabilities)
for i in 0 1 2; do  # one signed request through each instance before measuring anything
  smoke=$("$LOAD_BIN" --quiet --host 127.0.0.1 --port "${PORTS[$i]}" --ca-file "${CAS[$i]}" --connections 1 \
          --duration 0.3 --warmup 0 "${SIGN[@]}" | sed -n 's/^JSON //p')
  [ "$(jfield "$smoke" non_2xx)" = 0 ] && [ "$(jfield "$smoke" ok)" != 0 ] ||
    die "a signed request to instance $((i + 1)) failed: $smoke"
done

# ---------------------------------------------------------------------------------------
# The rounds

printf '\n%-9s %9s %8s  %-26s %-26s %7s %7s %7s %6s\n' instances "req/s" scaling "req/s per instance" \
  "gateway CPU per instance" redis pg "load" busy
BASE=""
for n in $ROUNDS; do
  [ "$n" -ge 1 ] && [ "$n" -le 3 ] || die "--rounds: 1 to 3 instances"
  per=$((CONNECTIONS / n))
  [ "$per" -ge 1 ] || die "--connections must be at least $n"
  log "round: $n instance(s), $per connection(s) each, ${WARMUP} s warm-up, ${DURATION} s measured"
  redis_before=$(cpu_of "$REDIS_PID")
  # shellcheck disable=SC2046
  pg_before=$(cpu_of $(postgres_pids))
  for i in $(seq 0 $((n - 1))); do
    "$LOAD_BIN" --quiet --host 127.0.0.1 --port "${PORTS[$i]}" --ca-file "${CAS[$i]}" --connections "$per" \
      --duration "$DURATION" --warmup "$WARMUP" --server-pid "${GATEWAY_PIDS[$i]}" --label "instance-$((i + 1))" \
      "${SIGN[@]}" >"$TMP/round$n.$i" &
  done
  wait_pids=$(jobs -p | grep -v -x -e "$REDIS_PID" $(printf -- '-e %s ' "${GATEWAY_PIDS[@]}") || true)
  for pid in $wait_pids; do wait "$pid" || die "octopus-load failed"; done
  # The rate and the services' CPU over the warm-up and the window, divided by their length.
  redis_cores=$(awk "BEGIN { printf \"%.2f\", ($(cpu_of "$REDIS_PID") - $redis_before) / ($WARMUP + $DURATION) }")
  # shellcheck disable=SC2046
  pg_cores=$(awk "BEGIN { printf \"%.2f\", ($(cpu_of $(postgres_pids)) - $pg_before) / ($WARMUP + $DURATION) }")
  total=0 rates="" cpus="" load_cores=0 busy=""
  for i in $(seq 0 $((n - 1))); do
    json=$(sed -n 's/^JSON //p' "$TMP/round$n.$i")
    [ "$(jfield "$json" non_2xx)" = 0 ] || die "instance $((i + 1)) answered non-2xx: $json"
    rate=$(jfield "$json" requests_per_s)
    total=$(awk "BEGIN { print $total + $rate }")
    rates="$rates$(printf '%.0f ' "$rate")"
    cpus="$cpus$(awk "BEGIN { printf \"%.2f \", $(jfield "$json" server_cpu_s) / $DURATION }")"
    load_cores=$(awk "BEGIN { print $load_cores + $(jfield "$json" client_cpu_s) / $DURATION }")
    busy=$(jfield "$json" machine_busy)
  done
  [ -n "$BASE" ] || BASE=$total
  printf '%-9s %9.0f %7.2fx  %-26s %-26s %7s %7s %7.2f %5.0f%%\n' "$n" "$total" \
    "$(awk "BEGIN { print $total / $BASE }")" "$rates" "$cpus" "$redis_cores" "$pg_cores" "$load_cores" \
    "$(awk "BEGIN { print $busy * 100 }")"
done
printf '\n(CPU in cores over the round; busy: the whole machine, from /proc/stat; %s cores)\n' "$(nproc)"
