#!/usr/bin/env bash
# Serves a static asset and /healthz over ONE keep-alive connection each and
# prints requests per second, side by side, from one run against one server:
# a regression benchmark for responses that stall on Nagle + delayed ACK
# (issue #13: 31-50 requests/s for /pkg/palette.css before TCP_NODELAY).
# The stylesheet's name carries its hash (hash-files): it is read from the
# login page. Requested without Accept-Encoding, so the whole file is sent.
#
#   bench/http/keepalive.sh [REQUESTS]          (default 1000)
#   BENCH_BIN=/path/to/palette bench/http/keepalive.sh
#
# Needs the release build (./scripts/run builds it) and curl, which reuses
# one connection for all the URLs given on one command line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
requests="${1:-1000}"
bin="${BENCH_BIN:-$TARGET_DIR/release/palette}"
[ -x "$bin" ] || { echo "no release build at $bin: run ./scripts/run (or set BENCH_BIN)" >&2; exit 2; }
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
PALETTE_DATA_DIR="$data" PALETTE_SITE_ROOT="$ROOT/target/site" PALETTE_LOG=warn \
  "$bin" serve --demo --no-workers --listen "127.0.0.1:$port" >"$data/palette.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 300); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { up=1; break; }
  sleep 0.2
done
[ -n "$up" ] || { echo "palette did not answer /healthz within 60 s:" >&2; tail -20 "$data/palette.log" >&2; exit 1; }

# One curl, `requests` transfers of `path` over one connection: requests/s,
# and how many connections it opened (1 means keep-alive held).
run() {
  local path="$1" args=() start end connects
  for _ in $(seq "$requests"); do args+=(-o /dev/null "http://127.0.0.1:$port$path"); done
  start="$(date +%s%N)"
  connects="$(curl -s -w '%{num_connects}\n' "${args[@]}" | awk '{n += $1} END {print n}')"
  end="$(date +%s%N)"
  awk -v n="$requests" -v ns="$((end - start))" -v path="$path" -v c="$connects" \
    'BEGIN { printf "%-42s %6d requests  %8.0f requests/s  %6.2f ms each  %d connection(s)\n", path, n, n / (ns / 1e9), ns / 1e6 / n, c }'
}
css="$(curl -s "http://127.0.0.1:$port/auth/login" | grep -o '/pkg/palette[.A-Za-z0-9_-]*\.css' | head -1)"
[ -n "$css" ] || { echo "the login page links no /pkg/palette…css stylesheet" >&2; exit 1; }
bytes="$(curl -s "http://127.0.0.1:$port$css" | wc -c)"
echo "palette serve --demo (release), one keep-alive connection per path; $css is $bytes bytes"
run "$css"
run /healthz
