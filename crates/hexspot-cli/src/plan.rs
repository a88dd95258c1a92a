//! `hexspot plan`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use h3o::CellIndex;
use hexspot_engine::{Budget, Limit, PlanQuery, RankBy, plan};
use hexspot_export::Context;
use hexspot_export::plan::{plan_geojson, write_plan_csv};

use crate::hotspots::{Format, QueryArgs, format_or_default, output};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    q: QueryArgs,
    /// Budget: this many cells at most.
    #[arg(
        long,
        conflicts_with = "area_km2",
        required_unless_present = "area_km2"
    )]
    cells: Option<usize>,
    /// Budget: this many km² at most.
    #[arg(long = "area-km2", value_name = "KM2")]
    area_km2: Option<f64>,
    /// Which cells come first.
    #[arg(long, default_value = "harm",
        value_parser = PossibleValuesParser::new(["harm", "count", "z"]).try_map(|s| s.parse::<RankBy>()))]
    rank_by: RankBy,
    /// Leave this H3 cell (at the plan's resolution) out of the plan, e.g. a custody
    /// suite or an A&E department (repeat for several).
    #[arg(long, value_name = "CELL")]
    exclude: Vec<String>,
    /// Leave out every cell covering the polygons in this GeoJSON file.
    #[arg(long, value_name = "FILE.geojson")]
    exclude_region: Vec<PathBuf>,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn budget(a: &PlanArgs) -> Result<Budget> {
    match (a.cells, a.area_km2) {
        (Some(0), _) => bail!("--cells: must be at least 1"),
        (Some(n), _) => Ok(Budget::Cells(n)),
        (None, Some(km2)) if km2 > 0.0 && km2.is_finite() => Ok(Budget::AreaKm2(km2)),
        (None, Some(km2)) => bail!(
            "--area-km2: must be a positive number, got {}",
            hexspot_engine::short_number(km2)
        ),
        (None, None) => bail!("give a budget: --cells N or --area-km2 X"),
    }
}

pub fn run(a: &PlanArgs) -> Result<ExitCode> {
    let budget = budget(a)?;
    let mut exclude = Vec::new();
    for c in &a.exclude {
        let cell: CellIndex = c
            .parse()
            .map_err(|e| anyhow::anyhow!("--exclude {c:?}: not an H3 cell ({e})"))?;
        exclude.push(cell);
    }
    let p = a.q.prepare(a.rank_by, Limit::All)?;
    for file in &a.exclude_region {
        let polys = hexspot_ingest::read_region(file)?;
        exclude.extend(hexspot_engine::cells_covering(&polys, p.query.resolution)?);
    }
    let q = PlanQuery {
        query: p.query.clone(),
        budget,
        exclude,
    };
    let planned = plan(&p.snap.table, &q, &p.harm)?;
    let ctx = Context {
        query: &p.query,
        result: &planned.result,
        harm: &p.harm,
        imports: &p.snap.sources,
        region_source: p.region_name.as_deref(),
    };
    let mut out = output(a.out.as_ref())?;
    match format_or_default(a.format, a.out.as_ref()) {
        Format::Table => table(&planned, budget, &p.query, &mut out)?,
        Format::Geojson => {
            hexspot_export::write_json_line(&plan_geojson(&ctx, &planned, budget), &mut out)?;
        }
        Format::Csv => write_plan_csv(&ctx, &planned, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = &a.out {
        eprintln!(
            "wrote {} patrol areas ({} cells) to {}",
            planned.areas.len(),
            planned.cells,
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn table(
    p: &hexspot_engine::Plan,
    budget: Budget,
    q: &hexspot_engine::HotspotQuery,
    out: &mut dyn Write,
) -> Result<()> {
    let budget = match budget {
        Budget::Cells(n) => format!("{n} cells"),
        Budget::AreaKm2(a) => format!("{a} km²"),
    };
    writeln!(
        out,
        "Patrol plan: budget {budget}, cells ranked by {} at H3 resolution {} (k = {}, Gi* on {})",
        q.rank_by.name(),
        q.resolution,
        q.k,
        q.measure.name()
    )?;
    let r = &p.result;
    writeln!(
        out,
        "Incidents counted: {} (harm {}); left out: {} with no time of day, {} month cut by the period",
        r.incidents,
        r.harm_total,
        r.exclusions.no_time_of_day,
        r.exclusions.month_only_partial_period
    )?;
    writeln!(
        out,
        "{} areas from {} cells: {:.3} km² ({} of the study region) holding {} of the harm{}",
        p.areas.len(),
        p.cells,
        p.area_m2 / 1e6,
        pct(p.share_of_region_area()),
        pct(p.harm_share),
        if p.excluded_cells > 0 {
            format!("; {} excluded cells passed over", p.excluded_cells)
        } else {
            String::new()
        }
    )?;
    let c = &p.concentration;
    writeln!(
        out,
        "Concentration: {} of the study region's {} cells hold half the harm; Gini {:.3}",
        pct(c.share_of_cells_for_half_harm),
        c.cells,
        c.gini
    )?;
    let mut t = crate::new_table([
        "area",
        "cells",
        "m²",
        "count",
        "harm",
        "share",
        "cumulative",
        "Gi* hot",
        "peak windows",
    ]);
    for a in &p.areas {
        t.add_row(vec![
            a.rank.to_string(),
            a.cells.len().to_string(),
            format!("{:.0}", a.area_m2),
            a.count.to_string(),
            crate::hotspots::fmt_opt(Some(a.harm), 1),
            pct(a.harm_share),
            pct(a.cumulative_harm_share),
            if a.significant { "yes" } else { "" }.to_owned(),
            if a.peak_windows.is_empty() {
                "no times of day".to_owned()
            } else {
                a.peak_windows
                    .iter()
                    .map(|w| w.describe())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ]);
    }
    writeln!(out, "{t}")?;
    if let Some(a) = p.areas.first() {
        writeln!(
            out,
            "Dose (each area): {}",
            a.dose.text.split(" (").next().unwrap_or("")
        )?;
    }
    Ok(())
}
