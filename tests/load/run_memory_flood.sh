#!/usr/bin/env bash
# Memory after floods (docs/performance.md): the gateway's resident size before, at the peak
# of and after repeated floods of its partner plane (1,500 idle TLS connections held, then
# 400 requests with 900 KB bodies), in one run twice: with the allocator never trimmed
# (memory.trim_threshold_mb: 0, the baseline) and as shipped (32). It prints numbers; it never
# passes or fails on them. Everything listens on 127.0.0.1; every process it starts is stopped.
set -euo pipefail
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$SOURCE_DIR/build/default/gateway/octopus-gateway"
FLOODS=${FLOODS:-3}
[ -x "$BIN" ] || { echo "build first: cmake --build --preset default" >&2; exit 2; }
WORK=$(mktemp -d -t octopus-memory.XXXXXX)
GW=""
cleanup() { [ -n "$GW" ] && kill "$GW" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
ulimit -n 8192 || true

run() {  # $1 label, $2 trim threshold in MB
  local dir="$WORK/$1" port=18443 admin=19443
  mkdir -p "$dir"
  cat >"$dir/gateway.yaml" <<YAML
partner_plane: {listen: "127.0.0.1:$port"}
admin_plane: {listen: "127.0.0.1:$admin"}
data_dir: var
policies: {directory: $SOURCE_DIR/policies, watch_interval_ms: 0}
limits: {max_connections: 5000, max_connections_per_address: 5000, body_bytes: 1048576}
engine: {kind: reference, population: 10000}
memory: {trim_threshold_mb: $2}
log: {level: warn, access_log: false}
YAML
  OCTOPUS_ADMIN_TOKEN=memory-flood-token-0123456789 "$BIN" serve --config "$dir/gateway.yaml" 2>"$dir/gateway.log" &
  GW=$!
  for _ in $(seq 1 200); do
    curl -sf --cacert "$dir/var/tls/ca.pem" "https://localhost:$admin/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  python3 "$SOURCE_DIR/tests/load/memory_flood.py" --port "$port" --pid "$GW" --ca "$dir/var/tls/ca.pem" \
    --floods "$FLOODS" --settle 7 --label "$1"
  kill "$GW"; wait "$GW" 2>/dev/null || true; GW=""
}

echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MiB; $(date -u +%FT%TZ)"
run never-trimmed 0
run trimmed-above-32mb 32
