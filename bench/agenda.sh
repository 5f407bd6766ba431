#!/usr/bin/env bash
# Agenda figures (issue 5), on this machine, release build:
#  1. build every rep's agenda for PEOPLE people / REPS reps (default
#     1,000,000 / 10,000): seconds and people/s;
#  2. one rep's agenda (with Today's briefings) at 400 customers: p50/p99.
# Pass --postgres to repeat both on a throwaway PostgreSQL cluster.
#   bench/agenda.sh [--postgres]
#   PEOPLE=100000 REPS=1000 bench/agenda.sh     # a quicker run
set -euo pipefail
cd "$(dirname "$0")/.."
people=${PEOPLE:-1000000}
reps=${REPS:-10000}
cargo build --release --locked -q -p keqing-store --example agenda_bench
bin=$PWD/target/release/examples/agenda_bench
work=$(mktemp -d)
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then scripts/pg-cluster stop "$pg_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
echo "== SQLite ($people people, $reps reps, $(nproc) cores)"
"$bin" "sqlite://$work/agenda.db" "$people" "$reps"
if [ "${1:-}" = "--postgres" ]; then
  eval "$(scripts/pg-cluster)"
  pg_dir=$KEQING_TEST_PG_DIR
  echo "== PostgreSQL"
  "$bin" "$KEQING_TEST_PG_URL" "$people" "$reps"
fi
