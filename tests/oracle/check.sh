#!/usr/bin/env bash
# Checks hexspot's hotspot GeoJSON against the independent Python/h3-py oracle, to
# 1e-9, on complete police.uk files that are NOT in this repository (../shared/data).
# Usage: tests/oracle/check.sh [path/to/hexspot]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
hexspot="${1:-$root/target/debug/hexspot}"
shared="${HEXSPOT_SHARED_DATA:-$root/../shared/data}/crime"
if [ ! -d "$shared" ]; then
  echo "oracle: $shared not found; skipped"
  exit 0
fi
venv="$root/target/oracle-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/oracle/requirements.txt"
fi
py="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
oracle="$root/tests/oracle/gi_star.py"
"$py" "$oracle" selftest

check() { # name res k [crime type] -- files...
  local name=$1 res=$2 k=$3 ct=$4; shift 5
  local db="$work/$name.db" extra=() oextra=()
  if [ -n "$ct" ]; then extra=(--crime-type "$ct"); oextra=(--crime-type "$ct"); fi
  "$hexspot" import --db "$db" "$@" > /dev/null
  "$hexspot" hotspots --db "$db" --res "$res" --k "$k" --all --format geojson "${extra[@]}" --out "$work/$name.geojson" 2> /dev/null
  "$py" "$oracle" compute --res "$res" --k "$k" "${oextra[@]}" "$@" > "$work/$name.json" 2> /dev/null
  echo -n "$name (res $res, k $k${ct:+, $ct}): "
  if "$py" "$oracle" compare "$work/$name.json" "$work/$name.geojson" --tol 1e-9; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
passed=0
failed=0
check sy-2018-11 9 1 "" -- "$shared/south-yorkshire/2018-11-south-yorkshire-street.csv"
check sy-both-violence 10 1 "Violence and sexual offences" -- \
  "$shared/south-yorkshire/2018-10-south-yorkshire-street.csv" "$shared/south-yorkshire/2018-11-south-yorkshire-street.csv"
check northants-2018-11-k2 9 2 "" -- "$shared/northamptonshire/2018-11-northamptonshire-street.csv"
check northants-2018-12-res8 8 1 "Violence and sexual offences" -- "$shared/northamptonshire/2018-12-northamptonshire-street.csv"
check leics-2021-violence-res10 10 1 "Violence and sexual offences" -- "$shared"/leicestershire/2021-*-leicestershire-street.csv
echo "oracle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
