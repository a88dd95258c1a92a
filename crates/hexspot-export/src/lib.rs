//! Hotspot results as files: an RFC 7946 GeoJSON FeatureCollection and CSV, each
//! stating the query, the study region and the data it came from. Shared by the CLI
//! and the server so both write the same bytes for the same query.

pub mod areas;
pub mod backtest;
pub mod emerging;
pub mod evaluate;
pub mod kde;
pub mod monthly;
pub mod plan;
pub mod publish;

use std::io::Write;

use h3o::CellIndex;
use hexspot_engine::{CellStat, HarmTable, HotspotQuery, HotspotResult, Limit};
use serde_json::{Value, json};

/// A file format an analysis is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 7946 GeoJSON, one FeatureCollection with the `hexspot` member.
    Geojson,
    /// CSV, one row per cell, repeating the settings.
    Csv,
}

/// Where the data came from: one entry per import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceImport {
    /// Store id.
    pub id: u32,
    /// File name as imported.
    pub file_name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// When it was imported (UTC).
    pub imported_at: String,
}

/// Everything about a query that its outputs must state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The query.
    pub query: &'a HotspotQuery,
    /// Its answer.
    pub result: &'a HotspotResult,
    /// The harm table used.
    pub harm: &'a HarmTable,
    /// Every import in the store (those the result used are marked).
    pub imports: &'a [SourceImport],
    /// The region file, when `--region` was given.
    pub region_source: Option<&'a str>,
}

/// The software name and version written into outputs.
pub const SOFTWARE: &str = concat!("hexspot ", env!("CARGO_PKG_VERSION"));

/// How cells are derived, for outputs.
pub const BINNING: &str = "each incident is counted in the H3 cell that contains its point at the \
query resolution (h3o LatLng::to_cell, as h3-py latlng_to_cell), never the parent of a finer cell";

/// The statistics method, for outputs.
pub const METHOD: &str = "Getis-Ord Gi* (Ord & Getis 1995): binary weights over the k-ring \
including the cell itself, restricted to the study region; analytic z; two-sided normal p; \
Benjamini-Hochberg false discovery rate";

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// The `hexspot` member: query, study region, statistics, exclusions and data sources.
#[must_use]
pub fn metadata(ctx: &Context<'_>) -> Value {
    let q = ctx.query;
    let r = ctx.result;
    let f = &q.filter;
    let window = f.window.map(|w| {
        let hours: Vec<String> = (0..168)
            .filter(|&h| w.contains_hour_of_week(h))
            .map(|h| format!("{} {:02}:00", hexspot_engine::Weekday::ALL[h / 24].short_name(), h % 24))
            .collect();
        json!({ "hours_of_week": hours, "hours": w.hours(), "rule": "a window belongs to the day it starts on; local wall-clock time" })
    });
    let used: Vec<Value> = ctx
        .imports
        .iter()
        .filter(|i| r.import_ids.contains(&i.id))
        .map(|i| json!({ "id": i.id, "file": i.file_name, "sha256": i.sha256, "imported_at": i.imported_at }))
        .collect();
    json!({
        "software": SOFTWARE,
        "cells": r.region_cells,
        "query": {
            "res": q.resolution.get(),
            "k": q.k.get(),
            "measure": q.measure.name(),
            "rank_by": q.rank_by.name(),
            "limit": match q.limit { Limit::All => Value::from("all"), Limit::Top(n) => Value::from(n) },
            "alpha": q.alpha.get(),
            "crime_types": f.crime_types,
            "offences": f.offences,
            "from": f.period.map(|p| p.from().to_string()),
            "to": f.period.map(|p| p.to().to_string()),
            "time_window": window,
            "flags": f.flags.iter().map(|(k, v)| json!({ k.name(): v })).collect::<Vec<_>>(),
            "bbox": f.bbox.map(|b| b.to_array().to_vec()),
            "region": ctx.region_source,
        },
        "study_region": {
            "rule": q.region.describe(q.k),
            "cells": r.region_cells,
            "occupied_cells": r.occupied_cells,
            "resolution": q.resolution.get(),
            "average_cell_area_km2": q.resolution.average_cell_area_m2() / 1e6,
        },
        "binning": BINNING,
        "statistics": {
            "method": METHOD,
            "n": r.moments.n,
            "mean": if r.moments.n > 0 { Value::from(r.moments.mean) } else { Value::Null },
            "std": if r.moments.n > 0 { Value::from(r.moments.std) } else { Value::Null },
            "tests": r.tests,
            "bh_p_threshold": opt(r.bh_threshold),
            "significant_hot": r.significant_hot,
            "significant_cold": r.significant_cold,
            "undefined_z_note": "z is null where undefined (zero variance, or a neighbourhood that is the whole region); such cells are not significant",
        },
        "incidents": {
            "counted": r.incidents,
            "harm_total": r.harm_total,
            "left_out": left_out(&r.exclusions, true),
            "harm_weights": {
                "table": if ctx.harm.is_empty() { Value::Null } else { Value::from(ctx.harm.source()) },
                "rule": "weight from the data, else the table's weight for the offence, else for the crime type, else 1",
                "from_data": r.weight_sources.data,
                "from_table": r.weight_sources.table,
                "default_1": r.weight_sources.default,
            },
        },
        "data": { "imports": used },
    })
}

/// The hexagon of a cell as an RFC 7946 Polygon ring: closed, counter-clockwise.
#[must_use]
pub fn cell_ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = cell
        .boundary()
        .iter()
        .map(|ll| [ll.lng(), ll.lat()])
        .collect();
    // shoelace: positive area is counter-clockwise
    let area: f64 = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum();
    if area < 0.0 {
        ring.reverse();
    }
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

/// A cell's properties, in the order the vector tiles' key table lists them. GeoJSON
/// features and tile features carry exactly these names.
pub const CELL_PROPERTIES: [&str; 7] = [
    "cell",
    "count",
    "harm",
    "gi_star_z",
    "p_value",
    "significant",
    "rank",
];

/// The rows a query left out because the data could not answer it, by reason
/// (`outside_region` only where the query has a study region to be outside of).
pub(crate) fn left_out(e: &hexspot_engine::Exclusions, with_region: bool) -> Value {
    let mut v = json!({
        "flag_not_recorded": e.flag_not_recorded,
        "month_only_partial_period": e.month_only_partial_period,
        "no_time_of_day": e.no_time_of_day,
    });
    if with_region {
        v["outside_region"] = json!(e.outside_region);
    }
    v
}

/// A JSON object of `names` and `values`, in that order.
pub(crate) fn named(names: &[&str], values: impl IntoIterator<Item = Value>) -> Value {
    Value::Object(names.iter().map(|k| (*k).to_owned()).zip(values).collect())
}

/// A GeoJSON FeatureCollection of cell hexagons (each Feature's id is its cell) with
/// the `hexspot` member.
pub(crate) fn cell_collection(
    hexspot: Value,
    cells: impl Iterator<Item = (CellIndex, Value)>,
) -> Value {
    let features: Vec<Value> = cells
        .map(|(cell, properties)| {
            json!({
                "type": "Feature",
                "id": cell.to_string(),
                "geometry": { "type": "Polygon", "coordinates": [cell_ring(cell)] },
                "properties": properties,
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "hexspot": hexspot,
        "features": features,
    })
}

fn properties(c: &CellStat) -> Value {
    let values = [
        Value::from(c.cell.to_string()),
        Value::from(c.count),
        Value::from(c.harm),
        opt(c.z),
        opt(c.p),
        Value::from(c.significant),
        Value::from(c.rank),
    ];
    named(&CELL_PROPERTIES, values)
}

/// The GeoJSON FeatureCollection of ranked cells, with the `hexspot` member.
#[must_use]
pub fn geojson(ctx: &Context<'_>) -> Value {
    cell_collection(
        metadata(ctx),
        ctx.result.cells.iter().map(|c| (c.cell, properties(c))),
    )
}

/// CSV columns of a ranked cell (then [`QUERY_COLUMNS`]).
pub const CSV_COLUMNS: [&str; 14] = [
    "rank",
    "cell",
    "count",
    "harm",
    "gi_star_z",
    "p_value",
    "significant",
    "lon",
    "lat",
    "res",
    "k",
    "measure",
    "region_cells",
    "alpha",
];

/// The columns every CSV ends with: the ranking and the filters ([`query_columns`]).
pub const QUERY_COLUMNS: [&str; 8] = [
    "rank_by",
    FILTER_COLUMNS[0],
    FILTER_COLUMNS[1],
    FILTER_COLUMNS[2],
    FILTER_COLUMNS[3],
    FILTER_COLUMNS[4],
    FILTER_COLUMNS[5],
    FILTER_COLUMNS[6],
];

/// The filters' columns ([`filter_columns`]).
pub const FILTER_COLUMNS: [&str; 7] = [
    "crime_types",
    "offences",
    "from",
    "to",
    "time_window",
    "flags",
    "bbox",
];

/// Writes a JSON document and a newline (the CLI and the server write the same bytes).
///
/// # Errors
/// [`std::io::Error`] when writing fails.
pub fn write_json_line<W: Write>(v: &Value, mut out: W) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, v)?;
    out.write_all(b"\n")
}

/// The ranking and filters as CSV values, in [`QUERY_COLUMNS`]' order: lists joined
/// with `; `, empty where not used.
#[must_use]
pub fn query_columns(q: &HotspotQuery) -> [String; 8] {
    let [a, b, c, d, e, f, g] = filter_columns(&q.filter);
    [q.rank_by.name().to_owned(), a, b, c, d, e, f, g]
}

/// The filters as CSV values: crime types, offences, from, to, time window, flags and
/// bbox (lists joined with `; `, empty where not used).
#[must_use]
pub fn filter_columns(f: &hexspot_engine::Filter) -> [String; 7] {
    [
        f.crime_types.join("; "),
        f.offences.join("; "),
        f.period.map(|p| p.from().to_string()).unwrap_or_default(),
        f.period.map(|p| p.to().to_string()).unwrap_or_default(),
        f.window.as_ref().map(describe_window).unwrap_or_default(),
        f.flags
            .iter()
            .map(|(k, v)| format!("{}={v}", k.name()))
            .collect::<Vec<_>>()
            .join("; "),
        f.bbox
            .map(|b| {
                b.to_array()
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    ]
}

/// A weekly window as runs of hours of the week, `fri 20:00–sat 04:00; sat 20:00–sun
/// 04:00`, days spelled as the `days` parameter spells them. A run that wraps from
/// Sunday into Monday is written as one.
#[must_use]
pub fn describe_window(w: &hexspot_engine::WeeklyWindow) -> String {
    let on = |h: usize| w.contains_hour_of_week(h % 168);
    if (0..168).all(on) {
        return "every hour".to_owned();
    }
    let at = |h: usize| {
        let h = h % 168;
        format!(
            "{} {:02}:00",
            hexspot_engine::Weekday::ALL[h / 24].short_name(),
            h % 24
        )
    };
    // start after an hour that is off, so no run is split at the week's end
    let first_off = (0..168).find(|&h| !on(h)).unwrap_or(0);
    let mut runs = Vec::new();
    let mut h = first_off + 1;
    while h <= first_off + 168 {
        if on(h) {
            let start = h;
            while on(h) {
                h += 1;
            }
            runs.push((start, h));
        } else {
            h += 1;
        }
    }
    runs.sort_by_key(|&(s, _)| s % 168);
    runs.iter()
        .map(|&(s, e)| format!("{}–{}", at(s), at(e)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes the ranked cells as CSV. Each row repeats the resolution, k, measure, study
/// region size, α, ranking and filters (lists joined with `; `, empty where not used),
/// so a row read on its own still says how it was computed; the cell centre is given
/// as lon/lat.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &Context<'_>, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.iter().chain(&QUERY_COLUMNS))?;
    let q = ctx.query;
    let filters = query_columns(q);
    // shortest text that reads back to the same f64 (1.06e-228, not 228 zeros)
    let num = |v: Option<f64>| v.map_or(String::new(), |v| Value::from(v).to_string());
    for c in &ctx.result.cells {
        let centre = h3o::LatLng::from(c.cell);
        w.write_record(
            [
                c.rank.to_string(),
                c.cell.to_string(),
                c.count.to_string(),
                num(Some(c.harm)),
                num(c.z),
                num(c.p),
                c.significant.to_string(),
                format!("{:.6}", centre.lng()),
                format!("{:.6}", centre.lat()),
                q.resolution.get().to_string(),
                q.k.to_string(),
                q.measure.name().to_owned(),
                ctx.result.region_cells.to_string(),
                q.alpha.to_string(),
            ]
            .iter()
            .chain(&filters),
        )?;
    }
    w.flush()?;
    Ok(())
}

/// Coordinates of a MultiPolygon as RFC 7946 arrays (`[[[[lon, lat], …]]]`).
#[must_use]
pub fn multipolygon_coordinates(mp: &geo::MultiPolygon<f64>) -> Value {
    let ring = |r: &geo::LineString<f64>| -> Value {
        r.coords()
            .map(|c| json!([c.x, c.y]))
            .collect::<Vec<_>>()
            .into()
    };
    mp.iter()
        .map(|p| {
            std::iter::once(ring(p.exterior()))
                .chain(p.interiors().iter().map(ring))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .into()
}

/// The resolution of the data outline.
pub const OUTLINE_RESOLUTION: u8 = 7;

/// The outline of the data, a plain base layer for maps with no basemap: one Feature,
/// the union of the resolution-[`OUTLINE_RESOLUTION`] cells that hold at least one
/// incident's location, saying how it was drawn.
#[must_use]
pub fn outline_geojson(mp: &geo::MultiPolygon<f64>, cells: usize) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": {
                "kind": "data_outline",
                "res": OUTLINE_RESOLUTION,
                "cells": cells,
                "rule": format!(
                    "the union of the H3 resolution-{OUTLINE_RESOLUTION} cells (about 5 km² each) \
                     holding at least one incident's location, any type or date"
                ),
            },
            "geometry": { "type": "MultiPolygon", "coordinates": multipolygon_coordinates(mp) },
        }],
        "hexspot": { "software": SOFTWARE },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hexspot_engine::{Weekday, WeeklyWindow};

    fn window(days: &[Weekday], start: u32, end: u32) -> WeeklyWindow {
        WeeklyWindow::from_days_hours(days, start, end).unwrap()
    }

    #[test]
    fn windows_are_written_as_runs_of_hours() {
        use Weekday::{Fri, Mon, Sat, Sun};
        assert_eq!(
            describe_window(&window(&[Fri, Sat], 20, 4)),
            "fri 20:00–sat 04:00; sat 20:00–sun 04:00"
        );
        // Sunday night runs into Monday: one run across the week's end
        assert_eq!(
            describe_window(&window(&[Sun], 22, 2)),
            "sun 22:00–mon 02:00"
        );
        assert_eq!(
            describe_window(&window(&[Mon], 9, 17)),
            "mon 09:00–mon 17:00"
        );
        assert_eq!(describe_window(&window(&Weekday::ALL, 0, 24)), "every hour");
        // adjacent days join into one run
        assert_eq!(
            describe_window(&window(&[Fri, Sat], 0, 24)),
            "fri 00:00–sun 00:00"
        );
    }

    #[test]
    fn outlines_are_geojson_multipolygons() {
        let cell = h3o::LatLng::new(53.8, -1.55)
            .unwrap()
            .to_cell(h3o::Resolution::Seven);
        let shape = hexspot_engine::outline(&[cell]).unwrap();
        let v = outline_geojson(&shape, 1);
        let f = &v["features"][0];
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        let ring = f["geometry"]["coordinates"][0][0].as_array().unwrap();
        assert_eq!(ring.len(), 7, "a closed hexagon");
        assert_eq!(ring.first(), ring.last());
        assert_eq!(f["properties"]["cells"], 1);
        assert_eq!(f["properties"]["res"], 7);
    }
}
