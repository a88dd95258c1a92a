//! Patrol plans as files: GeoJSON (one Feature per patrol area) and CSV (one row per
//! area), each stating the query, the budget and how the windows and doses were chosen.

use std::io::Write;

use hexspot_engine::{Budget, PatrolArea, PeakWindow, Plan};
use serde_json::{Value, json};

use crate::{Context, QUERY_COLUMNS, metadata, multipolygon_coordinates, query_columns};

/// How peak windows are chosen, for outputs.
pub const PEAK_RULE: &str = "the 3-hour blocks of the week holding the most harm (then incidents), \
up to 3, none overlapping; blocks may cross midnight and run from Sunday into Monday; \
incidents with no time of day are counted apart";

/// How the dose is suggested, for outputs.
pub const DOSE_RULE: &str =
    "Koper curve: one 10–15 minute visit at a random time in each peak window";

/// How cells were picked and merged, for outputs.
pub const PICK_RULE: &str = "cells in rank order, leaving out cells with no incidents and excluded \
cells, until the budget is spent; picked cells sharing an edge are merged into one patrol area; \
areas are ranked by their best-ranked cell";

fn window(w: &PeakWindow) -> Value {
    json!({
        "window": w.describe(),
        "start_hour_of_week": w.start,
        "hours": w.hours,
        "count": w.count,
        "harm": w.harm,
    })
}

fn area_properties(a: &PatrolArea) -> Value {
    json!({
        "area_rank": a.rank,
        "cells": a.cells.iter().map(|c| c.cell.to_string()).collect::<Vec<_>>(),
        "area_m2": a.area_m2,
        "count": a.count,
        "harm": a.harm,
        "harm_share": a.harm_share,
        "cumulative_harm_share": a.cumulative_harm_share,
        "significant": a.significant,
        "peak_windows": a.peak_windows.iter().map(window).collect::<Vec<_>>(),
        "dose": {
            "visit_minutes": [a.dose.min_minutes, a.dose.max_minutes],
            "visits_per_week": a.dose.visits_per_week,
            "text": a.dose.text,
        },
        "weekly_profile": {
            "count": a.profile.count_matrix(),
            "harm": a.profile.harm_matrix(),
            "untimed_count": a.profile.untimed_count,
            "untimed_harm": a.profile.untimed_harm,
            "rows": "Monday first; columns are hours 00–23 (local time)",
        },
    })
}

/// The budget as outputs state it.
#[must_use]
pub fn budget(b: Budget) -> Value {
    match b {
        Budget::Cells(n) => json!({ "cells": n }),
        Budget::AreaKm2(a) => json!({ "area_km2": a }),
    }
}

/// The `plan` member: budget, totals and concentration.
#[must_use]
pub fn plan_summary(p: &Plan, b: Budget) -> Value {
    let c = &p.concentration;
    json!({
        "budget": budget(b),
        "areas": p.areas.len(),
        "cells": p.cells,
        "area_m2": p.area_m2,
        "region_area_m2": p.region_area_m2,
        "region_area_rule": "study-region cells × the resolution's average cell area; plan areas are exact",
        "share_of_region_area": p.share_of_region_area(),
        "count": p.count,
        "harm": p.harm,
        "harm_share": p.harm_share,
        "excluded_cells": p.excluded_cells,
        "pick_rule": PICK_RULE,
        "peak_window_rule": PEAK_RULE,
        "dose_rule": DOSE_RULE,
        "concentration": {
            "cells": c.cells,
            "cells_for_half_harm": c.cells_for_half_harm,
            "share_of_cells_for_half_harm": c.share_of_cells_for_half_harm,
            "gini": c.gini,
            "curve": c.curve.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>(),
            "curve_rule": "share of the study region's cells (most harmful first) against their share of the harm, at every 1 % of cells",
        },
    })
}

/// The plan as an RFC 7946 FeatureCollection: one MultiPolygon Feature per patrol area,
/// and a `hexspot` member with the query (as hotspot outputs state it) and the `plan`.
#[must_use]
pub fn plan_geojson(ctx: &Context<'_>, p: &Plan, b: Budget) -> Value {
    let features: Vec<Value> = p
        .areas
        .iter()
        .map(|a| {
            json!({
                "type": "Feature",
                "id": a.rank,
                "properties": area_properties(a),
                "geometry": { "type": "MultiPolygon", "coordinates": multipolygon_coordinates(&a.outline) },
            })
        })
        .collect();
    let mut meta = metadata(ctx);
    meta["plan"] = plan_summary(p, b);
    json!({ "type": "FeatureCollection", "hexspot": meta, "features": features })
}

/// CSV columns of a patrol area (then [`QUERY_COLUMNS`]).
pub const PLAN_CSV_COLUMNS: [&str; 14] = [
    "area_rank",
    "cells",
    "area_m2",
    "count",
    "harm",
    "harm_share",
    "cumulative_harm_share",
    "significant",
    "peak_windows",
    "dose",
    "cell_ids",
    "lon",
    "lat",
    "res",
];

/// Writes one row per patrol area; `lon`/`lat` is the centre of its best-ranked cell.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_plan_csv<W: Write>(ctx: &Context<'_>, p: &Plan, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(PLAN_CSV_COLUMNS.iter().chain(&QUERY_COLUMNS))?;
    let q = query_columns(ctx.query);
    let num = |v: f64| Value::from(v).to_string();
    for a in &p.areas {
        let centre = a
            .cells
            .first()
            .map(|c| h3o::LatLng::from(c.cell))
            .map_or((String::new(), String::new()), |ll| {
                (format!("{:.6}", ll.lng()), format!("{:.6}", ll.lat()))
            });
        let row = [
            a.rank.to_string(),
            a.cells.len().to_string(),
            format!("{:.0}", a.area_m2),
            a.count.to_string(),
            num(a.harm),
            num(a.harm_share),
            num(a.cumulative_harm_share),
            a.significant.to_string(),
            a.peak_windows
                .iter()
                .map(PeakWindow::describe)
                .collect::<Vec<_>>()
                .join("; "),
            a.dose.text.clone(),
            a.cells
                .iter()
                .map(|c| c.cell.to_string())
                .collect::<Vec<_>>()
                .join(";"),
            centre.0,
            centre.1,
            ctx.query.resolution.get().to_string(),
        ];
        w.write_record(row.iter().chain(&q))?;
    }
    w.flush()?;
    Ok(())
}
