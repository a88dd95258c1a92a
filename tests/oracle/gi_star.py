#!/usr/bin/env python3
"""Independent oracle for hexspot's H3 binning and Getis-Ord Gi* statistics.

This script deliberately shares no code with hexspot (which is written in Rust
on top of h3o). It uses the reference H3 C library through h3-py v4, the
standard library `csv` module and numpy.

Sub-commands:

    gi_star.py compute --res R --k K [--alpha A] [--crime-type T ...] FILE.csv... > oracle.json
    gi_star.py compare oracle.json hexspot.geojson [--tol 1e-9]
    gi_star.py selftest

See README.md in this directory for the rules being checked.
"""

import argparse
import csv
import json
import math
import re
import sys

import h3
import numpy as np

# A significance mismatch is tolerated only for p-values this close to the
# Benjamini-Hochberg cut-off.
BH_EDGE_TOL = 1e-12

# Plain decimal numbers only ("-1.041914", "53.6", "1e-3"). Python's float()
# would also accept "nan", "inf" and "1_000", which are not coordinates.
NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


# --------------------------------------------------------------------------
# Generic Gi* (no H3 here): values plus neighbour lists.
# --------------------------------------------------------------------------


def gi_star(values, neighbours):
    """Getis-Ord Gi* with binary weights.

    values      -- sequence of n numbers x_j.
    neighbours  -- list of n lists; neighbours[i] holds the indices j with
                   w_ij = 1. It must include i itself (that is what makes the
                   statistic Gi* rather than Gi).

    Returns (z, mean, std) where z is a list of floats or None. z_i is None
    when the standard deviation is 0, when n <= 1, or when the denominator of
    z_i is 0 (e.g. a cell whose neighbourhood is the whole region).
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n == 0:
        return [], None, None
    mean = float(np.sum(x)) / n
    variance = float(np.sum(x * x)) / n - mean * mean
    # Rounding can leave a tiny negative variance for constant data.
    std = math.sqrt(variance) if variance > 0.0 else 0.0

    z = []
    for i in range(n):
        idx = neighbours[i]
        w = float(len(idx))  # W_i = sum_j w_ij (binary weights)
        lag = float(np.sum(x[idx]))  # sum_j w_ij x_j
        if n <= 1 or std == 0.0:
            z.append(None)
            continue
        denominator = std * math.sqrt((n * w - w * w) / (n - 1))
        if denominator == 0.0 or not math.isfinite(denominator):
            z.append(None)
            continue
        z.append((lag - mean * w) / denominator)
    return z, mean, std


def two_sided_p(z):
    """Two-sided standard normal p-value, or None for a None z."""
    if z is None:
        return None
    return math.erfc(abs(z) / math.sqrt(2.0))


def bh_threshold(p_values, alpha, slack=0.0):
    """Benjamini-Hochberg cut-off over the given (non-None) p-values.

    Returns p_(k) for the largest rank k (1-based) with
    p_(k) <= k * alpha / m + slack, or None if there is no such k.
    A p-value is significant iff p <= the returned cut-off.
    """
    ordered = sorted(p_values)
    m = len(ordered)
    cutoff = None
    for rank, p in enumerate(ordered, start=1):
        if p <= rank * alpha / m + slack:
            cutoff = p
    return cutoff


# --------------------------------------------------------------------------
# CSV reading.
# --------------------------------------------------------------------------


def normalise_header(name):
    """'Crime type', 'Crime_type', 'CrimeType', '\\ufeffCrime ID' -> 'crimetype' etc."""
    name = name.replace("\ufeff", "").strip().lower()
    return name.replace(" ", "").replace("_", "")


def parse_coordinate(text):
    """Float for a plain decimal number, otherwise None."""
    text = text.strip()
    if not NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def read_points(paths, crime_types=None):
    """Yield (lat, lng) for every usable row of the given police.uk CSVs.

    A row is skipped when Longitude/Latitude is empty or unparsable, or when
    lat is outside [-90, 90] or lon outside [-180, 180]. With crime_types, a
    row is kept only if its Crime type equals one of them exactly.
    Returns the tuple (points, stats).
    """
    points = []
    stats = {"rows": 0, "kept": 0, "bad_coordinates": 0, "other_crime_type": 0}
    wanted = set(crime_types) if crime_types else None
    for path in paths:
        # utf-8-sig drops a leading BOM; newline="" lets csv handle CRLF and
        # quoted line breaks; surrogateescape keeps stray non-UTF-8 bytes.
        with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                continue  # empty file
            columns = {normalise_header(h): i for i, h in enumerate(header)}
            try:
                lon_col = columns["longitude"]
                lat_col = columns["latitude"]
            except KeyError:
                sys.exit(f"{path}: no Longitude/Latitude columns in header {header!r}")
            type_col = columns.get("crimetype")
            if wanted is not None and type_col is None:
                sys.exit(f"{path}: --crime-type given but there is no Crime type column")

            for row in reader:
                if not row:
                    continue  # csv yields [] for blank lines; not a record
                stats["rows"] += 1
                lon = parse_coordinate(row[lon_col]) if lon_col < len(row) else None
                lat = parse_coordinate(row[lat_col]) if lat_col < len(row) else None
                if lon is None or lat is None or not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
                    stats["bad_coordinates"] += 1
                    continue
                if wanted is not None:
                    crime_type = row[type_col] if type_col < len(row) else None
                    if crime_type not in wanted:
                        stats["other_crime_type"] += 1
                        continue
                stats["kept"] += 1
                points.append((lat, lon))
    return points, stats


# --------------------------------------------------------------------------
# compute
# --------------------------------------------------------------------------


def bin_points(points, res):
    """Count points per H3 cell at `res`: the cell that contains each point."""
    counts = {}
    for lat, lng in points:
        cell = h3.latlng_to_cell(lat, lng, res)
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def compute_oracle(counts, res, k, alpha):
    """Study region, Gi*, p-values and BH significance as a JSON-ready dict."""
    region = set(counts)
    for cell in counts:
        region.update(h3.grid_disk(cell, k))
    cells = sorted(region)
    position = {cell: i for i, cell in enumerate(cells)}

    values = [counts.get(cell, 0) for cell in cells]
    neighbours = [
        [position[j] for j in h3.grid_disk(cell, k) if j in position] for cell in cells
    ]
    z, mean, std = gi_star(values, neighbours)
    p = [two_sided_p(zi) for zi in z]
    cutoff = bh_threshold([pi for pi in p if pi is not None], alpha)

    out_cells = {}
    for i, cell in enumerate(cells):
        significant = p[i] is not None and cutoff is not None and p[i] <= cutoff
        out_cells[cell] = {"count": values[i], "z": z[i], "p": p[i], "significant": significant}
    return {
        "res": res,
        "k": k,
        "alpha": alpha,
        "n": len(cells),
        "mean": mean,
        "std": std,
        "bh_threshold": cutoff,
        "cells": out_cells,
    }


def cmd_compute(args):
    if not 0 <= args.res <= 15:
        sys.exit("--res must be in 0..=15")
    if args.k < 0:
        sys.exit("--k must be >= 0")
    points, stats = read_points(args.files, args.crime_type)
    counts = bin_points(points, args.res)
    result = compute_oracle(counts, args.res, args.k, args.alpha)
    print(
        f"oracle: {stats['rows']} rows, {stats['kept']} points kept, "
        f"{stats['bad_coordinates']} bad coordinates, {stats['other_crime_type']} other crime type; "
        f"{len(counts)} occupied cells, n = {result['n']}",
        file=sys.stderr,
    )
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------


def load_hexspot(path):
    """Cells from a hexspot GeoJSON FeatureCollection, keyed by H3 string."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    cells = {}
    duplicates = []
    for feature in doc.get("features", []):
        props = feature.get("properties") or {}
        cell = str(props["cell"]).lower()
        if cell in cells:
            duplicates.append(cell)
        cells[cell] = {
            "count": props.get("count"),
            "z": props.get("gi_star_z"),
            "p": props.get("p_value"),
            "significant": props.get("significant"),
        }
    return doc, cells, duplicates


def number_diff(a, b):
    """|a - b| for two numbers; 0 if both None; inf if exactly one is None."""
    if a is None and b is None:
        return 0.0
    if a is None or b is None:
        return math.inf
    return abs(float(a) - float(b))


def cmd_compare(args):
    with open(args.oracle, encoding="utf-8") as f:
        oracle = json.load(f)
    doc, hexspot, duplicates = load_hexspot(args.hexspot)
    ours = oracle["cells"]
    mismatches = []
    notes = []

    meta = doc.get("hexspot")
    if isinstance(meta, dict) and "cells" in meta and meta["cells"] != oracle["n"]:
        mismatches.append(f"hexspot.cells = {meta['cells']} but oracle n = {oracle['n']}")
    for cell in duplicates:
        mismatches.append(f"{cell}: listed more than once in the hexspot output")
    for cell in sorted(set(ours) - set(hexspot)):
        mismatches.append(f"{cell}: in oracle region (count {ours[cell]['count']}) but missing from hexspot")
    for cell in sorted(set(hexspot) - set(ours)):
        mismatches.append(f"{cell}: in hexspot output (count {hexspot[cell]['count']}) but not in oracle region")

    # BH cut-offs with the decision rule nudged by +/- BH_EDGE_TOL: a cell may
    # legitimately differ in significance only if its p lies in that band.
    alpha = oracle.get("alpha", 0.05)
    p_tested = [c["p"] for c in ours.values() if c["p"] is not None]
    cut_lo = bh_threshold(p_tested, alpha, -BH_EDGE_TOL)
    cut_hi = bh_threshold(p_tested, alpha, +BH_EDGE_TOL)
    band_lo = (cut_lo if cut_lo is not None else -math.inf) - BH_EDGE_TOL
    band_hi = (cut_hi if cut_hi is not None else -math.inf) + BH_EDGE_TOL

    common = sorted(set(ours) & set(hexspot))
    max_dz = 0.0
    max_dp = 0.0
    for cell in common:
        a, b = ours[cell], hexspot[cell]
        if b["count"] is None or float(a["count"]) != float(b["count"]):
            mismatches.append(f"{cell}: count oracle={a['count']} hexspot={b['count']}")
        dz = number_diff(a["z"], b["z"])
        dp = number_diff(a["p"], b["p"])
        if dz > args.tol:
            mismatches.append(f"{cell}: z oracle={a['z']!r} hexspot={b['z']!r} (|dz| = {dz:.3e})")
        if dp > args.tol:
            mismatches.append(f"{cell}: p oracle={a['p']!r} hexspot={b['p']!r} (|dp| = {dp:.3e})")
        if math.isfinite(dz):
            max_dz = max(max_dz, dz)
        if math.isfinite(dp):
            max_dp = max(max_dp, dp)
        if bool(a["significant"]) != b["significant"]:
            near_edge = a["p"] is not None and band_lo <= a["p"] <= band_hi
            text = (f"{cell}: significant oracle={a['significant']} hexspot={b['significant']} "
                    f"(p = {a['p']!r}, BH cut-off = {oracle.get('bh_threshold')!r})")
            if near_edge:
                notes.append(text + " -- allowed: p is within 1e-12 of the BH decision boundary")
            else:
                mismatches.append(text)

    # The per-cell allowance above would also hide an off-by-one such as
    # "p < cut-off" instead of "p <= cut-off", because the cells that set the
    # cut-off always sit on it. When no rank is within BH_EDGE_TOL of its
    # k*alpha/m line the number of rejections is not in doubt, so require the
    # same number of significant cells.
    if cut_lo == cut_hi:
        ours_sig = sum(1 for c in common if ours[c]["significant"])
        theirs_sig = sum(1 for c in common if hexspot[c]["significant"])
        if ours_sig != theirs_sig:
            mismatches.append(f"significant cells: oracle {ours_sig}, hexspot {theirs_sig} "
                              f"(the BH cut-off {cut_hi!r} is not borderline)")

    for note in notes:
        print(f"oracle: note: {note}")
    print(f"oracle: {len(common)} cells compared, max |dz| = {max_dz:.3e}, "
          f"max |dp| = {max_dp:.3e}, {len(mismatches)} mismatches")
    for line in mismatches[:10]:
        print(f"  {line}")
    if len(mismatches) > 10:
        print(f"  ... and {len(mismatches) - 10} more")
    return 1 if mismatches else 0


# --------------------------------------------------------------------------
# selftest
# --------------------------------------------------------------------------


def cmd_selftest(_args):
    """Check gi_star() against PySAL esda's G_Local(star=True) on a toy set."""
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    y = [2, 3, 3.2, 5, 8, 7]
    expected = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
    neighbours = [
        [j for j, (xj, yj) in enumerate(points) if math.hypot(xi - xj, yi - yj) <= 15]
        for (xi, yi) in points
    ]
    z, _, _ = gi_star(y, neighbours)
    failures = 0
    for i, (got, want) in enumerate(zip(z, expected)):
        ok = got is not None and abs(got - want) <= 1e-7
        failures += not ok
        print(f"selftest: z[{i}] = {got!r:>22} expected {want:>12} {'ok' if ok else 'FAIL'}")

    # Degenerate inputs must give null z rather than a division by zero.
    z_const, _, _ = gi_star([3, 3, 3], [[0, 1], [0, 1, 2], [1, 2]])
    z_single, _, _ = gi_star([5], [[0]])
    z_full, _, _ = gi_star([1, 2, 4], [[0, 1, 2], [1], [2]])
    for label, ok in [
        ("constant values give null z", z_const == [None, None, None]),
        ("n = 1 gives null z", z_single == [None]),
        ("W_i = n gives null z", z_full[0] is None and z_full[1] is not None),
        # m = 4: rank-3 p 0.035 <= 3*0.05/4 although rank-2 p 0.03 > 2*0.05/4 (step-up).
        ("BH cut-off", bh_threshold([0.2, 0.035, 0.01, 0.03], 0.05) == 0.035),
        ("BH none significant", bh_threshold([0.5, 0.9], 0.05) is None),
    ]:
        failures += not ok
        print(f"selftest: {label}: {'ok' if ok else 'FAIL'}")

    print("selftest: " + ("passed" if failures == 0 else f"{failures} FAILED"))
    return 0 if failures == 0 else 1


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compute", help="bin police.uk CSVs and compute Gi* as JSON on stdout")
    p.add_argument("--res", type=int, required=True, help="H3 resolution 0..15")
    p.add_argument("--k", type=int, required=True, help="grid_disk radius for the region and weights")
    p.add_argument("--alpha", type=float, default=0.05, help="Benjamini-Hochberg FDR level")
    p.add_argument("--crime-type", action="append", help="keep only this Crime type (repeatable)")
    p.add_argument("files", nargs="+", metavar="FILE.csv")
    p.set_defaults(func=cmd_compute)

    p = sub.add_parser("compare", help="compare oracle JSON with hexspot GeoJSON (--all)")
    p.add_argument("oracle")
    p.add_argument("hexspot")
    p.add_argument("--tol", type=float, default=1e-9)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("selftest", help="check the generic Gi* against the PySAL esda example")
    p.set_defaults(func=cmd_selftest)

    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
