#!/usr/bin/env bash
# Builds the map application into web/dist (served by `hexspot serve` at /; release
# builds of hexspot carry it inside the binary). Needs Node.js 20+ and npm; the
# packages come from web/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null; then
    echo "build-web: npm not found: install Node.js 20 or later (https://nodejs.org or your package manager)" >&2
    exit 1
fi
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
