#!/usr/bin/env bash
# The main job on the bundled real data: import the police.uk files in data/police-uk
# into out/demo.db (all four files, to show every quirk), then rank violence hotspots in
# the real West Yorkshire data (Leeds, February 2025) and write them as GeoJSON and CSV.
# With --serve, then serve the database over HTTP on 127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p hexspot-cli
hexspot=target/release/hexspot
mkdir -p out
db=out/demo.db
$hexspot import --db "$db" data/police-uk/*.csv
echo
$hexspot hotspots --db "$db" --from 2025-02 --to 2025-02 --crime-type "Violence and sexual offences" --top 15 --format table
$hexspot hotspots --db "$db" --from 2025-02 --to 2025-02 --crime-type "Violence and sexual offences" --all --format geojson --out out/violence-hotspots.geojson
$hexspot hotspots --db "$db" --from 2025-02 --to 2025-02 --crime-type "Violence and sexual offences" --top 50 --format csv --out out/violence-hotspots.csv
echo
if [[ "${1:-}" == "--serve" ]]; then
    # the same data over HTTP until Ctrl-C
    exec $hexspot serve --db "$db"
fi
echo "Serve the same data over HTTP: $hexspot serve --db $db   (or: scripts/demo.sh --serve)"
