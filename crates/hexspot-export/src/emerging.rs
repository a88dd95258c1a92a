//! Emerging hot spots as files: RFC 7946 GeoJSON (one Feature per study-region cell)
//! and CSV (one row per cell), each stating the slices, the cube's n, mean and std, α,
//! the category rules, the gap check and the category totals.

use std::io::Write;

use hexspot_engine::emerging::at_least_90_percent;
use hexspot_engine::{Category, EmergingCell, EmergingQuery, EmergingResult, HarmTable};
use serde_json::{Value, json};

use crate::areas::filter_json;
use crate::{
    BINNING, FILTER_COLUMNS, Format, SOFTWARE, SourceImport, cell_collection, filter_columns, named,
};

/// The statistics method, for outputs.
pub const METHOD: &str = "space-time Getis-Ord Gi*: bin (i, t) has as neighbours the bins (j, u) \
with j in the study region within grid distance k of i (i itself included) and t - L <= u <= t \
(slices before the first do not exist); binary weights; mean and std over all n = cells x slices \
bins; analytic z; two-sided normal p; Benjamini-Hochberg at alpha per slice over that slice's \
cells with a defined z; hot = significant and z > 0, cold = significant and z < 0";

/// The trend test, for outputs.
pub const TREND: &str = "Mann-Kendall on each cell's z series (oldest first): S = sum over i<j of \
sgn(z_j - z_i), Var(S) corrected for ties, Z = (S - 1)/sqrt(Var) if S > 0, (S + 1)/sqrt(Var) if \
S < 0, else 0; two-sided normal p; up when p <= trend_alpha and S > 0, down when p <= trend_alpha \
and S < 0, else none";

/// How the categories are chosen, for outputs.
pub const PRECEDENCE: &str = "H = hot slices, C = cold slices of T; 'at least 90 %' means \
10*H >= 9*T in integers. If the final slice is hot, the first that holds: new_hot, \
consecutive_hot, intensifying_hot, persistent_hot, diminishing_hot, oscillating_hot, sporadic_hot; \
if it is cold, the same with hot and cold (and up and down) swapped; otherwise historical_hot, \
historical_cold, else no_pattern. A cell whose z series has an undefined value is no_pattern and \
counted apart";

/// The gap check, for outputs.
pub const GAP_RULE: &str = "a month of the period in which the data hold no incident at all inside \
the study region (whatever the filters) is a gap, not zeros, and the analysis is refused";

/// Everything about an emerging hot spot query that its outputs must state.
#[derive(Debug, Clone, Copy)]
pub struct EmergingContext<'a> {
    /// The query.
    pub query: &'a EmergingQuery,
    /// Its answer.
    pub result: &'a EmergingResult,
    /// The harm table used.
    pub harm: &'a HarmTable,
    /// Every import in the store (those the result used are listed).
    pub imports: &'a [SourceImport],
    /// The region file, when one was given.
    pub region_source: Option<&'a str>,
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// The imports a result used, as outputs list them.
pub(crate) fn used_imports(imports: &[SourceImport], ids: &[u32]) -> Vec<Value> {
    imports
        .iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| json!({ "id": i.id, "file": i.file_name, "sha256": i.sha256, "imported_at": i.imported_at }))
        .collect()
}

/// The category totals as a JSON object, in [`Category::ALL`]'s order.
#[must_use]
pub fn totals(r: &EmergingResult) -> Value {
    Value::Object(
        Category::ALL
            .iter()
            .map(|c| (c.name().to_owned(), Value::from(r.total(*c))))
            .collect(),
    )
}

/// The `hexspot` member: query, study region, slices, statistics, rules, gap check,
/// totals and data sources.
#[must_use]
pub fn metadata(ctx: &EmergingContext<'_>) -> Value {
    let q = &ctx.query.cube;
    let r = ctx.result;
    let c = &r.cube;
    let t = c.slices.len();
    let per_slice: Vec<Value> = c
        .slices
        .iter()
        .enumerate()
        .map(|(s, sl)| {
            let hot = r
                .cells
                .iter()
                .filter(|x| x.states[s] == hexspot_engine::SliceState::Hot)
                .count();
            let cold = r
                .cells
                .iter()
                .filter(|x| x.states[s] == hexspot_engine::SliceState::Cold)
                .count();
            json!({
                "first": sl.first.to_string(),
                "last": sl.last.to_string(),
                "incidents": r.cells.iter().map(|x| u64::from(x.counts[s])).sum::<u64>(),
                "tests": c.tests[s],
                "bh_p_threshold": opt(c.bh_thresholds[s]),
                "hot": hot,
                "cold": cold,
            })
        })
        .collect();
    let mut filters = filter_json(&q.filter);
    filters["res"] = json!(q.resolution.get());
    filters["k"] = json!(q.k.get());
    filters["measure"] = json!(q.measure.name());
    filters["alpha"] = json!(q.alpha.get());
    filters["trend_alpha"] = json!(ctx.query.trend_alpha.get());
    filters["slice_months"] = json!(q.slice_months.get());
    filters["time_lag"] = json!(q.time_lag.get());
    filters["region"] = json!(ctx.region_source);
    json!({
        "software": SOFTWARE,
        "analysis": "emerging_hot_spots",
        "cells": r.cells.len(),
        "query": filters,
        "study_region": {
            "rule": format!("{}, over all slices together", q.region.describe(q.k)),
            "cells": r.cells.len(),
            "occupied_cells": c.occupied_cells,
            "resolution": q.resolution.get(),
            "average_cell_area_km2": q.resolution.average_cell_area_m2() / 1e6,
        },
        "binning": BINNING,
        "slices": {
            "count": t,
            "months_each": q.slice_months.get(),
            "rule": "whole months, ending at the period's last month; a bin's value is the count (or harm) of the selected incidents of that slice in that cell, 0 where none",
            "slices": per_slice,
            "caution": (t < hexspot_engine::space_time::CAUTION_BELOW_SLICES).then(|| format!(
                "only {t} slices: the 90 % rules need at least 10 to mean anything"
            )),
        },
        "statistics": {
            "method": METHOD,
            "n": c.moments.n,
            "mean": if c.moments.n > 0 { Value::from(c.moments.mean) } else { Value::Null },
            "std": if c.moments.n > 0 { Value::from(c.moments.std) } else { Value::Null },
            "alpha": q.alpha.get(),
            "time_lag": q.time_lag.get(),
            "trend": TREND,
            "trend_alpha": ctx.query.trend_alpha.get(),
        },
        "rules": {
            "precedence": PRECEDENCE,
            "at_least_90_percent": format!(
                "10*H >= 9*T: with T = {t}, at least {} slices",
                (0..=t).find(|&h| at_least_90_percent(h, t)).unwrap_or(t)
            ),
            "categories": Category::ALL.iter().map(|c| json!({ "name": c.name(), "rule": c.rule() })).collect::<Vec<_>>(),
        },
        "gap_check": {
            "rule": GAP_RULE,
            "months_checked": c.months_checked,
            "gaps": [],
        },
        "category_totals": totals(r),
        "no_pattern_undefined_z": r.undefined,
        "incidents": {
            "counted": c.incidents,
            "harm_total": c.harm_total,
            "left_out": crate::left_out(&c.exclusions, true),
            "harm_weights": {
                "table": if ctx.harm.is_empty() { Value::Null } else { Value::from(ctx.harm.source()) },
                "from_data": c.weight_sources.data,
                "from_table": c.weight_sources.table,
                "default_1": c.weight_sources.default,
            },
        },
        "data": { "imports": used_imports(ctx.imports, &c.import_ids) },
    })
}

/// A cell's properties (GeoJSON features carry exactly these names).
pub const CELL_PROPERTIES: [&str; 11] = [
    "cell",
    "category",
    "hot_slices",
    "cold_slices",
    "final_z",
    "mk_s",
    "mk_z",
    "mk_p",
    "trend",
    "counts",
    "z",
];

fn properties(c: &EmergingCell) -> Value {
    let values = [
        Value::from(c.cell.to_string()),
        Value::from(c.category.name()),
        Value::from(c.hot_slices),
        Value::from(c.cold_slices),
        opt(c.final_z),
        c.mk.map_or(Value::Null, |m| Value::from(m.s)),
        opt(c.mk.map(|m| m.z)),
        opt(c.mk.map(|m| m.p)),
        c.trend.map_or(Value::Null, |t| Value::from(t.name())),
        Value::from(c.counts.clone()),
        Value::from(c.z.iter().map(|z| opt(*z)).collect::<Vec<_>>()),
    ];
    named(&CELL_PROPERTIES, values)
}

/// The GeoJSON FeatureCollection: one Feature per study-region cell.
#[must_use]
pub fn geojson(ctx: &EmergingContext<'_>) -> Value {
    cell_collection(
        metadata(ctx),
        ctx.result.cells.iter().map(|c| (c.cell, properties(c))),
    )
}

/// CSV columns of a cell (then [`FILTER_COLUMNS`]); `counts` and `z` list the slices
/// oldest first, joined with `; ` (an undefined z is empty).
pub const CSV_COLUMNS: [&str; 21] = [
    "cell",
    "category",
    "hot_slices",
    "cold_slices",
    "final_z",
    "mk_s",
    "mk_z",
    "mk_p",
    "trend",
    "counts",
    "z",
    "lon",
    "lat",
    "res",
    "k",
    "measure",
    "slice_months",
    "time_lag",
    "alpha",
    "trend_alpha",
    "region_cells",
];

/// Writes one row per study-region cell. Each row repeats the settings and filters.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &EmergingContext<'_>, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.iter().chain(&FILTER_COLUMNS))?;
    let q = &ctx.query.cube;
    let filters = filter_columns(&q.filter);
    let num = |v: Option<f64>| v.map_or(String::new(), |v| Value::from(v).to_string());
    for c in &ctx.result.cells {
        let centre = h3o::LatLng::from(c.cell);
        w.write_record(
            [
                c.cell.to_string(),
                c.category.name().to_owned(),
                c.hot_slices.to_string(),
                c.cold_slices.to_string(),
                num(c.final_z),
                c.mk.map_or(String::new(), |m| m.s.to_string()),
                num(c.mk.map(|m| m.z)),
                num(c.mk.map(|m| m.p)),
                c.trend.map_or(String::new(), |t| t.name().to_owned()),
                c.counts
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                c.z.iter().map(|z| num(*z)).collect::<Vec<_>>().join("; "),
                format!("{:.6}", centre.lng()),
                format!("{:.6}", centre.lat()),
                q.resolution.get().to_string(),
                q.k.to_string(),
                q.measure.name().to_owned(),
                q.slice_months.to_string(),
                q.time_lag.to_string(),
                q.alpha.to_string(),
                ctx.query.trend_alpha.to_string(),
                ctx.result.cells.len().to_string(),
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
pub fn write<W: Write>(
    ctx: &EmergingContext<'_>,
    format: Format,
    mut out: W,
) -> std::io::Result<()> {
    match format {
        Format::Geojson => crate::write_json_line(&geojson(ctx), out),
        Format::Csv => write_csv(ctx, &mut out).map_err(std::io::Error::other),
    }
}
