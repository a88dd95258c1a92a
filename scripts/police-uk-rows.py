#!/usr/bin/env python3
"""Writes an N-row data.police.uk street-level CSV (the 12-column format, with
location, LSOA and outcome text) for import benchmarks, from real police.uk files.

It cycles through the rows of the files given (in name order), keeping every field as
published (so the points are police.uk's own snapped map points and the text is real),
and makes each Crime ID unique: after the first pass each becomes the SHA-256 of itself and
the pass number, 64 hexadecimal digits as police.uk's are (ASB rows keep an empty ID).

Usage: scripts/police-uk-rows.py ROWS OUT.csv FILE_OR_DIR...
"""
import csv
import hashlib
import pathlib
import sys

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


def files(args):
    out = []
    for a in args:
        p = pathlib.Path(a)
        out.extend(sorted(p.rglob("*.csv")) if p.is_dir() else [p])
    return out


def main():
    rows, out_path, *inputs = sys.argv[1:]
    rows = int(rows)
    source = []
    for f in files(inputs):
        with open(f, newline="", encoding="utf-8-sig") as fh:
            r = csv.reader(fh)
            header = [h.replace("_", " ") for h in next(r)]
            if header[:len(HEADER)] != HEADER:
                continue
            source.extend(row[:12] for row in r if len(row) >= 12)
    if not source:
        sys.exit("no police.uk rows found")
    with open(out_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(rows):
            row = list(source[i % len(source)])
            if row[0] and i >= len(source):
                # another 64-hex-digit ID, as police.uk's are
                row[0] = hashlib.sha256(f"{row[0]}-{i // len(source)}".encode()).hexdigest()
            w.writerow(row)


if __name__ == "__main__":
    main()
