#!/usr/bin/env bash
# Fuzzes hexspot's readers and HTTP routes with cargo fuzz (libFuzzer, nightly Rust),
# each target for a bounded time; fails on the first crash, which libFuzzer keeps in
# fuzz/artifacts/TARGET/ — add it to fuzz/seeds/TARGET/ as a regression input once
# fixed (every seed is run first, on each run).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, every target
#
# Seeds: fuzz/seeds/TARGET/ (small files committed with the repository) plus the heads
# of the real files in data/ and, where it is there, ../shared/data. The working corpus
# is target/fuzz-corpus/TARGET/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(incident_file boundaries population harm_table requests)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "cargo fuzz needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked --version 0.13.2
fi

corpus=target/fuzz-corpus
seed() { # TARGET FILE [LINES]: the file's head (whole when LINES is empty) as a seed
    local t="$1" f="$2" n="${3:-}"
    [ -f "$f" ] || return 0
    mkdir -p "$corpus/$t"
    local out
    out="$corpus/$t/$(basename "$f")"
    if [ -n "$n" ]; then head -n "$n" "$f" >"$out"; else cp "$f" "$out"; fi
}
shared=../shared/data
for t in "${targets[@]}"; do
    mkdir -p "$corpus/$t"
    cp fuzz/seeds/"$t"/* "$corpus/$t/" 2>/dev/null || true
done
for f in data/police-uk/*.csv "$shared"/crime/leicestershire/2022-10-leicestershire-street.csv; do
    # the first byte picks the reader (0: police.uk CSV)
    [ -f "$f" ] || continue
    mkdir -p "$corpus/incident_file"
    { printf '\x00'; head -n 40 "$f"; } >"$corpus/incident_file/$(basename "$f")"
done
seed boundaries data/boundaries/E08000033-calderdale-wards.json
seed population data/population/ons-msoa-2020-SAPE23DT4.csv 30
seed harm_table data/harm/ons-css-example.csv

status=0
mkdir -p target/fuzz-logs
for t in "${targets[@]}"; do
    echo "== cargo fuzz run $t for ${secs} s"
    log="target/fuzz-logs/$t.log"
    rc=0
    cargo +nightly fuzz run --fuzz-dir fuzz "$t" "$corpus/$t" -- \
        -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
    if [ "$rc" -ne 0 ]; then
        grep -E 'panicked|ERROR|SUMMARY|Test unit written|error(\[|:)' "$log" | head -20 >&2 || true
        echo "FAILED: $t (exit $rc; the log is $log, a crash input in fuzz/artifacts/$t/)" >&2
        status=1
    fi
done
exit $status
