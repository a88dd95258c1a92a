//! `hexspot backtest` and `hexspot evaluate`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use h3o::CellIndex;
use hexspot_engine::{
    BacktestParams, Budget, ControlRule, EvaluateParams, backtest, cells_covering, evaluate,
};
use hexspot_export::backtest::{
    BacktestContext, BacktestFormat, caveats, method_rule, recommendation,
};
use hexspot_export::evaluate::{AREAS, EvaluateContext, area_rules};

use crate::hotspots::{Format, QueryArgs, fmt_opt, format_or_default, output};

/// A backtest's output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    q: QueryArgs,
    #[command(flatten)]
    b: BacktestParams,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    q: QueryArgs,
    #[command(flatten)]
    e: EvaluateParams,
    /// Treated area: the cells covering the polygons in this GeoJSON file.
    #[arg(long, value_name = "FILE.geojson", conflicts_with = "plan_file")]
    treated: Option<PathBuf>,
    /// Treated area: the cells of a patrol plan (`hexspot plan --format geojson`).
    #[arg(long, value_name = "PLAN.geojson")]
    plan_file: Option<PathBuf>,
    /// Control area: the cells covering the polygons in this GeoJSON file.
    #[arg(long, value_name = "FILE.geojson")]
    control: Option<PathBuf>,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{:.2} %", v * 100.0))
}

fn backtest_table(ctx: &BacktestContext<'_>, out: &mut dyn Write) -> Result<()> {
    let q = ctx.query;
    let r = ctx.result;
    let budget = match q.budget {
        Budget::Cells(n) => format!("{n} cells"),
        Budget::AreaKm2(a) => format!("{a} km²"),
    };
    writeln!(
        out,
        "Backtest at H3 resolution {}: {} fold(s), each training on {} month(s) and testing on the next {}, the last ending {}; budget {budget} per method",
        q.resolution, q.folds, q.train_months, q.test_months, q.to
    )?;
    writeln!(
        out,
        "Study region per fold: {}",
        hexspot_export::backtest::REGION_RULE.replace("k ", &format!("k = {} ", q.k))
    )?;
    writeln!(
        out,
        "Incidents: {}",
        if q.filter.crime_types.is_empty() {
            "every crime type".to_owned()
        } else {
            q.filter.crime_types.join(", ")
        }
    )?;
    for &m in &q.methods {
        writeln!(out, "  {:<7} {}", m.name(), method_rule(m, q))?;
    }
    let mut t = crate::new_table([
        "fold", "train", "test", "method", "cells", "n", "N", "hit rate", "a km²", "A km²", "PAI",
        "PEI", "RRI", "harm", "tie",
    ]);
    for (i, f) in r.folds.iter().enumerate() {
        for m in &f.methods {
            let s = &m.score;
            t.add_row([
                (i + 1).to_string(),
                format!("{}..{}", f.window.train.0, f.window.train.1),
                format!("{}..{}", f.window.test.0, f.window.test.1),
                m.method.name().to_owned(),
                s.cells.to_string(),
                s.n.to_string(),
                s.n_total.to_string(),
                pct(s.hit_rate),
                format!("{:.3}", s.a_km2),
                format!("{:.1}", s.area_total_km2),
                fmt_opt(s.pai, 1),
                fmt_opt(s.pei, 3),
                fmt_opt(s.rri, 2),
                pct(s.harm_capture),
                if s.tie { "tie" } else { "" }.to_owned(),
            ]);
        }
    }
    writeln!(out, "{t}")?;
    let mut t = crate::new_table([
        "method",
        "mean hit rate",
        "mean area share",
        "mean PAI",
        "mean PEI",
        "mean RRI",
        "mean harm capture",
        "ties",
    ]);
    for &m in &r.ranking {
        let Some(s) = r.summary(m) else { continue };
        t.add_row([
            m.name().to_owned(),
            pct(s.hit_rate.mean),
            pct(s.area_share.mean),
            fmt_opt(s.pai.mean, 2),
            fmt_opt(s.pei.mean, 3),
            fmt_opt(s.rri.mean, 2),
            pct(s.harm_capture.mean),
            format!("{}/{}", s.ties, r.folds.len()),
        ]);
    }
    writeln!(out, "{t}")?;
    match recommendation(ctx) {
        Some(line) => writeln!(out, "{line}")?,
        None => writeln!(
            out,
            "No method has a PAI on these folds (no test incidents): nothing to recommend."
        )?,
    }
    for c in caveats(ctx) {
        writeln!(out, "Caveat: {c}")?;
    }
    writeln!(
        out,
        "(JSON output adds each method's hit-rate and PAI curve over the top 1 … {} cells.)",
        q.curve_cells
    )?;
    Ok(())
}

pub fn run_backtest(a: &BacktestArgs) -> Result<ExitCode> {
    if a.q.region.is_some() {
        bail!(
            "--region: a backtest's study region is the hotspot rule over each fold's training incidents"
        );
    }
    let p =
        a.q.prepare_with(|params, _, months| a.b.query(params, months))?;
    let result = backtest(&p.snap.table, &p.query, &p.harm)?;
    let ctx = BacktestContext {
        query: &p.query,
        result: &result,
        imports: &p.snap.sources,
    };
    let mut out = output(a.out.as_ref())?;
    let format = a
        .format
        .unwrap_or(if a.out.is_none() && std::io::stdout().is_terminal() {
            ReportFormat::Table
        } else {
            ReportFormat::Json
        });
    match format {
        ReportFormat::Table => backtest_table(&ctx, &mut out)?,
        ReportFormat::Json => {
            hexspot_export::backtest::write(&ctx, BacktestFormat::Json, &mut out)?
        }
        ReportFormat::Csv => hexspot_export::backtest::write(&ctx, BacktestFormat::Csv, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = &a.out {
        eprintln!(
            "wrote {} folds × {} methods to {}",
            result.folds.len(),
            p.query.methods.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The cells of a patrol plan's GeoJSON (read by the ingest crate, as the server reads
/// a posted plan).
fn plan_cells(path: &Path) -> Result<Vec<CellIndex>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    hexspot_ingest::plan_cells(&text).with_context(|| path.display().to_string())
}

fn covering(path: &Path, res: hexspot_engine::Resolution) -> Result<Vec<CellIndex>> {
    let polys = hexspot_ingest::read_region(path)?;
    let cells = cells_covering(&polys, res)?;
    if cells.is_empty() {
        bail!(
            "{}: the polygons cover no cells at resolution {res}",
            path.display()
        );
    }
    Ok(cells)
}

fn evaluate_table(ctx: &EvaluateContext<'_>, out: &mut dyn Write) -> Result<()> {
    let q = ctx.query;
    let r = ctx.result;
    writeln!(
        out,
        "Weighted displacement difference at H3 resolution {}: before {}..{}, after {}..{}; incidents: {}",
        q.resolution,
        q.before.from(),
        q.before.to(),
        q.after.from(),
        q.after.to(),
        if q.filter.crime_types.is_empty() {
            "every crime type".to_owned()
        } else {
            q.filter.crime_types.join(", ")
        }
    )?;
    let rules = area_rules(ctx);
    let [c, t, dc, d] = r.area_weights;
    let weights = [t, c, d, dc];
    let areas = [
        &r.treated,
        &r.control,
        &r.displacement,
        &r.displacement_control,
    ];
    let mut table = crate::new_table(["area", "cells", "km²", "before", "after", "area weight"]);
    for i in 0..4 {
        table.add_row([
            AREAS[i].to_owned(),
            areas[i].cells.len().to_string(),
            format!("{:.3}", areas[i].area_km2),
            areas[i].before.to_string(),
            areas[i].after.to_string(),
            format!("{:.4}", weights[i]),
        ]);
    }
    writeln!(out, "{table}")?;
    for i in 0..4 {
        writeln!(out, "  {:<20} {}", AREAS[i], rules[i])?;
    }
    writeln!(
        out,
        "Time weights: before {:.4}, after {:.4} (lengths {} and {} {}); area weights: {}",
        r.time_weights[0],
        r.time_weights[1],
        r.lengths[0],
        r.lengths[1],
        r.length_unit.name(),
        if q.area_weights {
            "each area's size over the treated area's"
        } else {
            "none"
        }
    )?;
    let w = &r.wdd;
    writeln!(
        out,
        "wdd_local {:.2} (se_local {:.2}), wdd_displacement {:.2} (se_displacement {:.2})",
        w.local, w.se_local, w.displacement, w.se_displacement
    )?;
    writeln!(
        out,
        "wdd {:.2}, se {:.2}, z {}, p {}, 95 % interval {:.2} to {:.2}",
        w.total.estimate,
        w.total.se,
        fmt_opt(w.total.z, 3),
        fmt_opt(w.total.p, 4),
        w.total.ci_low,
        w.total.ci_high
    )?;
    if !r.crime_types.is_empty() {
        let mut table = crate::new_table(["crime type", "weight", "wdd", "se", "z"]);
        for c in &r.crime_types {
            table.add_row([
                c.crime_type.clone(),
                c.weight.to_string(),
                format!("{:.2}", c.wdd.total.estimate),
                format!("{:.2}", c.wdd.total.se),
                fmt_opt(c.wdd.total.z, 3),
            ]);
        }
        writeln!(out, "{table}")?;
        if let Some(h) = r.harm_total {
            writeln!(
                out,
                "Harm-weighted total (wdd_harm): {:.2}, se {:.2}, z {}, 95 % interval {:.2} to {:.2}",
                h.estimate,
                h.se,
                fmt_opt(h.z, 3),
                h.ci_low,
                h.ci_high
            )?;
        }
    }
    let verdict = match (w.total.ci_low, w.total.ci_high) {
        (_, hi) if hi < 0.0 => {
            "fewer incidents in the treated area (and its ring) than the control predicts: the 95 % interval lies below 0"
        }
        (lo, _) if lo > 0.0 => {
            "more incidents in the treated area (and its ring) than the control predicts: the 95 % interval lies above 0"
        }
        _ => "no clear change against the control: the 95 % interval includes 0",
    };
    writeln!(out, "In words: {verdict}.")?;
    if r.control_rule == ControlRule::RestOfRegion {
        writeln!(
            out,
            "Note: the control is the rest of the study region; give --control or --control-cells for a matched control area."
        )?;
    }
    Ok(())
}

pub fn run_evaluate(a: &EvaluateArgs) -> Result<ExitCode> {
    if a.q.region.is_some() {
        bail!(
            "--region: an evaluation's areas are --treated/--plan-file/--treated-cells and --control/--control-cells"
        );
    }
    let res = a.q.resolution()?;
    let (treated, treated_source) = match (&a.treated, &a.plan_file) {
        (Some(p), _) => (covering(p, res)?, Some(format!("covering {}", p.display()))),
        (None, Some(p)) => (
            plan_cells(p)?,
            Some(format!("the patrol plan {}", p.display())),
        ),
        (None, None) => (Vec::new(), None),
    };
    let (control, control_source) = match &a.control {
        Some(p) => (
            Some(covering(p, res)?),
            Some(format!("covering {}", p.display())),
        ),
        None => (None, None),
    };
    let p =
        a.q.prepare_with(|params, _, _| a.e.query(params, &treated, control.as_deref()))?;
    let result = evaluate(&p.snap.table, &p.query, &p.harm)?;
    let ctx = EvaluateContext {
        query: &p.query,
        result: &result,
        harm: &p.harm,
        imports: &p.snap.sources,
        treated_source: treated_source.as_deref(),
        control_source: control_source.as_deref(),
    };
    let mut out = output(a.out.as_ref())?;
    match format_or_default(a.format, a.out.as_ref()).file() {
        None => evaluate_table(&ctx, &mut out)?,
        Some(f) => hexspot_export::evaluate::write(&ctx, f, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = &a.out {
        eprintln!("wrote the evaluation to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
