#!/usr/bin/env bash
# How long creating an environment takes, with layers one at a time
# (PALETTE_LAYER_PARALLELISM=1, the old behaviour) and in parallel (the
# default, 4), side by side in one run: `palette serve --demo` on a fresh
# data directory creates the four demo environments on the stand-in; their
# create jobs' durations are read from the database.
#
#   bench/layers/create.sh [DELAY_MS]      (default: the demo's own knobs)
#   BENCH_BIN=/path/to/palette bench/layers/create.sh 300
#
# DELAY_MS sets every stand-in resource's duration (TOFU_STANDIN_DELAY_MS),
# so that each layer takes about as long as the others.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
delay="${1:-}"
bin="${BENCH_BIN:-$TARGET_DIR/release/palette}"
[ -x "$bin" ] || { echo "no release build at $bin: run ./scripts/run (or set BENCH_BIN)" >&2; exit 2; }

run() {
  local width="$1" data port pid
  data="$(mktemp -d)"
  # A fresh tree: workspaces left by earlier demo runs would plan nothing.
  mkdir "$data/infra"
  cp -r "$ROOT/examples/infra/modules" "$ROOT/examples/infra/scaffold" "$data/infra/"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  (
    export PALETTE_DATA_DIR="$data" PALETTE_INFRA_DIR="$data/infra" PALETTE_SITE_ROOT="$ROOT/target/site" PALETTE_LOG=warn
    export PALETTE_LAYER_PARALLELISM="$width"
    [ -n "$delay" ] && export TOFU_STANDIN_DELAY_MS="$delay"
    exec "$bin" serve --demo --listen "127.0.0.1:$port" >"$data/palette.log" 2>&1
  ) &
  pid=$!
  python3 - "$data/palette.db" "$width" <<'PY'
import sqlite3, sys, time
db, width = sys.argv[1], sys.argv[2]
deadline = time.time() + 300
rows = []
while time.time() < deadline:
    try:
        c = sqlite3.connect(db)
        rows = c.execute("SELECT environment, status, finished_at - started_at FROM jobs "
                         "WHERE kind = 'environment.create' ORDER BY id").fetchall()
        c.close()
    except sqlite3.Error:
        rows = []
    if len(rows) == 4 and all(r[1] in ('succeeded', 'failed') for r in rows):
        break
    time.sleep(0.2)
print(f"parallelism {width}: " + "  ".join(f"{env} {ms / 1000:.2f} s ({status})" for env, status, ms in rows)
      + f"  total {sum(r[2] or 0 for r in rows) / 1000:.2f} s")
PY
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}

echo "stand-in delay: ${delay:-the demo knobs} ms per resource; $(nproc) cores"
run 1
run 4
