#!/usr/bin/env bash
# Job queue benchmark: Palette's queue and graphile-worker on the same
# throwaway PostgreSQL, the same no-op jobs, the same concurrency.
#   bench/queue/run.sh [JOBS] [WORKER COUNTS...]     (defaults: 10000, 1 4 16)
# Starts PostgreSQL like the test harness does (initdb --auth=trust as the
# postgres user, fsync=off), prints a table, removes the cluster. Then the
# same for SQLite (Palette alone: graphile-worker needs PostgreSQL), and how
# long one claim takes with 1,000 and 100,000 jobs queued
# (engine/examples/claim_latency.rs), on both.
#   QUEUE_BIN_DIR=/dir/with/examples   use these builds, build nothing
#   CLAIM_BACKLOGS="1000 100000"       the backlog sizes of the claim latency
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JOBS="${1:-10000}"; shift || true
COUNTS=("${@:-1 4 16}"); COUNTS=(${COUNTS[@]})
IDLE_SECS="${IDLE_SECS:-10}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DIR="$(mktemp -d /tmp/palette-bench-pg.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg "$PG_BIN/initdb" --auth=trust --username=postgres --no-sync --encoding=UTF8 -D "$DIR/data" >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
ADMIN="postgres://postgres@127.0.0.1:$PORT/postgres"

BIN_DIR="${QUEUE_BIN_DIR:-$TARGET/release/examples}"
[ -n "${QUEUE_BIN_DIR:-}" ] || (cd "$ROOT" && cargo build --release -q -p engine --example queue_bench --example claim_latency)
[ -d "$HERE/node_modules" ] || (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null)

db() { psql -q "$ADMIN" -c "CREATE DATABASE $1" >/dev/null && echo "postgres://postgres@127.0.0.1:$PORT/$1"; }
rate() { sed -n 's/.*jobs_per_sec=\([0-9]*\).*/\1/p'; }
idle() { sed -n 's/.*cpu_ms=\([0-9]*\).*/\1/p'; }

printf '%-8s %-8s %14s %14s\n' workers jobs palette/s graphile/s
LAST=${COUNTS[-1]}
for n in "${COUNTS[@]}"; do
  want_idle=0; [ "$n" = "$LAST" ] && want_idle="$IDLE_SECS"
  P="$("$BIN_DIR/queue_bench" "$(db palette_$n)" "$n" "$JOBS" "$want_idle")"
  G="$(node "$HERE/graphile.mjs" "$(db graphile_$n)" "$n" "$JOBS" "$want_idle")"
  printf '%-8s %-8s %14s %14s\n' "$n" "$JOBS" "$(echo "$P" | rate)" "$(echo "$G" | rate)"
  [ "$want_idle" != 0 ] && IDLE_P="$(echo "$P" | idle)" && IDLE_G="$(echo "$G" | idle)" && CANCEL="$(echo "$P" | sed -n 's/^palette //p' | grep cancel_ms)"
done
echo
echo "idle CPU over ${IDLE_SECS} s with $LAST workers waiting: palette ${IDLE_P:-?} ms, graphile-worker ${IDLE_G:-?} ms"
echo "a running job asked to stop by another connection hears it after: ${CANCEL:-?}"

SQLITE_DIR="$(mktemp -d /tmp/palette-bench-sqlite.XXXXXX)"
trap 'as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DIR" "$SQLITE_DIR"' EXIT
echo
printf '%-8s %-8s %14s   (SQLite, WAL, synchronous=NORMAL)\n' workers jobs palette/s
for n in "${COUNTS[@]}"; do
  P="$("$BIN_DIR/queue_bench" "sqlite://$SQLITE_DIR/q$n.db?mode=rwc" "$n" "$JOBS" 0)"
  printf '%-8s %-8s %14s\n' "$n" "$JOBS" "$(echo "$P" | rate)"
done

if [ -x "$BIN_DIR/claim_latency" ]; then
  echo
  echo "claim latency, PostgreSQL:"
  "$BIN_DIR/claim_latency" "$(db claims)" ${CLAIM_BACKLOGS:-1000 100000}
  echo
  echo "claim latency, SQLite:"
  "$BIN_DIR/claim_latency" "sqlite://$SQLITE_DIR/claims.db?mode=rwc" ${CLAIM_BACKLOGS:-1000 100000}
fi
