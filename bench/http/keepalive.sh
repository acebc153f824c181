#!/usr/bin/env bash
# Serves a static asset and /healthz over ONE keep-alive connection each and
# prints requests per second, side by side, from one run against one server:
# a regression benchmark for responses that stall on Nagle + delayed ACK
# (issue #13: 31-50 requests/s for /pkg/palette.css before TCP_NODELAY).
# The stylesheet's name carries its hash (hash-files): it is read from the
# login page. Requested without Accept-Encoding, so the whole file is sent,
# and as a browser asks for it (Accept-Encoding: gzip, deflate, br): the
# brotli copy.
#
#   bench/http/keepalive.sh [SECONDS]           (default 5 per path)
#   BENCH_BIN=/path/to/palette bench/http/keepalive.sh
#
# Needs the release build (./scripts/run builds it) and wrk (Debian:
# apt-get install wrk): one thread, one connection, as many requests as it
# can send one after the other; wrk sends no Accept-Encoding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
secs="${1:-5}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }
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

# One wrk thread on one connection for `secs` seconds: requests/s, latency,
# and the socket errors it saw (0 means the one connection held).
run() {
  local path="$1" label="$1" out
  shift
  [ $# -eq 0 ] || label="$path ($*)"
  out="$(wrk -t1 -c1 -d"${secs}s" --latency "$@" "http://127.0.0.1:$port$path")"
  awk -v path="$label" '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Socket errors/ { errors = $0 }
    /Non-2xx/ { non2xx = $NF }
    END { printf "%-60s %9.0f requests/s  p50 %s  p99 %s  %s%s\n", path, rps, p50, p99, errors ? errors : "no socket errors", non2xx ? ", non-2xx " non2xx : "" }' <<<"$out"
}
css="$(curl -s "http://127.0.0.1:$port/auth/login" | grep -o '/pkg/palette[.A-Za-z0-9_-]*\.css' | head -1)"
[ -n "$css" ] || { echo "the login page links no /pkg/palette…css stylesheet" >&2; exit 1; }
bytes="$(curl -s "http://127.0.0.1:$port$css" | wc -c)"
echo "palette serve --demo (release), wrk -t1 -c1 -d${secs}s per path; $css is $bytes bytes"
run "$css"
run "$css" -H "Accept-Encoding: gzip, deflate, br"
run /healthz
