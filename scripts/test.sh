#!/usr/bin/env bash
# Every test: the Rust workspace, then the map application (types, lint, unit tests)
# and its browser tests in headless Chromium against servers they start themselves.
# Needs a Rust toolchain, Node.js 20+ with npm, and Debian's chromium
# (scripts/install-chromium.sh installs it; CHROMIUM names another binary).
set -euo pipefail
cd "$(dirname "$0")/.."
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    echo "test: the browser tests need Chromium at $chromium: run scripts/install-chromium.sh (or set CHROMIUM)" >&2
    exit 1
fi

echo "== web: build (the server's tests check the built app is served)"
scripts/build-web.sh

echo "== cargo test --workspace"
cargo test --workspace

echo "== cargo test: ingest without British National Grid support (feature bng off)"
cargo test -p hexspot-ingest --no-default-features --test ingest

echo "== web: types, lint, unit tests"
cd web
npm run --silent typecheck
npm run --silent lint
npm run --silent test

echo "== web: browser tests (headless Chromium, network to 127.0.0.1 only)"
cargo build --quiet -p hexspot-cli
HEXSPOT_BIN="$PWD/../target/debug/hexspot" CHROMIUM="$chromium" npm run --silent test:browser
