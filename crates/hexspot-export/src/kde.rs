//! Kernel density as files: RFC 7946 GeoJSON (one Feature per cell) and CSV, each
//! stating the kernel, the bandwidth and the cell set.

use std::io::Write;

use hexspot_engine::{KdeCell, KdeQuery, KdeResult};
use serde_json::{Value, json};

use crate::areas::filter_json;
use crate::emerging::used_imports;
use crate::{FILTER_COLUMNS, Format, SOFTWARE, SourceImport, cell_collection, filter_columns};

/// The kernel, for outputs.
pub const METHOD: &str = "quartic kernel at each cell centre c: D(c) = sum over incidents p with \
d < h of w_p * 3/(pi h^2) * (1 - d^2/h^2)^2, d the haversine distance in metres \
(R = 6,371,008.8 m), h the bandwidth, w_p the incident's weight (1, or its harm); reported per km^2; \
incidents at one point are weighed once with their weights summed";

/// Everything about a kernel density query that its outputs must state.
#[derive(Debug, Clone, Copy)]
pub struct KdeContext<'a> {
    /// The query.
    pub query: &'a KdeQuery,
    /// Its answer.
    pub result: &'a KdeResult,
    /// Every import in the store (those the result used are listed).
    pub imports: &'a [SourceImport],
    /// How the given cells were chosen, when `query.cells` is set.
    pub cell_source: Option<&'a str>,
}

/// The rule that chose the cells, for outputs.
#[must_use]
pub fn cell_set(ctx: &KdeContext<'_>) -> String {
    let q = ctx.query;
    match (&q.cells, ctx.cell_source) {
        (None, _) => format!(
            "every resolution-{} cell whose centre lies within h = {} m of a selected incident",
            q.resolution,
            q.bandwidth.metres()
        ),
        (Some(c), src) => format!(
            "the {} given resolution-{} cells{} (density 0 where no incident lies within h)",
            c.len(),
            q.resolution,
            src.map_or(String::new(), |s| format!(" ({s})"))
        ),
    }
}

/// The `hexspot` member: query, kernel, bandwidth, cell set, incidents and sources.
#[must_use]
pub fn metadata(ctx: &KdeContext<'_>) -> Value {
    let q = ctx.query;
    let r = ctx.result;
    let mut query = filter_json(&q.filter);
    query["res"] = json!(q.resolution.get());
    query["bandwidth_m"] = json!(q.bandwidth.metres());
    query["measure"] = json!(q.measure.name());
    json!({
        "software": SOFTWARE,
        "analysis": "kernel_density",
        "cells": r.cells.len(),
        "query": query,
        "kernel": {
            "method": METHOD,
            "bandwidth_m": q.bandwidth.metres(),
            "unit": if q.measure == hexspot_engine::Measure::Harm { "harm per km²" } else { "incidents per km²" },
        },
        "cell_set": {
            "rule": cell_set(ctx),
            "cells": r.cells.len(),
            "resolution": q.resolution.get(),
            "rank": "density descending, then H3 index ascending",
        },
        "incidents": {
            "counted": r.incidents,
            "points": r.points,
            "weight_total": r.weight_total,
            "left_out": crate::left_out(&r.exclusions, false),
        },
        "data": { "imports": used_imports(ctx.imports, &r.import_ids) },
    })
}

/// A cell's properties (GeoJSON features carry exactly these names).
pub const CELL_PROPERTIES: [&str; 3] = ["cell", "density_km2", "rank"];

fn properties(c: &KdeCell) -> Value {
    json!({ "cell": c.cell.to_string(), "density_km2": c.density_km2, "rank": c.rank })
}

/// The GeoJSON FeatureCollection: one Feature per cell, ranked.
#[must_use]
pub fn geojson(ctx: &KdeContext<'_>) -> Value {
    cell_collection(
        metadata(ctx),
        ctx.result.cells.iter().map(|c| (c.cell, properties(c))),
    )
}

/// CSV columns of a cell (then [`FILTER_COLUMNS`]).
pub const CSV_COLUMNS: [&str; 8] = [
    "rank",
    "cell",
    "density_km2",
    "lon",
    "lat",
    "res",
    "bandwidth_m",
    "measure",
];

/// Writes one row per cell, ranked; each row repeats the settings and filters.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &KdeContext<'_>, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.iter().chain(&FILTER_COLUMNS))?;
    let q = ctx.query;
    let filters = filter_columns(&q.filter);
    for c in &ctx.result.cells {
        let centre = h3o::LatLng::from(c.cell);
        w.write_record(
            [
                c.rank.to_string(),
                c.cell.to_string(),
                Value::from(c.density_km2).to_string(),
                format!("{:.6}", centre.lng()),
                format!("{:.6}", centre.lat()),
                q.resolution.get().to_string(),
                q.bandwidth.metres().to_string(),
                q.measure.name().to_owned(),
            ]
            .iter()
            .chain(&filters),
        )?;
    }
    w.flush()?;
    Ok(())
}

/// The one render entry: the result in `format`, as the CLI and the server write it.
///
/// # Errors
/// [`std::io::Error`] when writing fails.
pub fn write<W: Write>(ctx: &KdeContext<'_>, format: Format, mut out: W) -> std::io::Result<()> {
    match format {
        Format::Geojson => crate::write_json_line(&geojson(ctx), out),
        Format::Csv => write_csv(ctx, &mut out).map_err(std::io::Error::other),
    }
}
