#!/usr/bin/env bash
# End-to-end figures with the real release binary, each from a new process:
#   1. `hexspot import` of a 1,000,000-row police.uk-format file (real rows from
#      ../shared/data/crime cycled by scripts/police-uk-rows.py), rows/s;
#   2. `hexspot import` of 1,000,000 synthetic incidents (`hexspot synth`, seed 7);
#   3. a cold `hexspot hotspots --top 20` at res 9 and res 11 on those 1M incidents
#      (open the store, load, query, print), median of RUNS (default 15);
#   4. `hexspot serve` from exec until /readyz answers 200, median of 5.
# Usage: scripts/bench-cli.sh [WORKDIR]   (needs python3 and curl; ~2 GB of scratch)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-15}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cargo build --quiet --release -p hexspot-cli
bin="$root/target/release/hexspot"
ms() { date +%s%N; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(f"{statistics.median(v):.1f} ms (min {min(v):.1f}, max {max(v):.1f}, n {len(v)})")' "$@"; }

if [ ! -f "$work/police-uk-1m.csv" ]; then
  python3 scripts/police-uk-rows.py 1000000 "$work/police-uk-1m.csv" "$root/../shared/data/crime"
fi
if [ ! -f "$work/synth-1m.csv" ]; then
  "$bin" synth --rows 1000000 --seed 7 --out "$work/synth-1m.csv" > /dev/null
fi

for f in police-uk-1m synth-1m; do
  rm -f "$work/$f.db"*
  t0=$(ms)
  "$bin" import --db "$work/$f.db" "$work/$f.csv" > /dev/null
  t1=$(ms)
  python3 -c "import sys; s=($t1-$t0)/1e9; print(f'import $f: {s:.2f} s = {1e6/s/1e3:.0f}k rows/s')"
done

db="$work/synth-1m.db"
for res in 9 11; do
  "$bin" hotspots --db "$db" --res "$res" --top 20 > /dev/null # the OS page cache warm, as on a server
  times=()
  for _ in $(seq "$runs"); do
    t0=$(ms); "$bin" hotspots --db "$db" --res "$res" --top 20 > /dev/null; t1=$(ms)
    times+=("$(( (t1 - t0) / 1000 ))e-3")
  done
  echo -n "cold hotspots --top 20, res $res, 1M incidents: "; median "${times[@]}"
  /usr/bin/time -f "  peak RSS %M KB" "$bin" hotspots --db "$db" --res "$res" --top 20 2>&1 > /dev/null | tail -1
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
times=()
for _ in 1 2 3 4 5; do
  t0=$(ms)
  "$bin" serve --db "$db" --addr "127.0.0.1:$port" > /dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1; do sleep 0.005; done
  t1=$(ms)
  kill "$pid"; wait "$pid" 2> /dev/null || true
  times+=("$(( (t1 - t0) / 1000 ))e-3")
done
echo -n "serve until /readyz, 1M incidents: "; median "${times[@]}"
