#!/usr/bin/env bash
# Gateway throughput with plan limits on and off, in one run, with the same load tool,
# connections and duration: signed GET /v1/capabilities against a gateway with
# counters.enforce_quotas false, then true, twice each in turn (off, on, off, on) so that
# drift of a shared machine falls on both sides. The load partner is on a plan far above
# the offered rate, so every request takes the full limiting path and none is refused.
#
#   tests/load/run_quota_load.sh --build-dir build/release [--connections 8] [--duration 10]
#
# Build first: cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release &&
#              cmake --build build/release --target octopus-gateway octopus-load
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=build/release
CONNECTIONS=8
DURATION=10
WARMUP=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run_quota_load.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
GATEWAY_BIN=$BUILD_DIR/gateway/octopus-gateway
LOAD_BIN=$BUILD_DIR/tests/load/octopus-load
for b in "$GATEWAY_BIN" "$LOAD_BIN"; do [ -x "$b" ] || { echo "missing $b (see --help)" >&2; exit 2; }; done

log() { printf '%s\n' "$*" >&2; }
die() { log "run_quota_load.sh: $*"; exit 1; }
jfield() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}

TMP=$(mktemp -d -t octopus-quota-load.XXXXXX)
GW_PID=""
stop_gateway() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=""
}
trap 'stop_gateway; rm -rf "$TMP"' EXIT

# The shipped policies plus a plan the load cannot reach, for the load partner.
cp -r "$SCRIPT_DIR/../../policies" "$TMP/policies"
python3 - "$TMP/policies/quotas.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
big = "{ per_second: 100000, burst: 100000, per_day: 4000000, per_month: 64000000 }"
plan = ("plans:\n  load-bench:\n" + "".join(f"    {c}: {big}\n" for c in
        ("reads", "audience_queries", "deliveries", "resource_admin")) + "  starter:")
s = s.replace("plans:\n  starter:", plan, 1).replace("partner_plans: {}", "partner_plans:\n  load-bench: load-bench", 1)
open(p, "w").write(s)
PY
"$GATEWAY_BIN" policy check "$TMP/policies" >/dev/null || die "the benchmark policy set is refused"
export OCTOPUS_ADMIN_TOKEN
OCTOPUS_ADMIN_TOKEN=$(openssl rand -hex 24)
"$LOAD_BIN" --gen-key "$TMP/partner.seed" >"$TMP/partner.pub"

# Starts a gateway with limits on or off; sets GW_PORT, CA.
start_gateway() {
  local enforce=$1 data="$TMP/data-$1-$RANDOM"
  GW_PORT=$(free_port); local admin_port; admin_port=$(free_port)
  cat >"$TMP/gateway.yaml" <<EOF
log: {level: warn, access_log: false}
limits: {max_requests_per_connection: 100000000, idle_timeout_ms: 120000}
policies: {directory: $TMP/policies, watch_interval_ms: 0}
counters: {enforce_quotas: $enforce}
EOF
  local admin_token
  admin_token=$("$GATEWAY_BIN" accounts create bench-admin --role admin --data-dir "$data") ||
    die "cannot create the benchmark's admin account"
  "$GATEWAY_BIN" serve --config "$TMP/gateway.yaml" --listen "127.0.0.1:$GW_PORT" \
    --admin-listen "127.0.0.1:$admin_port" --data-dir "$data" 2>"$TMP/gateway.log" &
  GW_PID=$!
  CA="$data/tls/ca.pem"
  for _ in $(seq 1 100); do
    if [ -f "$CA" ] && curl -sf --cacert "$CA" "https://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1; then break; fi
    kill -0 "$GW_PID" 2>/dev/null || { cat "$TMP/gateway.log" >&2; die "the gateway exited"; }
    sleep 0.1
  done
  local a=(curl -sS -f --cacert "$CA" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json')
  "${a[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners" \
    -d '{"id":"load-bench","display_name":"Load benchmark","tier":"silver","category":"internet","scopes":["audiences:read"]}' >/dev/null
  "${a[@]}" -X POST "https://127.0.0.1:$admin_port/admin/v1/partners/load-bench/keys" \
    -d "{\"key_id\":\"load-bench-key-1\",\"algorithm\":\"ed25519\",\"public_key\":\"$(cat "$TMP/partner.pub")\"}" >/dev/null
}

measure() {
  local label=$1 out
  out=$("$LOAD_BIN" --host 127.0.0.1 --port "$GW_PORT" --ca-file "$CA" --server-name localhost \
        --target /v1/capabilities --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
        --sign --keyid load-bench-key-1 --key-seed-file "$TMP/partner.seed" --label "$label" \
        --server-pid "$GW_PID" --quiet) || die "octopus-load failed"
  out=$(printf '%s\n' "$out" | sed -n 's/^JSON //p')
  [ "$(jfield "$out" non_2xx)" = 0 ] || die "$label: $(jfield "$out" non_2xx) responses were not 2xx"
  printf '%s\n' "$out"
}

declare -A RPS P50 P99 CPU
for round in 1 2; do
  for enforce in false true; do
    label="limits-$([ "$enforce" = true ] && echo on || echo off)-$round"
    log "$label: $CONNECTIONS connections, ${DURATION} s"
    start_gateway "$enforce"
    r=$(measure "$label")
    stop_gateway
    RPS[$label]=$(jfield "$r" requests_per_s); P50[$label]=$(jfield "$r" p50_ms); P99[$label]=$(jfield "$r" p99_ms)
    CPU[$label]=$(jfield "$r" server_cpu_us_per_req)
    sleep 1
  done
done

printf '\n%-16s %12s %9s %9s %22s\n' run "requests/s" "p50 ms" "p99 ms" "gateway CPU µs/request"
for round in 1 2; do for state in off on; do
  l="limits-$state-$round"
  printf '%-16s %12s %9s %9s %22s\n' "$l" "${RPS[$l]}" "${P50[$l]}" "${P99[$l]}" "${CPU[$l]:-n/a}"
done; done
awk -v a="${RPS[limits-off-1]}" -v b="${RPS[limits-off-2]}" -v c="${RPS[limits-on-1]}" -v d="${RPS[limits-on-2]}" \
  'BEGIN { off = (a + b) / 2; on = (c + d) / 2; printf "\nmean: limits off %.0f req/s, on %.0f req/s, on/off = %.3f\n", off, on, on / off }'
