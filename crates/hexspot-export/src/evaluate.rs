//! Evaluations (did it work: WDD) as files: GeoJSON (one Feature per area — treated,
//! control, displacement ring, its control — with its outline, cells and counts) and
//! CSV (one row per area, then one per crime type), each stating the areas' rules, the
//! periods, the weights and the test.

use std::io::Write;

use hexspot_engine::evaluate::AreaCounts;
use hexspot_engine::{ControlRule, EvaluateQuery, Evaluation, HarmTable, Wdd, outline};
use serde_json::{Value, json};

use crate::areas::filter_json;
use crate::emerging::used_imports;
use crate::{FILTER_COLUMNS, Format, SOFTWARE, SourceImport, filter_columns};

/// The test, for outputs.
pub const METHOD: &str = "weighted displacement difference (Wheeler & Ratcliffe 2018; R ptools \
wdd): wdd_local = (T1/w - T0/w) - (C1/w - C0/w), wdd_displacement = (D1/w - D0/w) - (DC1/w - DC0/w), \
wdd = their sum, each count divided by its weight (time weight x area weight); variance = sum of \
each count / weight^2 (Poisson); z = wdd/se; p two-sided normal; 95 % interval wdd +/- 1.959964 se; \
negative = fewer incidents in the treated area than its control predicts";

/// Everything about an evaluation that its outputs must state.
#[derive(Debug, Clone, Copy)]
pub struct EvaluateContext<'a> {
    /// The query.
    pub query: &'a EvaluateQuery,
    /// Its answer.
    pub result: &'a Evaluation,
    /// The harm table (weights of the by-crime-type total).
    pub harm: &'a HarmTable,
    /// Every import in the store (those the result used are listed).
    pub imports: &'a [SourceImport],
    /// Where the treated cells came from (a file, a plan), when not given as cells.
    pub treated_source: Option<&'a str>,
    /// Where the control cells came from.
    pub control_source: Option<&'a str>,
}

/// The four areas' names, in the order outputs list them.
pub const AREAS: [&str; 4] = ["treated", "control", "displacement", "displacement_control"];

/// The rules that chose each area, in [`AREAS`]' order.
#[must_use]
pub fn area_rules(ctx: &EvaluateContext<'_>) -> [String; 4] {
    let q = ctx.query;
    let r = ctx.result;
    let ring = match q.displacement_m {
        Some(b) => format!("cells whose centres lie within {b} m of a treated cell's centre"),
        None => format!("cells within grid distance {} of a treated cell", q.k),
    };
    let treated = format!(
        "the {} given resolution-{} cells{}",
        r.treated.cells.len(),
        q.resolution,
        ctx.treated_source
            .map_or(String::new(), |s| format!(" ({s})"))
    );
    let (control, dc) = match r.control_rule {
        ControlRule::Given => (
            format!(
                "the given cells{}{}",
                ctx.control_source
                    .map_or(String::new(), |s| format!(" ({s})")),
                if r.control_cells_in_ring > 0 {
                    format!(
                        ", less {} that lie in the displacement ring",
                        r.control_cells_in_ring
                    )
                } else {
                    String::new()
                }
            ),
            format!(
                "the control's own ring by the same rule ({}), outside the treated area, its ring and the control",
                ring.replace("treated cell", "control cell")
            ),
        ),
        ControlRule::RestOfRegion => (
            format!(
                "the rest of the study region ({} cells: every cell with a selected incident in either period plus every cell within grid distance {} of one) outside the treated area and its ring",
                r.region_cells.unwrap_or(0),
                q.k
            ),
            "none: the rest of the region is the one control, its change subtracted once in the local term"
                .to_owned(),
        ),
    };
    [treated, control, format!("{ring}, not treated"), dc]
}

fn areas(r: &Evaluation) -> [&AreaCounts; 4] {
    [
        &r.treated,
        &r.control,
        &r.displacement,
        &r.displacement_control,
    ]
}

/// The area weights in [`AREAS`]' order (the engine holds them as C, T, DC, D).
fn area_weight(r: &Evaluation, i: usize) -> f64 {
    let [c, t, dc, d] = r.area_weights;
    [t, c, d, dc][i]
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// The test's figures under the names.
#[must_use]
pub fn wdd_json(w: &Wdd) -> Value {
    json!({
        "wdd_local": w.local,
        "se_local": w.se_local,
        "wdd_displacement": w.displacement,
        "se_displacement": w.se_displacement,
        "wdd": w.total.estimate,
        "se": w.total.se,
        "z": opt(w.total.z),
        "p": opt(w.total.p),
        "ci_low": w.total.ci_low,
        "ci_high": w.total.ci_high,
    })
}

/// The query, the areas' rules, the weights and the test.
#[must_use]
pub fn metadata(ctx: &EvaluateContext<'_>) -> Value {
    let q = ctx.query;
    let r = ctx.result;
    let mut query = filter_json(&q.filter);
    query["from"] = Value::Null;
    query["to"] = Value::Null;
    query["before"] = json!([q.before.from().to_string(), q.before.to().to_string()]);
    query["after"] = json!([q.after.from().to_string(), q.after.to().to_string()]);
    query["res"] = json!(q.resolution.get());
    query["k"] = json!(q.k.get());
    query["displacement_m"] = opt(q.displacement_m);
    query["area_weights"] = json!(q.area_weights);
    query["by_crime_type"] = json!(q.by_crime_type);
    let rules = area_rules(ctx);
    let by_type: Vec<Value> = r
        .crime_types
        .iter()
        .map(|c| {
            let mut v = wdd_json(&c.wdd);
            v["crime_type"] = json!(c.crime_type);
            v["weight"] = json!(c.weight);
            v["counts"] = json!(
                AREAS
                    .iter()
                    .zip(&c.counts)
                    .map(|(name, ba)| ((*name).to_owned(), json!([ba.before, ba.after])))
                    .collect::<serde_json::Map<_, _>>()
            );
            v
        })
        .collect();
    json!({
        "software": SOFTWARE,
        "analysis": "evaluate",
        "query": query,
        "method": METHOD,
        "areas": AREAS.iter().zip(areas(r)).enumerate().map(|(i, (name, a))| json!({
            "area": name,
            "rule": rules[i],
            "cells": a.cells.len(),
            "area_km2": a.area_km2,
            "before": a.before,
            "after": a.after,
            "area_weight": area_weight(r, i),
        })).collect::<Vec<_>>(),
        "weights": {
            "time": r.time_weights,
            "time_rule": format!(
                "the periods' lengths over the after period's: {} and {} {}",
                r.lengths[0], r.lengths[1], r.length_unit.name()
            ),
            "area": {
                "treated": area_weight(r, 0),
                "control": area_weight(r, 1),
                "displacement": area_weight(r, 2),
                "displacement_control": area_weight(r, 3),
            },
            "area_rule": if q.area_weights {
                "each area's exact area over the treated area's (1 for an empty area)"
            } else {
                "none (every area weight 1)"
            },
        },
        "test": wdd_json(&r.wdd),
        "by_crime_type": by_type,
        "harm_total": r.harm_total.map(|h| json!({
            "wdd_harm": h.estimate,
            "se": h.se,
            "z": opt(h.z),
            "p": opt(h.p),
            "ci_low": h.ci_low,
            "ci_high": h.ci_high,
            "rule": "ptools wdd_harm over each crime type's total wdd: sum of w_i * wdd_i, se = sqrt(sum of w_i^2 * se_i^2), w_i the harm table's weight for the crime type (1 where it has none)",
            "harm_table": if ctx.harm.is_empty() { Value::Null } else { Value::from(ctx.harm.source()) },
        })),
        "left_out": crate::left_out(&r.exclusions, false),
        "data": { "imports": used_imports(ctx.imports, &r.import_ids) },
    })
}

/// The GeoJSON FeatureCollection: one Feature per non-empty area, its outline as a
/// MultiPolygon, with the `hexspot` member.
///
/// # Errors
/// [`std::io::Error`] when an area's outline cannot be drawn.
pub fn geojson(ctx: &EvaluateContext<'_>) -> std::io::Result<Value> {
    let r = ctx.result;
    let mut features = Vec::new();
    for (i, (name, a)) in AREAS.iter().zip(areas(r)).enumerate() {
        if a.cells.is_empty() {
            continue;
        }
        let mp = outline(&a.cells).map_err(std::io::Error::other)?;
        features.push(json!({
            "type": "Feature",
            "id": name,
            "geometry": { "type": "MultiPolygon", "coordinates": crate::multipolygon_coordinates(&mp) },
            "properties": {
                "area": name,
                "cells": a.cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "area_km2": a.area_km2,
                "before": a.before,
                "after": a.after,
                "area_weight": area_weight(r, i),
            },
        }));
    }
    Ok(json!({
        "type": "FeatureCollection",
        "hexspot": metadata(ctx),
        "features": features,
    }))
}

/// CSV columns (then [`FILTER_COLUMNS`]).
pub const CSV_COLUMNS: [&str; 24] = [
    "row",
    "crime_type",
    "cells",
    "area_km2",
    "before",
    "after",
    "area_weight",
    "time_weight_before",
    "time_weight_after",
    "wdd_local",
    "se_local",
    "wdd_displacement",
    "se_displacement",
    "wdd",
    "se",
    "z",
    "p",
    "ci_low",
    "ci_high",
    "before_from",
    "before_to",
    "after_from",
    "after_to",
    "res",
];

fn num(v: f64) -> String {
    Value::from(v).to_string()
}

fn onum(v: Option<f64>) -> String {
    v.map_or_else(String::new, num)
}

fn test_columns(w: &Wdd) -> [String; 10] {
    [
        num(w.local),
        num(w.se_local),
        num(w.displacement),
        num(w.se_displacement),
        num(w.total.estimate),
        num(w.total.se),
        onum(w.total.z),
        onum(w.total.p),
        num(w.total.ci_low),
        num(w.total.ci_high),
    ]
}

/// Writes one row per area (each repeating the test), then one per crime type (its
/// counts as `T0 T1; C0 C1; D0 D1; DC0 DC1`), then the harm-weighted total.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &EvaluateContext<'_>, out: W) -> Result<(), csv::Error> {
    let q = ctx.query;
    let r = ctx.result;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.iter().chain(&FILTER_COLUMNS))?;
    let mut filters = filter_columns(&q.filter);
    filters[2].clear();
    filters[3].clear();
    let periods = [
        q.before.from().to_string(),
        q.before.to().to_string(),
        q.after.from().to_string(),
        q.after.to().to_string(),
        q.resolution.get().to_string(),
    ];
    let time = [num(r.time_weights[0]), num(r.time_weights[1])];
    let test = test_columns(&r.wdd);
    for (i, (name, a)) in AREAS.iter().zip(areas(r)).enumerate() {
        let head = [
            (*name).to_owned(),
            q.filter.crime_types.join("; "),
            a.cells.len().to_string(),
            num(a.area_km2),
            a.before.to_string(),
            a.after.to_string(),
            num(area_weight(r, i)),
        ];
        w.write_record(
            head.iter()
                .chain(&time)
                .chain(&test)
                .chain(&periods)
                .chain(&filters),
        )?;
    }
    for c in &r.crime_types {
        let counts = c
            .counts
            .iter()
            .map(|ba| format!("{} {}", ba.before, ba.after))
            .collect::<Vec<_>>()
            .join("; ");
        let head = [
            "crime_type".to_owned(),
            c.crime_type.clone(),
            String::new(),
            String::new(),
            counts,
            String::new(),
            num(c.weight),
        ];
        w.write_record(
            head.iter()
                .chain(&time)
                .chain(&test_columns(&c.wdd))
                .chain(&periods)
                .chain(&filters),
        )?;
    }
    if let Some(h) = r.harm_total {
        let mut row = vec![String::new(); CSV_COLUMNS.len()];
        row[0] = "harm_total".to_owned();
        row[13] = num(h.estimate);
        row[14] = num(h.se);
        row[15] = onum(h.z);
        row[16] = onum(h.p);
        row[17] = num(h.ci_low);
        row[18] = num(h.ci_high);
        row[19..24].clone_from_slice(&periods);
        w.write_record(row.iter().chain(&filters))?;
    }
    w.flush()?;
    Ok(())
}

/// The one render entry: the evaluation in `format`, as the CLI (and a server route)
/// writes it.
///
/// # Errors
/// [`std::io::Error`] when writing fails or an outline cannot be drawn.
pub fn write<W: Write>(
    ctx: &EvaluateContext<'_>,
    format: Format,
    mut out: W,
) -> std::io::Result<()> {
    match format {
        Format::Geojson => crate::write_json_line(&geojson(ctx)?, out),
        Format::Csv => write_csv(ctx, &mut out).map_err(std::io::Error::other),
    }
}
