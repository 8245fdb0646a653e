#!/usr/bin/env bash
# The web page's end-to-end test, for .ci/run: Debian's Chromium (installed when missing),
# playwright-core from the lockfile, then `node --test` against the release binary
# (FILMDEX_BIN, else $CARGO_TARGET_DIR/release/filmdex, brought up to date by cargo first).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing Debian's chromium"
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing: run 'apt-get install -y chromium' as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}"
if [ -z "${FILMDEX_BIN:-}" ]; then
  # The page is embedded in the binary: make sure it has the current files (a no-op when fresh).
  echo "== cargo build --release -p filmdex"
  (cd .. && cargo build --release -p filmdex --quiet)
  export FILMDEX_BIN="$CARGO_TARGET_DIR/release/filmdex"
fi
# playwright-core only drives a browser: never let anything download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

npm ci --no-audit --no-fund --loglevel=error
# One file at a time: each starts its own server, and the timings want an idle machine.
node --test --test-concurrency=1 --test-reporter=spec test/
