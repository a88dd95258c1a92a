//! `hexspot hotspots`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, ValueEnum};
use hexspot_engine::{
    HarmTable, HotspotQuery, Limit, ParamError, QueryParams, RankBy, Resolution, StudyRegion,
    YearMonth, cells_covering, hotspots,
};
use hexspot_export::Context;
use hexspot_store::Store;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Geojson,
    Csv,
}

impl Format {
    /// The file format, `None` for the terminal table.
    pub fn file(self) -> Option<hexspot_export::Format> {
        match self {
            Format::Table => None,
            Format::Geojson => Some(hexspot_export::Format::Geojson),
            Format::Csv => Some(hexspot_export::Format::Csv),
        }
    }
}

/// The filters and statistics settings shared by `hotspots`, `plan` and `areas`: the
/// engine's [`QueryParams`] (the same definition as the server's query string), with
/// the flags only the CLI has.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    pub db: PathBuf,
    #[command(flatten)]
    params: QueryParams,
    // The server takes `domestic=true|false`; the CLI spells it as two flags.
    /// Keep only domestic incidents.
    #[arg(long, conflicts_with = "non_domestic")]
    domestic: bool,
    /// Keep only non-domestic incidents.
    #[arg(long)]
    non_domestic: bool,
    /// Study region: the cells covering the polygons in this GeoJSON file.
    #[arg(long, value_name = "FILE.geojson")]
    pub region: Option<PathBuf>,
    /// Harm weights CSV (name,weight); without it every incident weighs 1 unless the data says otherwise.
    #[arg(long, value_name = "FILE.csv")]
    weights: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HotspotArgs {
    #[command(flatten)]
    q: QueryArgs,
    /// Ranking order.
    #[arg(long, default_value = "z",
        value_parser = PossibleValuesParser::new(["z", "count", "harm"]).try_map(|s| s.parse::<RankBy>()))]
    rank_by: RankBy,
    /// How many cells to list.
    #[arg(long, default_value_t = 20, conflicts_with = "all")]
    top: usize,
    /// List every cell of the study region, zero-count ones included.
    #[arg(long)]
    all: bool,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

impl QueryArgs {
    /// The resolution asked for, checked.
    pub fn resolution(&self) -> Result<Resolution> {
        self.params.resolution().map_err(flag_error)
    }

    /// The query as text parameters, shared with the server's query string.
    fn params(&self) -> QueryParams {
        QueryParams {
            domestic: (self.domestic || self.non_domestic).then_some(self.domestic),
            ..self.params.clone()
        }
    }

    /// Checks every parameter, then loads the store and builds the engine query (the
    /// data only fills open sides of the period).
    pub fn prepare(&self, rank_by: RankBy, limit: Limit) -> Result<Prepared> {
        self.prepare_with(|params, region, months| params.query(region, rank_by, limit, months))
    }

    /// As [`Self::prepare`], for any analysis: `build` makes its query from the shared
    /// parameters, the study region and the data's months (`None` on the first call,
    /// which checks the parameters before the store is opened).
    pub fn prepare_with<T>(
        &self,
        build: impl Fn(
            &QueryParams,
            StudyRegion,
            Option<(YearMonth, YearMonth)>,
        ) -> Result<T, ParamError>,
    ) -> Result<Loaded<T>> {
        let params = self.params();
        build(&params, StudyRegion::OccupiedWithRings, None).map_err(flag_error)?;
        let res = params.resolution().map_err(flag_error)?;
        let region = region(self, res)?;
        let harm = match &self.weights {
            Some(p) => hexspot_ingest::read_harm_table(p)?,
            None => HarmTable::default(),
        };
        if !self.db.exists() {
            bail!(
                "no database at {}: import data first with `hexspot import --db {} FILE...`",
                self.db.display(),
                self.db.display()
            );
        }
        let store =
            Store::open(&self.db).with_context(|| format!("cannot open {}", self.db.display()))?;
        let snap = hexspot_data::Snapshot::load_with(&store, &[res])?;
        if snap.table.is_empty() {
            bail!(
                "{} holds no incidents: import data first",
                self.db.display()
            );
        }
        let query = build(&params, region, snap.table.month_range()).map_err(flag_error)?;
        Ok(Loaded {
            snap,
            harm,
            query,
            region_name: self.region.as_ref().map(|p| p.display().to_string()),
        })
    }
}

/// A checked query with the data it runs on.
pub struct Loaded<T> {
    pub snap: hexspot_data::Snapshot,
    pub harm: HarmTable,
    pub query: T,
    pub region_name: Option<String>,
}

/// A checked hotspot query with the data it runs on.
pub type Prepared = Loaded<HotspotQuery>;

/// Where output goes: `--out FILE`, else standard output.
pub fn output(out: Option<&PathBuf>) -> Result<Box<dyn Write>> {
    Ok(match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// The format asked for, else a table on a terminal and GeoJSON otherwise.
pub fn format_or_default(format: Option<Format>, out: Option<&PathBuf>) -> Format {
    format.unwrap_or(if out.is_none() && std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Geojson
    })
}

/// A parameter error named as the flag the user typed.
pub fn flag_error(e: ParamError) -> anyhow::Error {
    anyhow::anyhow!("--{}: {}", e.param.replace('_', "-"), e.message)
}

/// The study region: the default rule, or the cells covering `--region`'s polygons.
fn region(a: &QueryArgs, resolution: Resolution) -> Result<StudyRegion> {
    let Some(p) = &a.region else {
        return Ok(StudyRegion::OccupiedWithRings);
    };
    let polys = hexspot_ingest::read_region(p)?;
    let cells = cells_covering(&polys, resolution)?;
    if cells.is_empty() {
        bail!(
            "{}: the region covers no cells at resolution {resolution}",
            p.display()
        );
    }
    Ok(StudyRegion::Cells {
        description: format!(
            "every resolution-{resolution} cell whose centre lies inside, or that the boundary passes through, the polygons of {} (zero-count cells included); incidents outside are left out",
            p.display()
        ),
        cells,
    })
}

pub fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.digits$}"))
}

fn table(ctx: &Context<'_>, out: &mut dyn Write) -> Result<()> {
    let q = ctx.query;
    let r = ctx.result;
    writeln!(
        out,
        "Hotspots at H3 resolution {} (average cell {:.4} km²), Gi* on {} over the {}-ring, ranked by {}",
        q.resolution,
        q.resolution.average_cell_area_m2() / 1e6,
        q.measure.name(),
        q.k,
        q.rank_by.name()
    )?;
    writeln!(
        out,
        "Study region: {} — {} cells, {} with incidents",
        q.region.describe(q.k),
        r.region_cells,
        r.occupied_cells
    )?;
    let ex = &r.exclusions;
    writeln!(
        out,
        "Incidents counted: {} (harm {}); left out: {} no time of day, {} month cut by the period, {} flag not recorded, {} outside the region",
        r.incidents,
        r.harm_total,
        ex.no_time_of_day,
        ex.month_only_partial_period,
        ex.flag_not_recorded,
        ex.outside_region
    )?;
    writeln!(
        out,
        "Benjamini–Hochberg FDR α={}: {} significant hot, {} cold of {} tests (p ≤ {})",
        q.alpha,
        r.significant_hot,
        r.significant_cold,
        r.tests,
        r.bh_threshold
            .map_or_else(|| "—".into(), |t| format!("{t:.3e}"))
    )?;
    if r.incidents == 0 {
        if ex.no_time_of_day > 0 {
            writeln!(
                out,
                "No incidents matched: {} have no time of day (police.uk gives only the month), so a time window cannot include them.",
                ex.no_time_of_day
            )?;
        } else {
            writeln!(out, "No incidents matched the filters.")?;
        }
        return Ok(());
    }
    let mut t = crate::new_table([
        "rank",
        "cell",
        "centre (lat, lon)",
        "count",
        "harm",
        "Gi* z",
        "p",
        "FDR",
    ]);
    for c in &r.cells {
        t.add_row([
            c.rank.to_string(),
            c.cell.to_string(),
            {
                let ll = h3o::LatLng::from(c.cell);
                format!("{:.5}, {:.5}", ll.lat(), ll.lng())
            },
            c.count.to_string(),
            format!("{}", c.harm),
            fmt_opt(c.z, 3),
            c.p.map_or_else(
                || "—".into(),
                // beyond z ≈ 37 the normal tail underflows double precision
                |p| {
                    if p < 1e-300 {
                        "< 1e-300".into()
                    } else {
                        format!("{p:.2e}")
                    }
                },
            ),
            match (c.significant, c.z.unwrap_or(0.0) > 0.0) {
                (true, true) => "hot".into(),
                (true, false) => "cold".into(),
                _ => String::new(),
            },
        ]);
    }
    writeln!(out, "{t}")?;
    Ok(())
}

pub fn run(a: &HotspotArgs) -> Result<ExitCode> {
    let limit = if a.all { Limit::All } else { Limit::Top(a.top) };
    let p = a.q.prepare(a.rank_by, limit)?;
    let result = hotspots(&p.snap.table, &p.query, &p.harm)?;
    let ctx = Context {
        query: &p.query,
        result: &result,
        harm: &p.harm,
        imports: &p.snap.sources,
        region_source: p.region_name.as_deref(),
    };
    let mut out = output(a.out.as_ref())?;
    match format_or_default(a.format, a.out.as_ref()) {
        Format::Table => table(&ctx, &mut out)?,
        Format::Geojson => {
            hexspot_export::write_json_line(&hexspot_export::geojson(&ctx), &mut out)?
        }
        Format::Csv => hexspot_export::write_csv(&ctx, &mut out)?,
    }
    out.flush()?;
    if let Some(p) = &a.out {
        eprintln!(
            "wrote {} cells ({} in the study region) to {}",
            result.cells.len(),
            result.region_cells,
            p.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
