#!/usr/bin/env bash
# Archive figures (issue 3), on this machine, release build:
#  1. import 100,000 people from xlsx and 1,000,000 from CSV with
#     `keqing import` (preview + atomic commit) — rows/s — and the ratio to
#     a plain `sqlite3 .import` of the same CSV into a table of the same
#     shape (ten TEXT columns, no checks, no indexes, no search keys);
#  2. people search latency (p50/p95/p99) over HTTP at 100,000 people.
# Pass --postgres to repeat 1 (100k xlsx) and 2 on PostgreSQL. Peak RSS of
# each import is printed too. XLSX_ROWS and CSV_ROWS change the sizes (for
# a quick run of the script itself).
#   bench/archive.sh [--postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
postgres=${1:-}
need=()
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi
timer=/usr/bin/time
cargo build --release --locked -q -p keqing --bins --examples
bin=$PWD/target/release/keqing
gen=$PWD/target/release/examples/people_file
work=$(mktemp -d)
pid=""; pg_dir=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then scripts/pg-cluster stop "$pg_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
secs() { python3 -c "import time; print(time.time())"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

xlsx_rows=${XLSX_ROWS:-100000}
csv_rows=${CSV_ROWS:-1000000}
"$gen" "$xlsx_rows" "$work/people-100k.xlsx" 2>/dev/null
"$gen" "$csv_rows" "$work/people-1m.csv" 2>/dev/null
echo "keqing $($bin version | cut -d' ' -f2), $(nproc) cores; files: $(du -h "$work/people-100k.xlsx" | cut -f1) xlsx, $(du -h "$work/people-1m.csv" | cut -f1) CSV"

# A database with one rep who will own everything; $1 = data dir, rest = env.
setup() {
  local dir=$1; shift
  echo 'bench password 2026' | env KEQING_LOG=warn "$@" "$bin" --data-dir "$dir" user add bench --name 测试 --role rep --password-stdin >/dev/null
}
# Prints "rows/s peak-RSS-MiB" of one `keqing import`.
import() {
  local dir=$1 file=$2; shift 2
  local t0 t1; t0=$(secs)
  local out; out=$(env "$@" "$timer" -f "rss_kib=%M" -o "$work/time.log" "$bin" --data-dir "$dir" import "$file" --owner bench 2>/dev/null)
  t1=$(secs)
  local rows; rows=$(sed -E 's/.*: ([0-9]+) created.*/\1/' <<<"$out")
  local rss; rss=$(sed -n 's/^rss_kib=//p' "$work/time.log")
  python3 -c "print(f'{$rows/($t1-$t0):.0f} {$rss/1024:.0f}')"
}

echo
echo "import (preview + commit, wall clock of the whole command)"
printf '%-38s %10s %14s\n' what rows/s "peak RSS MiB"
setup "$work/a"
read -r xlsx_rate xlsx_rss < <(import "$work/a" "$work/people-100k.xlsx")
printf '%-38s %10s %14s\n' "keqing import $xlsx_rows xlsx (SQLite)" "$xlsx_rate" "$xlsx_rss"
setup "$work/b"
read -r csv_rate csv_rss < <(import "$work/b" "$work/people-1m.csv")
printf '%-38s %10s %14s\n' "keqing import $csv_rows CSV (SQLite)" "$csv_rate" "$csv_rss"
# sqlite3 .import of the same CSV (BOM and header dropped) into ten TEXT columns.
tail -n +2 "$work/people-1m.csv" > "$work/plain.csv"
sqlite3 "$work/plain.db" 'CREATE TABLE people (name TEXT, gender TEXT, phone TEXT, wechat TEXT, organisation TEXT, position TEXT, birthday TEXT, interests TEXT, tastes TEXT, notes TEXT);'
t0=$(secs)
sqlite3 "$work/plain.db" -cmd '.mode csv' ".import $work/plain.csv people"
t1=$(secs)
plain_rate=$(python3 -c "print(f'{$csv_rows/($t1-$t0):.0f}')")
printf '%-38s %10s\n' "sqlite3 .import $csv_rows CSV" "$plain_rate"
python3 -c "print(f'ratio keqing/sqlite3 ($csv_rows CSV): {$csv_rate/$plain_rate:.2f} (keqing validates every field, finds duplicates, creates organisations, writes pinyin search keys and the audit entry)')"

search() {
  local dir=$1; shift
  local port; port=$(free_port)
  (exec env KEQING_LOG=warn "$@" "$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log") &
  pid=$!
  until grep -q "Keqing is ready" "$work/out.log" 2>/dev/null; do sleep 0.05; done
  local token; token=$(curl -s -H 'content-type: application/json' \
    -d '{"username":"bench","password":"bench password 2026","name":"bench"}' "http://127.0.0.1:$port/api/v1/auth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
  python3 bench/search_latency.py "http://127.0.0.1:$port" "$token" 300
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
echo
echo "search at $xlsx_rows people (SQLite), GET /api/v1/people?q=…&limit=50, sequential"
search "$work/a"

if [ "$postgres" = "--postgres" ]; then
  eval "$(scripts/pg-cluster)"
  pg_dir=$KEQING_TEST_PG_DIR
  setup "$work/pg" KEQING_DATABASE_URL="$KEQING_TEST_PG_URL"
  echo
  read -r pg_rate pg_rss < <(import "$work/pg" "$work/people-100k.xlsx" KEQING_DATABASE_URL="$KEQING_TEST_PG_URL")
  printf '%-38s %10s %14s\n' "keqing import $xlsx_rows xlsx (PostgreSQL)" "$pg_rate" "$pg_rss"
  echo "search at $xlsx_rows people (PostgreSQL)"
  search "$work/pg" KEQING_DATABASE_URL="$KEQING_TEST_PG_URL"
fi
