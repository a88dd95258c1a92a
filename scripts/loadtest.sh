#!/usr/bin/env bash
# Load test of `hexspot serve` over 1,000,000 synthetic West Yorkshire incidents (seed 7),
# with wrk: each scenario runs for DURATION (at most) on CONNECTIONS connections and THREADS
# threads unless marked c1 (one connection).
#
#   cached          one z12 tile over Leeds city centre, over and over (a tile-cache hit)
#   uncached        distinct tiles over West Yorkshire in a shuffled order, each asked
#                   for once (a tile-cache miss: the tile is encoded), the query's
#                   statistics warmed first: z13-14 at the zoom's own resolution (what a
#                   map asks for) and z16-17 at res 10 (many more tiles); each on one
#                   connection (a tile's own latency) and on CONNECTIONS (throughput,
#                   with queueing). A walk ends when its tiles are used up, so req/s is
#                   measured over the time requests were actually running.
#   hotspots        /api/v1/hotspots?top=20 over and over (statistics cached)
#
# wrk sends no Accept-Encoding header unless told: the first scenarios are not compressed;
# the last two ask as a browser does ("gzip, deflate, br"). Empty tiles
# (204) count as successes; anything else that is not 2xx, and socket errors, are errors.
#
# Environment: PORT (18080), DURATION (15s), CONNECTIONS (64), THREADS (2),
# RUST_LOG (warn: the server's per-request log lines are off; set info to include them).
# Targets: uncached tile p50 <= 5 ms; >= 5,000 cached tiles/s with 0 errors.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-18080}
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
export RUST_LOG=${RUST_LOG:-warn}
dir=out/load
db=$dir/load.db
csv=$dir/synth.csv
hexspot=target/release/hexspot
base=http://127.0.0.1:$port

if ! command -v wrk > /dev/null; then
    echo "installing wrk (Debian package)"
    apt-get install -y wrk > /dev/null || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; }
fi

# a release build carries the map and refuses to build without it
scripts/build-web.sh
cargo build --release --quiet -p hexspot-cli
mkdir -p "$dir"
if [[ ! -s $csv ]]; then
    $hexspot synth --rows 1000000 --seed 7 --out "$csv"
fi
if [[ -f $db ]] && $hexspot imports --db "$db" 2> /dev/null | grep -q synth.csv; then
    echo "$db already holds synth.csv"
else
    $hexspot import --db "$db" "$csv"
fi

$hexspot serve --db "$db" --addr "127.0.0.1:$port" 2> "$dir/server.log" &
server=$!
trap 'kill "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true' EXIT

printf 'waiting for %s/readyz ' "$base"
for ((i = 0; ; i++)); do
    sleep 0.5
    # checked first, so another process on the port is not mistaken for ours
    if ! kill -0 "$server" 2> /dev/null; then
        echo "the server exited; its log:" >&2
        cat "$dir/server.log" >&2
        exit 1
    fi
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]]; then
        echo "ready"
        break
    fi
    if ((i >= 240)); then
        echo "not ready after 120 s" >&2
        exit 1
    fi
    printf '.'
done

# Slippy-map tile of a point.
tile_xy() { # zoom lon lat
    awk -v z="$1" -v lon="$2" -v lat="$3" 'BEGIN {
        n = 2 ^ z; r = lat * atan2(0, -1) / 180
        x = int((lon + 180) / 360 * n)
        y = int((1 - log(sin(r) / cos(r) + 1 / cos(r)) / atan2(0, -1)) / 2 * n)
        printf "%d/%d", x, y
    }'
}

cached_path=/tiles/hotspots/12/$(tile_xy 12 -1.545 53.797)
hotspots_path="/api/v1/hotspots?top=20"
walk_res=10

warm() { # path
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 "$base$1")
    if [[ $code != 200 && $code != 204 ]]; then
        echo "warming $1 answered $code" >&2
        exit 1
    fi
}

script=$dir/wrk.lua
cat > "$script" << 'LUA'
-- Counts responses by status. Arguments after wrk's --: THREADS MODE ..., where MODE is
--   fixed PATH                the same request over and over
--   walk K/M ZOOM:RES ...     every tile of each zoom over West Yorkshire, once each, in
--                             a shuffled order (RES "auto": the server's zoom -> res
--                             table; K/M: only tiles with (x + y) mod M = K, so runs with
--                             different K never share a tile); a thread stops when its
--                             share of the tiles is used up
local threads = {}
local next_id = 0

-- wall clock in microseconds (wrk's own duration is always the full -d, even when every
-- thread has stopped early)
local ffi = require("ffi")
ffi.cdef("struct hexspot_tv { long sec; long usec; }; int gettimeofday(struct hexspot_tv *, void *);")
local tv = ffi.new("struct hexspot_tv")
local function now_us()
    ffi.C.gettimeofday(tv, nil)
    return tonumber(tv.sec) * 1e6 + tonumber(tv.usec)
end

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

local function tiles(zoom, suffix, part, parts, out)
    local n = 2 ^ zoom
    local function tx(lon) return math.floor((lon + 180) / 360 * n) end
    local function ty(lat)
        local r = math.rad(lat)
        return math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    end
    -- West Yorkshire, as the synthetic data covers it
    for y = ty(53.96), ty(53.52) do
        for x = tx(-2.17), tx(-1.20) do
            if (x + y) % parts == part then
                out[#out + 1] = string.format("/tiles/hotspots/%d/%d/%d%s", zoom, x, y, suffix)
            end
        end
    end
end

function init(args)
    nthreads = tonumber(args[1])
    mode = args[2]
    ok, empty, bad, sent, repeats, distinct, first_us, last_us = 0, 0, 0, 0, 0, 0, 0, 0
    if mode == "walk" then
        paths = {}
        local part, parts = args[3]:match("^(%d+)/(%d+)$")
        for i = 4, #args do
            local z, res = args[i]:match("^(%d+):(%w+)$")
            tiles(tonumber(z), res == "auto" and "" or ("?res=" .. res), tonumber(part), tonumber(parts), paths)
        end
        -- the same shuffle in every thread; each thread takes every nth tile
        local seed = 12345
        for i = #paths, 2, -1 do
            seed = (seed * 1103515245 + 12345) % 2147483648
            local j = seed % i + 1
            paths[i], paths[j] = paths[j], paths[i]
        end
        distinct = #paths
        cursor = id + 1
    else
        wrk.path = args[3]
    end
end

function request()
    if sent == 0 then first_us = now_us() end
    sent = sent + 1
    if mode == "walk" then
        if cursor > #paths then
            -- used up: requests already in flight finish, then the thread stops
            repeats = repeats + 1
            return wrk.format("GET", paths[id + 1])
        end
        local p = paths[cursor]
        cursor = cursor + nthreads
        return wrk.format("GET", p)
    end
    return wrk.format("GET", wrk.path)
end

function response(status, headers, body)
    last_us = now_us()
    if status == 204 then
        empty = empty + 1
    elseif status >= 200 and status < 300 then
        ok = ok + 1
    else
        bad = bad + 1
    end
    if mode == "walk" and cursor > #paths then
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local t = { ok = 0, empty = 0, bad = 0, sent = 0, repeats = 0 }
    local d, first, last = 0, math.huge, 0
    for _, th in ipairs(threads) do
        for k in pairs(t) do t[k] = t[k] + th:get(k) end
        d = th:get("distinct")
        first = math.min(first, th:get("first_us"))
        last = math.max(last, th:get("last_us"))
    end
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d ok=%d empty=%d non2xx=%d socket_errors=%d sent=%d repeats=%d distinct=%d\n",
        summary.requests, (last - first) / 1e6, latency:percentile(50),
        latency:percentile(99), t.ok, t.empty, t.bad, e.connect + e.read + e.write + e.timeout,
        t.sent, t.repeats, d))
end
LUA

results=()
run() { # name, threads, connections, wrk script args...
    local name=$1 t=$2 c=$3
    shift 3
    local header=()
    if [[ -n ${ENCODING:-} ]]; then
        header=(-H "Accept-Encoding: $ENCODING")
        name="$name, $ENCODING"
    fi
    echo
    echo "== $name: wrk -t$t -c$c -d$duration --latency ${header[*]} ($*)"
    local out
    out=$(wrk -t"$t" -c"$c" -d"$duration" --latency "${header[@]}" -s "$script" "$base" -- "$t" "$@")
    echo "$out"
    results+=("$name $(grep '^RESULT' <<< "$out")")
}

warm "$cached_path"
run "cached tile" "$threads" "$connections" fixed "$cached_path"

# Uncached, as a map browses: z13 and z14 at the zoom's own resolution (10 and 11). The
# two queries' statistics are warmed first with a z12 tile (outside the walk). One
# connection gives a tile's own latency; many, the throughput (and queueing).
warm "/tiles/hotspots/12/$(tile_xy 12 -1.545 53.797)?res=10"
warm "/tiles/hotspots/12/$(tile_xy 12 -1.545 53.797)?res=11"
run "uncached z13-14 c1" 1 1 walk 0/3 13:auto 14:auto
run "uncached z13-14" "$threads" "$connections" walk 1/3 13:auto 14:auto

# Uncached, many more tiles: z16 and z17 at res $walk_res (statistics warmed above).
run "uncached z16-17 c1" 1 1 walk 0/2 16:$walk_res 17:$walk_res
run "uncached z16-17" "$threads" "$connections" walk 1/2 16:$walk_res 17:$walk_res

warm "$hotspots_path"
run "hotspots top 20" "$threads" "$connections" fixed "$hotspots_path"

# As a browser asks: brotli accepted. Tiles are compressed once, then served from cache.
ENCODING="gzip, deflate, br"
run "cached tile" "$threads" "$connections" fixed "$cached_path"
run "uncached z13-14 c1" 1 1 walk 2/3 13:auto 14:auto
ENCODING=""

echo
echo "Summary ($(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk and server share the machine; RUST_LOG=$RUST_LOG)"
printf '%-34s %10s %9s %9s %7s %8s  %s\n' scenario "req/s" "p50 ms" "p99 ms" errors "204s" note
for r in "${results[@]}"; do
    name=${r%% RESULT*}
    kv=${r#*RESULT }
    declare -A f=()
    for pair in $kv; do f[${pair%%=*}]=${pair#*=}; done
    note=""
    if ((f[distinct] > 0)); then
        note="$((f[sent] - f[repeats])) distinct tiles of ${f[distinct]}, ${f[repeats]} repeats (cache hits)"
    fi
    awk -v n="$name" -v q="${f[requests]}" -v s="${f[seconds]}" -v p50="${f[p50_us]}" \
        -v p99="${f[p99_us]}" -v e=$((f[non2xx] + f[socket_errors])) -v em="${f[empty]}" \
        -v note="$note" 'BEGIN {
            printf "%-34s %10.0f %9.2f %9.2f %7d %8d  %s\n", n, q / s, p50 / 1000, p99 / 1000, e, em, note
        }'
    unset f
done
