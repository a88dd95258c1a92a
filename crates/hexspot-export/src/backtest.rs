//! Backtests as files: JSON (folds, means, curves, the recommendation and its caveats)
//! and CSV (one row per fold and method, then one per method's means), each stating
//! the study-region rule, the methods, the budget, the folds and the filters.

use std::io::Write;

use hexspot_engine::backtest::{FEW_TEST_INCIDENTS, Mean, MethodSummary};
use hexspot_engine::{BacktestQuery, BacktestResult, Budget, FoldScore, Measure, Method};
use serde_json::{Value, json};

use crate::areas::filter_json;
use crate::emerging::used_imports;
use crate::{FILTER_COLUMNS, SOFTWARE, SourceImport, filter_columns};

/// The study region rule, for outputs.
pub const REGION_RULE: &str = "per fold, every cell with at least one selected incident in the \
training months plus every cell within grid distance k of one (zero-count cells included); \
the same region for every method, so their PAIs share one A";

/// The figures, for outputs.
pub const FIGURES: &str = "N = every test incident (inside the region or not), n = those in the \
chosen cells T; hit_rate = n/N; a = area of T, A = area of the region (exact cell areas); \
PAI = (n/N)/(a/A); PEI = n/n_max, n_max = the most test incidents any |T| cells of the region \
hold; RRI = (n/n_train)/(N/N_train); harm_capture = test harm in T / all test harm; a figure \
whose denominator is 0 is null and left out of the means";

/// How cells are chosen, for outputs.
pub const CHOICE_RULE: &str = "each method's scores ranked descending, ties broken by ascending \
H3 index; a cell whose score is undefined (a Gi* z with zero variance) is never chosen; an area \
budget takes cells in rank order while their areas fit; tie = the last chosen cell's score \
equals the first left out's";

/// Everything about a backtest that its outputs must state.
#[derive(Debug, Clone, Copy)]
pub struct BacktestContext<'a> {
    /// The query.
    pub query: &'a BacktestQuery,
    /// Its answer.
    pub result: &'a BacktestResult,
    /// Every import in the store (those the result used are listed).
    pub imports: &'a [SourceImport],
}

/// A backtest's file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacktestFormat {
    /// One JSON document.
    Json,
    /// One row per fold and method, then per method's means.
    Csv,
}

/// What one method scores cells by, for outputs.
#[must_use]
pub fn method_rule(m: Method, q: &BacktestQuery) -> String {
    let measure = q.measure.name();
    match m {
        Method::Count => "training incidents in the cell".to_owned(),
        Method::Harm => "training harm in the cell".to_owned(),
        Method::Gistar => format!(
            "Gi* z of the training {measure} over the region, binary weights over the {}-ring including the cell",
            q.k
        ),
        Method::Kde => format!(
            "quartic kernel density of the training {} at the cell centre, h = {} m (0 where no incident lies within h)",
            if q.measure == Measure::Harm {
                "harm"
            } else {
                "incidents"
            },
            q.bandwidth.metres()
        ),
    }
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn mean(m: Mean) -> Value {
    json!({ "mean": opt(m.mean), "folds": m.folds })
}

fn budget_json(b: Budget) -> Value {
    crate::plan::budget(b)
}

fn score_json(s: &FoldScore) -> Value {
    json!({
        "cells": s.cells,
        "n": s.n,
        "N": s.n_total,
        "n_train": s.n_train,
        "N_train": s.n_train_total,
        "hit_rate": opt(s.hit_rate),
        "a_km2": s.a_km2,
        "A_km2": s.area_total_km2,
        "pai": opt(s.pai),
        "n_max": s.n_max,
        "pei": opt(s.pei),
        "rri": opt(s.rri),
        "harm_capture": opt(s.harm_capture),
        "tie": s.tie,
        "undefined_scores": s.undefined,
    })
}

fn summary_json(s: &MethodSummary) -> Value {
    json!({
        "method": s.method.name(),
        "cells": s.cells,
        "hit_rate": mean(s.hit_rate),
        "area_share": mean(s.area_share),
        "a_km2": s.a_km2,
        "pai": mean(s.pai),
        "pei": mean(s.pei),
        "rri": mean(s.rri),
        "harm_capture": mean(s.harm_capture),
        "ties": s.ties,
        "curve": s.curve.iter().map(|p| json!({
            "cells": p.cells,
            "area_share": p.area_share,
            "hit_rate": opt(p.hit_rate.mean),
            "pai": opt(p.pai.mean),
            "folds": p.pai.folds,
        })).collect::<Vec<_>>(),
    })
}

fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p >= 10.0 {
        format!("{p:.0} %")
    } else if p >= 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.2} %")
    }
}

fn what(q: &BacktestQuery) -> String {
    match q.filter.crime_types.as_slice() {
        [] => "selected incidents".to_owned(),
        [one] => one.to_lowercase(),
        many => many.join(", ").to_lowercase(),
    }
}

/// The plain-words recommendation: the method with the best mean PAI, what it would
/// have caught, and the others' mean PAIs. `None` when no method has a mean PAI.
#[must_use]
pub fn recommendation(ctx: &BacktestContext<'_>) -> Option<String> {
    let q = ctx.query;
    let r = ctx.result;
    let best = r.summary(*r.ranking.first()?)?;
    let (pai, hit, share) = (best.pai.mean?, best.hit_rate.mean?, best.area_share.mean?);
    let next = if q.test_months.get() == 1 {
        "the next month's".to_owned()
    } else {
        format!("the next {} months'", q.test_months)
    };
    let by = match best.method {
        Method::Count => "count".to_owned(),
        Method::Harm => "harm".to_owned(),
        Method::Gistar => "Gi* z".to_owned(),
        Method::Kde => format!("kernel density (h = {} m)", q.bandwidth.metres()),
    };
    let others: Vec<String> = r.ranking[1..]
        .iter()
        .filter_map(|&m| {
            let s = r.summary(m)?;
            Some(match s.pai.mean {
                Some(p) => format!("{} ({p:.0})", m.label()),
                None => format!("{} (no PAI)", m.label()),
            })
        })
        .collect();
    let tail = match others.as_slice() {
        [] => String::new(),
        [one] => format!(", ahead of {one}"),
        [rest @ .., last] => format!(", ahead of {} and {last}", rest.join(", ")),
    };
    Some(format!(
        "On these data, ranking by {by} over the last {} months at res {} would have caught {} of {next} {} in {} of the area (PAI {pai:.0}){tail} (means over {} fold{}).",
        q.train_months,
        q.resolution,
        pct(hit),
        what(q),
        pct(share),
        best.pai.folds,
        if best.pai.folds == 1 { "" } else { "s" },
    ))
}

/// What to bear in mind: ties at the cut-off, folds with no or few test incidents,
/// methods close together, undefined scores.
#[must_use]
pub fn caveats(ctx: &BacktestContext<'_>) -> Vec<String> {
    let r = ctx.result;
    let mut out = Vec::new();
    let none: Vec<usize> = (1..=r.folds.len())
        .filter(|&i| r.folds[i - 1].no_test_incidents())
        .collect();
    if !none.is_empty() {
        out.push(format!(
            "fold(s) {} had no test incidents: their ratios are undefined and left out of the means",
            join(&none)
        ));
    }
    let few: Vec<usize> = (1..=r.folds.len())
        .filter(|&i| {
            let f = &r.folds[i - 1];
            f.few_test_incidents() && !f.no_test_incidents()
        })
        .collect();
    if !few.is_empty() {
        out.push(format!(
            "fold(s) {} had fewer than {FEW_TEST_INCIDENTS} test incidents: their figures swing widely",
            join(&few)
        ));
    }
    for s in &r.summaries {
        if s.ties > 0 {
            out.push(format!(
                "{}: the cut-off fell on a tie in {} of {} folds (broken by ascending H3 index, so another equally good choice could score differently)",
                s.method.label(),
                s.ties,
                r.folds.len()
            ));
        }
        let undefined: usize = r
            .folds
            .iter()
            .filter_map(|f| f.methods.iter().find(|m| m.method == s.method))
            .map(|m| m.score.undefined)
            .sum();
        if undefined > 0 {
            out.push(format!(
                "{}: {undefined} region cells over the folds had no score and were never chosen",
                s.method.label()
            ));
        }
    }
    if let [a, b, ..] = r.ranking.as_slice()
        && let (Some(pa), Some(pb)) = (
            r.summary(*a).and_then(|s| s.pai.mean),
            r.summary(*b).and_then(|s| s.pai.mean),
        )
        && pb > 0.0
        && pa / pb < 1.05
    {
        out.push(format!(
            "{} and {} are within 5 % of each other in mean PAI: on these folds they are about as good",
            a.label(),
            b.label()
        ));
    }
    if r.folds.len() < 3 {
        out.push(format!(
            "only {} fold(s): a mean over so few says little",
            r.folds.len()
        ));
    }
    out
}

fn join(v: &[usize]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query and the modelling choices, as outputs state them.
#[must_use]
pub fn metadata(ctx: &BacktestContext<'_>) -> Value {
    let q = ctx.query;
    let r = ctx.result;
    let mut query = filter_json(&q.filter);
    query["from"] = Value::Null;
    query["to"] = json!(q.to.to_string());
    query["res"] = json!(q.resolution.get());
    query["k"] = json!(q.k.get());
    query["measure"] = json!(q.measure.name());
    query["methods"] = json!(q.methods.iter().map(|m| m.name()).collect::<Vec<_>>());
    query["train_months"] = json!(q.train_months.get());
    query["test_months"] = json!(q.test_months.get());
    query["folds"] = json!(q.folds.get());
    query["budget"] = budget_json(q.budget);
    query["bandwidth_m"] = json!(q.bandwidth.metres());
    query["curve_cells"] = json!(q.curve_cells);
    let mut left_out = crate::left_out(&r.exclusions, false);
    left_out["rule"] =
        json!("training rows over every fold that the data could not answer the filters for");
    json!({
        "software": SOFTWARE,
        "analysis": "backtest",
        "query": query,
        "folds_rule": "rolling origin: the last fold's test months end at to; each earlier fold is shifted back by test_months; each fold trains on the train_months before its test months; a fold outside the data or with a month holding no incident at all is refused",
        "study_region": { "rule": REGION_RULE, "resolution": q.resolution.get(), "k": q.k.get() },
        "methods": q.methods.iter().map(|&m| json!({ "method": m.name(), "score": method_rule(m, q) })).collect::<Vec<_>>(),
        "choice": CHOICE_RULE,
        "figures": FIGURES,
        "left_out": left_out,
        "data": { "imports": used_imports(ctx.imports, &r.import_ids) },
    })
}

/// The whole backtest as one JSON document.
#[must_use]
pub fn json(ctx: &BacktestContext<'_>) -> Value {
    let r = ctx.result;
    let folds: Vec<Value> = r
        .folds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "fold": i + 1,
                "train": [f.window.train.0.to_string(), f.window.train.1.to_string()],
                "test": [f.window.test.0.to_string(), f.window.test.1.to_string()],
                "region_cells": f.region_cells,
                "A_km2": f.region_area_km2,
                "N_train": f.train_incidents,
                "N": f.test_incidents,
                "N_outside_region": f.test_outside_region,
                "no_test_incidents": f.no_test_incidents(),
                "few_test_incidents": f.few_test_incidents(),
                "methods": f.methods.iter().map(|m| {
                    let mut v = score_json(&m.score);
                    v["method"] = json!(m.method.name());
                    v["chosen_cells"] = json!(m.chosen.iter().map(ToString::to_string).collect::<Vec<_>>());
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "hexspot": metadata(ctx),
        "folds": folds,
        "means": r.summaries.iter().map(summary_json).collect::<Vec<_>>(),
        "ranking": r.ranking.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "recommendation": recommendation(ctx),
        "caveats": caveats(ctx),
    })
}

/// CSV columns (then [`FILTER_COLUMNS`]).
pub const CSV_COLUMNS: [&str; 27] = [
    "fold",
    "method",
    "train_first",
    "train_last",
    "test_first",
    "test_last",
    "cells",
    "n",
    "N",
    "n_train",
    "N_train",
    "hit_rate",
    "a_km2",
    "A_km2",
    "pai",
    "n_max",
    "pei",
    "rri",
    "harm_capture",
    "tie",
    "res",
    "k",
    "measure",
    "train_months",
    "test_months",
    "budget",
    "bandwidth_m",
];

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| Value::from(x).to_string())
}

/// Writes one row per fold and method, then one row per method with `fold` = `mean`
/// (counts left empty, ratios their means, `tie` the number of tied folds).
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &BacktestContext<'_>, out: W) -> Result<(), csv::Error> {
    let q = ctx.query;
    let r = ctx.result;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.iter().chain(&FILTER_COLUMNS))?;
    let mut filters = filter_columns(&q.filter);
    filters[2].clear();
    filters[3] = q.to.to_string();
    let budget = match q.budget {
        Budget::Cells(n) => format!("{n} cells"),
        Budget::AreaKm2(a) => format!("{a} km2"),
    };
    let tail = [
        q.resolution.get().to_string(),
        q.k.get().to_string(),
        q.measure.name().to_owned(),
        q.train_months.get().to_string(),
        q.test_months.get().to_string(),
        budget,
        q.bandwidth.metres().to_string(),
    ];
    for (i, f) in r.folds.iter().enumerate() {
        for m in &f.methods {
            let s = &m.score;
            let head = [
                (i + 1).to_string(),
                m.method.name().to_owned(),
                f.window.train.0.to_string(),
                f.window.train.1.to_string(),
                f.window.test.0.to_string(),
                f.window.test.1.to_string(),
                s.cells.to_string(),
                s.n.to_string(),
                s.n_total.to_string(),
                s.n_train.to_string(),
                s.n_train_total.to_string(),
                num(s.hit_rate),
                Value::from(s.a_km2).to_string(),
                Value::from(s.area_total_km2).to_string(),
                num(s.pai),
                s.n_max.to_string(),
                num(s.pei),
                num(s.rri),
                num(s.harm_capture),
                s.tie.to_string(),
            ];
            w.write_record(head.iter().chain(&tail).chain(&filters))?;
        }
    }
    let (first, last) = (r.folds.first(), r.folds.last());
    for s in &r.summaries {
        let head = [
            "mean".to_owned(),
            s.method.name().to_owned(),
            first
                .map(|f| f.window.train.0.to_string())
                .unwrap_or_default(),
            last.map(|f| f.window.train.1.to_string())
                .unwrap_or_default(),
            first
                .map(|f| f.window.test.0.to_string())
                .unwrap_or_default(),
            last.map(|f| f.window.test.1.to_string())
                .unwrap_or_default(),
            Value::from(s.cells).to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            num(s.hit_rate.mean),
            Value::from(s.a_km2).to_string(),
            String::new(),
            num(s.pai.mean),
            String::new(),
            num(s.pei.mean),
            num(s.rri.mean),
            num(s.harm_capture.mean),
            s.ties.to_string(),
        ];
        w.write_record(head.iter().chain(&tail).chain(&filters))?;
    }
    w.flush()?;
    Ok(())
}

/// The one render entry: the backtest in `format`, as the CLI (and a server route)
/// writes it.
///
/// # Errors
/// [`std::io::Error`] when writing fails.
pub fn write<W: Write>(
    ctx: &BacktestContext<'_>,
    format: BacktestFormat,
    mut out: W,
) -> std::io::Result<()> {
    match format {
        BacktestFormat::Json => crate::write_json_line(&json(ctx), out),
        BacktestFormat::Csv => write_csv(ctx, &mut out).map_err(std::io::Error::other),
    }
}
