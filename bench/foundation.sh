#!/usr/bin/env bash
# Foundation figures (issue 2): time from start to ready, idle RSS, and
# authenticated GET /api/v1/me throughput and p99 at concurrency 16 — on
# SQLite and on PostgreSQL. Builds the release binary, installs wrk if
# missing. Prints a table; nothing is asserted.
#   bench/foundation.sh [seconds-per-load-run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q
bin=$PWD/target/release/keqing
work=$(mktemp -d)
pg_dir=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then scripts/pg-cluster stop "$pg_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# Starts keqing serve; sets $pid, $base and $ready_ms (milliseconds from
# spawn to the "ready" line).
pid=""
start() {
  local port; port=$(free_port)
  local t0; t0=$(now_ms)
  (cd "$work" && exec env KEQING_LOG=warn KEQING_ADMIN_PASSWORD='bench password 2026' "$@" "$bin" serve --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log") &
  pid=$!
  base="http://127.0.0.1:$port"
  until grep -q "Keqing is ready" "$work/out.log" 2>/dev/null; do sleep 0.005; done
  ready_ms=$(( $(now_ms) - t0 ))
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

measure() {
  local engine=$1; shift
  # Cold start (empty database: migrations + first admin) and warm starts.
  start "$@"; local cold=$ready_ms; stop
  local warm=()
  for _ in 1 2 3 4 5; do start "$@"; warm+=("$ready_ms"); stop; done
  local median; median=$(printf '%s\n' "${warm[@]}" | sort -n | sed -n 3p)
  start "$@"
  sleep 2
  local rss; rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  local token; token=$(curl -s -H 'content-type: application/json' \
    -d '{"username":"admin","password":"bench password 2026","name":"bench"}' "$base/api/v1/auth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
  wrk -t2 -c16 -d2s -H "Authorization: Bearer $token" "$base/api/v1/me" >/dev/null # warm-up
  local out; out=$(wrk -t2 -c16 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/me")
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local p99; p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local errors; errors=$(awk '/Non-2xx/ {print $4}' <<<"$out"); errors=${errors:-0}
  local rss_after; rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  stop
  printf '%-10s %9s %11s %10s %12s %10s %9s %8s\n' "$engine" "${cold}ms" "${median}ms" "$((rss/1024))MiB" "$rps" "$p99" "$((rss_after/1024))MiB" "$errors"
}

echo "keqing $($bin version | cut -d' ' -f2), $(nproc) cores; wrk -t2 -c16 -d${secs}s, GET /api/v1/me with a Bearer token"
printf '%-10s %9s %11s %10s %12s %10s %9s %8s\n' engine cold-start warm-start idle-RSS 'req/s' p99 'RSS-load' non-2xx
measure sqlite
eval "$(scripts/pg-cluster)"
pg_dir=$KEQING_TEST_PG_DIR
measure postgres KEQING_DATABASE_URL="$KEQING_TEST_PG_URL"
