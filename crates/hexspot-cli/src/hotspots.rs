//! `hexspot hotspots`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use hexspot_engine::{
    BBox, Day, Filter, FlagKind, HarmTable, HotspotQuery, Limit, Measure, Period, RankBy,
    Resolution, StudyRegion, Weekday, WeeklyWindow, YearMonth, cells_covering, hotspots,
};
use hexspot_export::{Context, SourceImport};
use hexspot_store::Store;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Geojson,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RankArg {
    Z,
    Count,
    Harm,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MeasureArg {
    Count,
    Harm,
}

#[derive(Debug, Args)]
pub struct HotspotArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    /// H3 resolution, 5–12 (9 ≈ 0.105 km² per cell, 10 ≈ 0.015 km²).
    #[arg(long, default_value_t = 9)]
    res: u8,
    /// Neighbourhood: the k-ring around each cell, the cell itself included.
    #[arg(long, default_value_t = 1)]
    k: u32,
    /// Keep only this crime type (repeat for several); case-insensitive.
    #[arg(long = "crime-type", value_name = "TYPE")]
    crime_type: Vec<String>,
    /// Keep only this offence or offence code (repeat for several).
    #[arg(long, value_name = "OFFENCE")]
    offence: Vec<String>,
    /// First month or day: YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Last month or day (inclusive): YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
    /// Days of the week the time window starts on, e.g. fri,sat.
    #[arg(long, value_delimiter = ',')]
    days: Vec<String>,
    /// Hours START-END (END exclusive; may cross midnight), e.g. 20-04.
    #[arg(long)]
    hours: Option<String>,
    /// Keep only knife-enabled incidents.
    #[arg(long)]
    knife: bool,
    /// Keep only domestic incidents.
    #[arg(long, conflicts_with = "non_domestic")]
    domestic: bool,
    /// Keep only non-domestic incidents.
    #[arg(long)]
    non_domestic: bool,
    /// Keep only incidents with a victim under 25.
    #[arg(long)]
    under_25: bool,
    /// Keep only incidents inside west,south,east,north (degrees).
    #[arg(long, allow_hyphen_values = true)]
    bbox: Option<String>,
    /// Study region: the cells covering the polygons in this GeoJSON file.
    #[arg(long, value_name = "FILE.geojson")]
    region: Option<PathBuf>,
    /// Harm weights CSV (name,weight); without it every incident weighs 1 unless the data says otherwise.
    #[arg(long, value_name = "FILE.csv")]
    weights: Option<PathBuf>,
    /// The value Gi* is computed on.
    #[arg(long, value_enum, default_value_t = MeasureArg::Count)]
    measure: MeasureArg,
    /// Ranking order.
    #[arg(long, value_enum, default_value_t = RankArg::Z)]
    rank_by: RankArg,
    /// How many cells to list.
    #[arg(long, default_value_t = 20, conflicts_with = "all")]
    top: usize,
    /// List every cell of the study region, zero-count ones included.
    #[arg(long)]
    all: bool,
    /// False discovery rate for Benjamini–Hochberg.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Output format (default: table on a terminal, GeoJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// The period's bounds as given; a missing side is filled from the data once loaded.
type Bounds = (Option<Day>, Option<Day>);

fn bounds(from: Option<&str>, to: Option<&str>) -> Result<Bounds> {
    // YYYY-MM means the whole month: its first day as a start, its last as an end
    let day = |s: &str, end: bool| -> Result<Day> {
        if s.len() == 7 {
            let m = s.parse::<YearMonth>()?;
            Ok(if end { m.last_day() } else { m.first_day() })
        } else {
            Ok(s.parse::<Day>()?)
        }
    };
    let b = (
        from.map(|s| day(s, false)).transpose()?,
        to.map(|s| day(s, true)).transpose()?,
    );
    if let (Some(f), Some(t)) = b {
        Period::new(f, t)?;
    }
    Ok(b)
}

/// The period to query: the given bounds, an open side closed at the data's first or
/// last month, so the output states real dates.
fn period(b: Bounds, data: Option<(YearMonth, YearMonth)>) -> Result<Option<Period>> {
    Ok(match (b, data) {
        ((None, None), _) => None,
        ((f, t), Some((lo, hi))) => Some(Period::new(
            f.unwrap_or_else(|| lo.first_day().min(t.unwrap_or(lo.first_day()))),
            t.unwrap_or_else(|| hi.last_day().max(f.unwrap_or(hi.last_day()))),
        )?),
        ((f, t), None) => f
            .or(t)
            .map(|d| Period::new(f.unwrap_or(d), t.unwrap_or(d)))
            .transpose()?,
    })
}

fn window(days: &[String], hours: Option<&str>) -> Result<Option<WeeklyWindow>> {
    if days.is_empty() && hours.is_none() {
        return Ok(None);
    }
    let days: Vec<Weekday> = if days.is_empty() {
        Weekday::ALL.to_vec()
    } else {
        days.iter().map(|d| d.parse()).collect::<Result<_, _>>()?
    };
    let (start, end) = match hours {
        None => (0, 24),
        Some(h) => {
            let bad = || anyhow::anyhow!("--hours {h:?}: expected START-END, e.g. 20-04");
            let (a, b) = h.split_once('-').ok_or_else(bad)?;
            (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            )
        }
    };
    Ok(Some(WeeklyWindow::from_days_hours(&days, start, end)?))
}

/// Builds the engine query from the arguments (no database needed).
fn query(a: &HotspotArgs) -> Result<HotspotQuery> {
    let resolution = Resolution::try_from(a.res)?;
    let mut flags = Vec::new();
    if a.knife {
        flags.push((FlagKind::Knife, true));
    }
    if a.domestic || a.non_domestic {
        flags.push((FlagKind::Domestic, a.domestic));
    }
    if a.under_25 {
        flags.push((FlagKind::VictimUnder25, true));
    }
    let filter = Filter {
        // set once the data is loaded (see `run`)
        period: None,
        crime_types: a.crime_type.clone(),
        offences: a.offence.clone(),
        flags,
        window: window(&a.days, a.hours.as_deref())?,
        bbox: a.bbox.as_deref().map(str::parse::<BBox>).transpose()?,
    };
    let region = match &a.region {
        None => StudyRegion::OccupiedWithRings,
        Some(p) => {
            let polys = hexspot_ingest::read_region(p)?;
            let cells = cells_covering(&polys, resolution)?;
            if cells.is_empty() {
                bail!(
                    "{}: the region covers no cells at resolution {resolution}",
                    p.display()
                );
            }
            StudyRegion::Cells {
                description: format!(
                    "every resolution-{resolution} cell whose centre lies inside, or that the boundary passes through, the polygons of {} (zero-count cells included); incidents outside are left out",
                    p.display()
                ),
                cells,
            }
        }
    };
    if a.top == 0 && !a.all {
        bail!("--top must be at least 1");
    }
    Ok(HotspotQuery {
        filter,
        resolution,
        k: a.k,
        measure: match a.measure {
            MeasureArg::Count => Measure::Count,
            MeasureArg::Harm => Measure::Harm,
        },
        region,
        alpha: a.alpha,
        rank_by: match a.rank_by {
            RankArg::Z => RankBy::Z,
            RankArg::Count => RankBy::Count,
            RankArg::Harm => RankBy::Harm,
        },
        limit: if a.all { Limit::All } else { Limit::Top(a.top) },
    })
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
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
    let given = bounds(a.from.as_deref(), a.to.as_deref())?;
    let mut q = query(a)?;
    let harm = match &a.weights {
        Some(p) => hexspot_ingest::read_harm_table(p)?,
        None => HarmTable::default(),
    };
    if !a.db.exists() {
        bail!(
            "no database at {}: import data first with `hexspot import --db {} FILE...`",
            a.db.display(),
            a.db.display()
        );
    }
    let store = Store::open(&a.db).with_context(|| format!("cannot open {}", a.db.display()))?;
    let table_data = store.load_table()?;
    if table_data.is_empty() {
        bail!("{} holds no incidents: import data first", a.db.display());
    }
    q.filter.period = period(given, table_data.month_range())?;
    let result = hotspots(&table_data, &q, &harm)?;
    let imports: Vec<SourceImport> = store
        .imports()?
        .into_iter()
        .map(|i| SourceImport {
            id: i.id,
            file_name: i.file_name,
            sha256: i.sha256,
            imported_at: i.imported_at,
        })
        .collect();
    let region_name = a.region.as_ref().map(|p| p.display().to_string());
    let ctx = Context {
        query: &q,
        result: &result,
        harm: &harm,
        imports: &imports,
        region_source: region_name.as_deref(),
    };
    let format = a
        .format
        .unwrap_or(if a.out.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Geojson
        });
    let mut out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        Format::Table => table(&ctx, &mut out)?,
        Format::Geojson => {
            serde_json::to_writer(&mut out, &hexspot_export::geojson(&ctx))?;
            writeln!(out)?;
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
