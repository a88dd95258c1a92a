#!/usr/bin/env bash
# The main job on the bundled real data: import the police.uk files in data/police-uk
# into out/demo.db (all four files, to show every quirk), rank violence hotspots in the
# real West Yorkshire data (Leeds, February 2025), write them as GeoJSON and CSV, plan
# patrols, import the West Yorkshire wards, MSOAs and population and compare the wards,
# then serve the map of them on http://127.0.0.1:8080/ until Ctrl-C.
#
#   scripts/demo.sh               all of the above
#   scripts/demo.sh --no-serve    stop after writing the files
#   scripts/demo.sh --synthetic   serve 200,000 synthetic incidents with times of day
#                                 instead (out/synthetic.db), for the night-time-economy
#                                 window: police.uk files give months only
#
# HEXSPOT_ADDR changes the address (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in
"" | --no-serve | --synthetic | --serve) ;;
*)
    echo "usage: scripts/demo.sh [--no-serve | --synthetic]" >&2
    exit 2
    ;;
esac
addr="${HEXSPOT_ADDR:-127.0.0.1:8080}"

scripts/build-web.sh
cargo build --release --quiet -p hexspot-cli
hexspot=target/release/hexspot
mkdir -p out
db=out/demo.db
$hexspot import --db "$db" data/police-uk/*.csv
echo
violence=(--from 2025-02 --to 2025-02 --crime-type "Violence and sexual offences")
$hexspot hotspots --db "$db" "${violence[@]}" --top 15 --format table
$hexspot hotspots --db "$db" "${violence[@]}" --all --format geojson --out out/violence-hotspots.geojson
$hexspot hotspots --db "$db" "${violence[@]}" --top 50 --format csv --out out/violence-hotspots.csv
echo
$hexspot plan --db "$db" "${violence[@]}" --cells 20 --format table
echo

# wards and districts: the five ward files (one per district), the MSOAs the population
# is published for, and the ONS population (ward populations are estimated from it)
districts=(--district Bradford --district Calderdale --district Kirklees --district Leeds --district Wakefield)
areas() {
    $hexspot boundaries import --db "$1" --set wards --code WD13CD --name WD13NM "${districts[@]}" data/boundaries/E0800003{2,3,4,5,6}-*-wards.json
    $hexspot boundaries import --db "$1" --set msoa --code MSOA11CD --name MSOA11NM "${districts[@]}" data/boundaries/msoa/E0800003{2,3,4,5,6}-*-msoa.json
    $hexspot population import --db "$1" --set wards data/population/ons-msoa-2020-SAPE23DT4.csv
    $hexspot boundaries dissolve --db "$1" --from wards --set districts
}
areas "$db"
$hexspot areas --db "$db" --set wards "${violence[@]}" --format table | head -16
$hexspot areas --db "$db" --set wards "${violence[@]}" --format csv --out out/violence-wards.csv
echo "  … all 124 wards in out/violence-wards.csv"
echo
# change tests on real consecutive months: the bundled West Yorkshire files are single
# months, so compare Northamptonshire's seven districts (from the TopoJSON of every
# district in England), November 2018 against October
$hexspot boundaries import --db "$db" --set northants --code LAD13CD --name LAD13NM \
    --only E07000150,E07000151,E07000152,E07000153,E07000154,E07000155,E07000156 data/boundaries/lad/topo_lad.json
$hexspot areas --db "$db" --set northants --from 2018-11 --to 2018-11 --crime-type "Violence and sexual offences" --format table
echo
if [[ "$mode" == "--no-serve" ]]; then
    echo "Serve the map of the same data: scripts/demo.sh   (or: $hexspot serve --db $db)"
    exit 0
fi
if [[ "$mode" == "--synthetic" ]]; then
    db=out/synthetic.db
    if [[ ! -f "$db" ]]; then
        $hexspot synth --rows 200000 --seed 1 --out out/synthetic.csv
        $hexspot import --db "$db" out/synthetic.csv
    fi
    areas "$db"
    view="?crime_type=Violence+and+sexual+offences&days=fri%2Csat&hours=20-04&top=10"
    echo "SYNTHETIC data (not real incidents), with times of day: the night-time-economy window"
else
    view="?crime_type=Violence+and+sexual+offences&from=2025-02&to=2025-02"
fi
echo
echo "  Map: http://$addr/$view"
echo "  (open it in a browser; it needs nothing beyond this server. Ctrl-C stops.)"
echo
exec $hexspot serve --db "$db" --addr "$addr"
