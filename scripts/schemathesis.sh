#!/usr/bin/env bash
# Schemathesis (PyPI) against the served OpenAPI document: every documented operation,
# GET and POST, with generated parameters and bodies, on a server started here over the
# bundled Leeds file on a loopback port, stopped at the end. Fails on any 5xx, any
# status, content type or body the document does not allow. Bounded: at most
# MAX_EXAMPLES cases per operation and phase (default 30).
#
#   scripts/schemathesis.sh [HEXSPOT_BINARY]       default target/debug/hexspot
#
# Our API refuses what the schema cannot say (an empty value such as `res=`): that
# check (positive_data_acceptance) is left out; every response check is run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/hexspot}"
examples="${MAX_EXAMPLES:-30}"
venv=target/venv-schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "== installing schemathesis from PyPI into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet schemathesis==4.32.5
fi
tmp="$(mktemp -d)"
pid=""
stop() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap stop EXIT
"$bin" import --db "$tmp/s.db" data/police-uk/crimedataleeds.csv >/dev/null
port=$((20000 + RANDOM % 20000))
"$bin" serve --db "$tmp/s.db" --addr "127.0.0.1:$port" --watch-secs 0 >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
echo "== schemathesis on http://127.0.0.1:$port (at most $examples examples per operation)"
"$venv/bin/python" "$(dirname "$0")/schemathesis-run.py" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" --workers 2 --seed 1 --no-color
