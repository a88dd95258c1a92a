//! `hexspot emerging` and `hexspot kde`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use hexspot_engine::{
    Category, EmergingParams, KdeParams, StudyRegion, emerging::EmergingResult, kde,
};
use hexspot_export::emerging::EmergingContext;
use hexspot_export::kde::KdeContext;

use crate::hotspots::{Format, QueryArgs, fmt_opt, format_or_default, output};

#[derive(Debug, Args)]
pub struct EmergingArgs {
    #[command(flatten)]
    q: QueryArgs,
    #[command(flatten)]
    e: EmergingParams,
    /// How many categorised cells the table lists (files hold every cell).
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KdeArgs {
    #[command(flatten)]
    q: QueryArgs,
    #[command(flatten)]
    k: KdeParams,
    /// How many cells the table lists (files hold every cell).
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn emerging_table(ctx: &EmergingContext<'_>, top: usize, out: &mut dyn Write) -> Result<()> {
    let q = &ctx.query.cube;
    let r: &EmergingResult = ctx.result;
    let c = &r.cube;
    let (first, last) = (c.slices[0].first, c.slices[c.slices.len() - 1].last);
    writeln!(
        out,
        "Emerging hot spots at H3 resolution {}, {} to {}: {} slices of {} month(s), time lag {}, the {}-ring",
        q.resolution,
        first,
        last,
        c.slices.len(),
        q.slice_months,
        q.time_lag,
        q.k
    )?;
    writeln!(
        out,
        "Study region: {} — {} cells, {} with incidents; {} incidents counted",
        q.region.describe(q.k),
        r.cells.len(),
        c.occupied_cells,
        c.incidents
    )?;
    writeln!(
        out,
        "Space-time Gi* over n = {} bins (mean {:.4}, std {:.4}); BH FDR α={} per slice; Mann-Kendall trend α={}",
        c.moments.n, c.moments.mean, c.moments.std, q.alpha, ctx.query.trend_alpha
    )?;
    writeln!(
        out,
        "Gap check: {} months, none without incidents in the study region",
        c.months_checked
    )?;
    if c.caution() {
        writeln!(
            out,
            "Caution: only {} slices; the 90 % rules need at least 10 to mean anything.",
            c.slices.len()
        )?;
    }
    let mut t = crate::new_table(["category", "cells"]);
    for cat in Category::ALL {
        let n = r.total(cat);
        let label = if cat == Category::NoPattern && r.undefined > 0 {
            format!("{} ({} with an undefined z)", cat.name(), r.undefined)
        } else {
            cat.name().to_owned()
        };
        t.add_row([label, n.to_string()]);
    }
    writeln!(out, "{t}")?;
    let mut cells: Vec<_> = r
        .cells
        .iter()
        .filter(|c| c.category != Category::NoPattern)
        .collect();
    cells.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(
                b.final_z
                    .unwrap_or(0.0)
                    .total_cmp(&a.final_z.unwrap_or(0.0)),
            )
            .then(a.cell.cmp(&b.cell))
    });
    let mut t = crate::new_table([
        "cell", "category", "hot", "cold", "final z", "trend", "MK p", "counts",
    ]);
    for c in cells.iter().take(top) {
        t.add_row([
            c.cell.to_string(),
            c.category.name().to_owned(),
            c.hot_slices.to_string(),
            c.cold_slices.to_string(),
            fmt_opt(c.final_z, 2),
            c.trend.map_or("—", |t| t.name()).to_owned(),
            fmt_opt(c.mk.map(|m| m.p), 3),
            c.counts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    writeln!(out, "{t}")?;
    Ok(())
}

pub fn run(a: &EmergingArgs) -> Result<ExitCode> {
    let p =
        a.q.prepare_with(|params, region, _| a.e.query(params, region))?;
    let result = hexspot_engine::emerging(&p.snap.table, &p.query, &p.harm)?;
    let ctx = EmergingContext {
        query: &p.query,
        result: &result,
        harm: &p.harm,
        imports: &p.snap.sources,
        region_source: p.region_name.as_deref(),
    };
    emit(
        a.format,
        a.out.as_ref(),
        result.cells.len(),
        |out| emerging_table(&ctx, a.top, out),
        |f, out| Ok(hexspot_export::emerging::write(&ctx, f, out)?),
    )
}

/// Writes an analysis to `--out` (or standard output) as a table or in a file format,
/// and says where a file went.
fn emit(
    format: Option<Format>,
    path: Option<&PathBuf>,
    cells: usize,
    table: impl FnOnce(&mut dyn Write) -> Result<()>,
    file: impl FnOnce(hexspot_export::Format, &mut dyn Write) -> Result<()>,
) -> Result<ExitCode> {
    let mut out = output(path)?;
    match format_or_default(format, path).file() {
        None => table(&mut out)?,
        Some(f) => file(f, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = path {
        eprintln!("wrote {cells} cells to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn kde_table(ctx: &KdeContext<'_>, top: usize, out: &mut dyn Write) -> Result<()> {
    let q = ctx.query;
    let r = ctx.result;
    writeln!(
        out,
        "Kernel density (quartic, h = {} m) at the centres of H3 resolution-{} cells, {} per km²",
        q.bandwidth.metres(),
        q.resolution,
        if q.measure == hexspot_engine::Measure::Harm {
            "harm"
        } else {
            "incidents"
        }
    )?;
    writeln!(
        out,
        "Cells: {} — {}; {} incidents at {} distinct points",
        r.cells.len(),
        hexspot_export::kde::cell_set(ctx),
        r.incidents,
        r.points
    )?;
    let mut t = crate::new_table(["rank", "cell", "centre (lat, lon)", "density per km²"]);
    for c in r.cells.iter().take(top) {
        let ll = h3o::LatLng::from(c.cell);
        t.add_row([
            c.rank.to_string(),
            c.cell.to_string(),
            format!("{:.5}, {:.5}", ll.lat(), ll.lng()),
            format!("{:.3}", c.density_km2),
        ]);
    }
    writeln!(out, "{t}")?;
    Ok(())
}

pub fn run_kde(a: &KdeArgs) -> Result<ExitCode> {
    let p = a.q.prepare_with(|params, region, months| {
        let cells = match region {
            StudyRegion::OccupiedWithRings => None,
            StudyRegion::Cells { cells, .. } => Some(cells),
        };
        a.k.query(params, cells, months)
    })?;
    let result = kde(&p.snap.table, &p.query, &p.harm)?;
    let source = p.region_name.as_ref().map(|r| format!("covering {r}"));
    let ctx = KdeContext {
        query: &p.query,
        result: &result,
        imports: &p.snap.sources,
        cell_source: source.as_deref(),
    };
    emit(
        a.format,
        a.out.as_ref(),
        result.cells.len(),
        |out| kde_table(&ctx, a.top, out),
        |f, out| Ok(hexspot_export::kde::write(&ctx, f, out)?),
    )
}
