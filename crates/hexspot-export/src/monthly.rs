//! Monthly series with their Mann-Kendall trend as JSON: a cell's or a patrol area's
//! (`/api/v1/trend`) and an area profile's.

use h3o::CellIndex;
use hexspot_engine::{Alpha, Filter, MannKendall, Month, MonthlySeries, Trend};
use serde_json::{Value, json};

use crate::SOFTWARE;
use crate::areas::filter_json;

/// The trend test, for outputs.
pub const TEST: &str = "Mann-Kendall on the monthly counts, oldest first, gap months left out: \
S = sum over i<j of sgn(x_j - x_i), Var(S) corrected for ties, Z = (S - 1)/sqrt(Var) if S > 0, \
(S + 1)/sqrt(Var) if S < 0, else 0; two-sided normal p; up when p <= alpha and S > 0, down when \
p <= alpha and S < 0, else none; not computed on fewer than 3 months";

/// The gap rule of a cell series, for outputs.
pub const GAP_RULE: &str = "a month in which the data hold no incident at all (of any type, \
anywhere) is a gap: count and harm null, not zero, and left out of the test";

/// A trend as JSON: the test, α, n, S, Z, p and `up` / `down` / `none` (nulls when the
/// test could not run).
#[must_use]
pub fn trend_json(mk: Option<MannKendall>, trend: Option<Trend>, alpha: Alpha) -> Value {
    json!({
        "test": TEST,
        "alpha": alpha.get(),
        "n": mk.map(|m| m.n),
        "s": mk.map(|m| m.s),
        "z": mk.map(|m| m.z),
        "p": mk.map(|m| m.p),
        "trend": trend.map(Trend::name),
    })
}

/// The months as JSON: `{month, count, harm}`, nulls in a gap.
#[must_use]
pub fn months_json(months: &[Month]) -> Vec<Value> {
    months
        .iter()
        .map(|m| json!({ "month": m.month.to_string(), "count": m.count, "harm": m.harm }))
        .collect()
}

/// The series of `cells` under `filter`: the cells, the months, the trend and the
/// rules.
#[must_use]
pub fn series_json(cells: &[CellIndex], filter: &Filter, s: &MonthlySeries, alpha: Alpha) -> Value {
    json!({
        "hexspot": {
            "software": SOFTWARE,
            "analysis": "monthly_series",
            "cells": cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "resolution": cells.first().map(|c| u8::from(c.resolution())),
            "query": filter_json(filter),
            "months_rule": "every month of the period (without one, of the data), oldest first; \
                an incident counts in the month it happened, in the cells given",
            "gap_rule": GAP_RULE,
            "left_out": crate::left_out(&s.exclusions, false),
        },
        "months": months_json(&s.months),
        "total": s.months.iter().filter_map(|m| m.count).sum::<u64>(),
        "trend": trend_json(s.mk, s.trend, alpha),
    })
}
