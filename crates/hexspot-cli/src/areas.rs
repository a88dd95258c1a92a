//! `hexspot boundaries …`, `hexspot population import` and `hexspot areas`: ward and
//! district comparison for Community Safety Partnerships.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use hexspot_data::{AreaSet, sort_order, with_period};
use hexspot_engine::{Area, Comparison, Limit, RankBy};
use hexspot_export::areas::{comparison_geojson, comparison_json, write_comparison_csv};
use hexspot_ingest::BoundaryProperties;
use hexspot_store::{PopulationRecord, Store};

use crate::hotspots::{QueryArgs, fmt_opt, output};
use crate::new_table;

#[derive(Debug, Subcommand)]
pub enum BoundariesCommand {
    /// Import GeoJSON Polygon/MultiPolygon areas as a named set (replacing a set of that name).
    Import(BoundaryImportArgs),
    /// List the boundary sets in the store.
    List {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
    },
    /// Derive a set with one area per district by dissolving another set's areas.
    Dissolve {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
        /// The set to dissolve (its areas must have districts), e.g. wards.
        #[arg(long)]
        from: String,
        /// The new set's name, e.g. districts.
        #[arg(long)]
        set: String,
    },
}

#[derive(Debug, Args)]
pub struct BoundaryImportArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    /// The set's name, e.g. wards.
    #[arg(long)]
    set: String,
    /// The property holding each area's code, e.g. WD13CD.
    #[arg(long)]
    code: String,
    /// The property holding each area's name, e.g. WD13NM.
    #[arg(long)]
    name: String,
    /// The property holding each area's district, where the features carry one.
    #[arg(long, conflicts_with = "district")]
    district_property: Option<String>,
    /// The district of every area in the matching FILE (give one per FILE, in order),
    /// e.g. --district Leeds for a file of Leeds wards.
    #[arg(long)]
    district: Vec<String>,
    /// Import only the areas with these codes (repeat, or separate with commas), e.g.
    /// one police force's districts out of a file of every district in England.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    only: Vec<String>,
    /// GeoJSON FeatureCollections of Polygon/MultiPolygon areas (WGS84), or TopoJSON
    /// topologies of one object.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PopulationCommand {
    /// Import residents per area from a CSV (code, then one number or single-year-of-age columns).
    Import(PopulationImportArgs),
}

#[derive(Debug, Args)]
pub struct PopulationImportArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    /// The set the population is for, e.g. wards.
    #[arg(long)]
    set: String,
    /// The set whose codes the file uses, when it is another geography (e.g. msoa):
    /// the population is stored for that set and estimated for --set by areal
    /// weighting through H3 cells. Found by itself when not given.
    #[arg(long, value_name = "SET")]
    from_set: Option<String>,
    /// The CSV file.
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AreasFormat {
    Table,
    Json,
    Geojson,
    Csv,
}

#[derive(Debug, Args)]
pub struct AreasArgs {
    /// The boundary set to compare, e.g. wards.
    #[arg(long)]
    set: String,
    #[command(flatten)]
    q: QueryArgs,
    /// Sort by this field (rank, count, rate_per_1000, change, change_p, name, …).
    #[arg(long, default_value = "rank")]
    sort: String,
    /// asc or desc (default: rank, names and p-values ascending; other numbers descending).
    #[arg(long)]
    order: Option<String>,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    format: Option<AreasFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn open(db: &Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("cannot open {}", db.display()))
}

// ---------------------------------------------------------------- boundaries

pub fn boundaries(cmd: &BoundariesCommand) -> Result<ExitCode> {
    match cmd {
        BoundariesCommand::Import(a) => import_boundaries(a),
        BoundariesCommand::List { db } => list(db),
        BoundariesCommand::Dissolve { db, from, set } => dissolve(db, from, set),
    }
}

fn import_boundaries(a: &BoundaryImportArgs) -> Result<ExitCode> {
    if !a.district.is_empty() && a.district.len() != a.files.len() {
        bail!(
            "--district: give one per file ({} districts for {} files), in the files' order",
            a.district.len(),
            a.files.len()
        );
    }
    let mut areas: Vec<Area> = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (i, file) in a.files.iter().enumerate() {
        let props = BoundaryProperties {
            code: &a.code,
            name: &a.name,
            district: a.district_property.as_deref(),
        };
        let features = hexspot_ingest::read_boundaries(file, props)?;
        for f in features {
            if let Some(first) = seen.insert(f.code.clone(), file.clone()) {
                bail!(
                    "{}: area {} is also in {}; nothing was imported",
                    file.display(),
                    f.code,
                    first.display()
                );
            }
            areas.push(Area {
                code: f.code,
                name: f.name,
                district: a.district.get(i).cloned().or(f.district),
                shape: f.shape,
            });
        }
    }
    if !a.only.is_empty() {
        let missing: Vec<&str> = a
            .only
            .iter()
            .map(|c| c.trim())
            .filter(|c| !seen.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            bail!("--only: no area has the code(s) {missing:?} in the files; nothing was imported");
        }
        areas.retain(|ar| a.only.iter().any(|c| c.trim() == ar.code));
    }
    let source = a
        .files
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut store = open(&a.db)?;
    let info = store.save_boundary_set(&a.set, &a.code, &a.name, &source, None, &areas)?;
    eprintln!(
        "boundary set {:?}: {} areas in {} districts from {} file(s)",
        info.name,
        info.areas,
        info.districts,
        a.files.len()
    );
    if info.districts == 0 {
        eprintln!(
            "note: no districts (give --district NAME per file or --district-property PROP to get district roll-ups)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn list(db: &Path) -> Result<ExitCode> {
    let store = open(db)?;
    let sets = store.boundary_sets()?;
    if sets.is_empty() {
        eprintln!(
            "no boundary sets: import some with `hexspot boundaries import --set NAME --code PROP --name PROP FILE...`"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = new_table([
        "set",
        "areas",
        "districts",
        "with population",
        "estimated",
        "source",
        "imported",
    ]);
    for s in sets {
        t.add_row([
            s.name,
            s.areas.to_string(),
            s.districts.to_string(),
            s.with_population.to_string(),
            if s.population_estimated { "yes" } else { "no" }.to_owned(),
            s.derived_from
                .map_or(s.source.clone(), |d| format!("{} (from {d})", s.source)),
            s.imported_at,
        ]);
    }
    outln!("{t}");
    Ok(ExitCode::SUCCESS)
}

fn dissolve(db: &Path, from: &str, set: &str) -> Result<ExitCode> {
    let mut store = open(db)?;
    let Some((info, areas)) = store.load_boundary_set(from)? else {
        bail!("there is no boundary set {from:?} (see `hexspot boundaries list`)");
    };
    let districts = hexspot_engine::dissolve_by_district(&areas).map_err(|code| {
        anyhow::anyhow!(
            "area {code} of {from:?} has no district: import the set with --district or --district-property"
        )
    })?;
    let source = "dissolved by district".to_owned();
    store.save_boundary_set(
        set,
        &info.code_property,
        &info.name_property,
        &source,
        Some(from),
        &districts,
    )?;
    // the districts' residents are their areas' residents
    let population = store.load_population(from)?;
    let by_code: HashMap<&str, (f64, bool)> = population
        .iter()
        .map(|p| (p.code.as_str(), (p.population, p.estimated)))
        .collect();
    // a district is given a population only when every one of its areas has one
    let mut sums: HashMap<&str, Option<(f64, bool)>> = HashMap::new();
    for a in &areas {
        if let Some(d) = a.district.as_deref() {
            let sum = sums.entry(d).or_insert(Some((0.0, false)));
            *sum = sum
                .zip(by_code.get(a.code.as_str()))
                .map(|((v, e), &(p, pe))| (v + p, e || pe));
        }
    }
    let records: Vec<PopulationRecord> = districts
        .iter()
        .filter_map(|d| {
            let (population, estimated) = sums.get(d.code.as_str()).copied().flatten()?;
            Some(PopulationRecord {
                code: d.code.clone(),
                population,
                estimated,
            })
        })
        .collect();
    if !records.is_empty() {
        let src = population.first().map_or("", |p| p.source.as_str());
        store.save_population(set, &records, &format!("summed from {from:?}: {src}"))?;
    }
    eprintln!(
        "boundary set {set:?}: {} districts dissolved from the {} areas of {from:?}; population for {} of them",
        districts.len(),
        areas.len(),
        records.len()
    );
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- population

pub fn population(cmd: &PopulationCommand) -> Result<ExitCode> {
    let PopulationCommand::Import(a) = cmd;
    let file = hexspot_ingest::read_population(&a.file)?;
    let mut store = open(&a.db)?;
    let sets = store.boundary_sets()?;
    if !sets.iter().any(|s| s.name == a.set) {
        bail!(
            "there is no boundary set {:?}: import it first with `hexspot boundaries import --set {} …` (sets: {})",
            a.set,
            a.set,
            names(&sets)
        );
    }
    let file_name = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let summed = if file.columns_summed > 1 {
        format!(" ({} columns summed)", file.columns_summed)
    } else {
        String::new()
    };
    // every set, read once: their codes say which geography the file is for
    let loaded = AreaSet::load_all(&store)?;
    let set = |name: &str| loaded.iter().find(|s| s.info.name == name);
    let matching = |s: &AreaSet| {
        file.records
            .iter()
            .filter(|(c, _)| s.area(c).is_some())
            .count()
    };
    // the file's geography: the set asked for, else --from-set, else the set its codes fit best
    let target = set(&a.set).context("the set was listed")?;
    let source = if let Some(name) = &a.from_set {
        set(name).with_context(|| {
            format!("there is no boundary set {name:?} (sets: {})", names(&sets))
        })?
    } else if matching(target) > 0 {
        target
    } else {
        let best = loaded
            .iter()
            .filter(|s| s.info.name != a.set)
            .map(|s| (matching(s), s))
            .filter(|&(n, _)| n > 0)
            .max_by_key(|&(n, _)| n);
        let Some((_, s)) = best else {
            let sample: Vec<&str> = file
                .records
                .iter()
                .take(3)
                .map(|(c, _)| c.as_str())
                .collect();
            bail!(
                "{}: no code in the file ({}, …) is an area of {:?} or of any other set ({}); import the boundaries these codes belong to (e.g. MSOAs) as a set, then import the population again",
                a.file.display(),
                sample.join(", "),
                a.set,
                names(&sets)
            );
        };
        eprintln!(
            "the file's codes are areas of {:?}: estimating {:?} from them",
            s.info.name, a.set
        );
        s
    };
    let source_set = &source.info.name;
    let records: Vec<PopulationRecord> = file
        .records
        .iter()
        .filter(|(c, _)| source.area(c).is_some())
        .map(|(c, v)| PopulationRecord {
            code: c.clone(),
            population: *v,
            estimated: false,
        })
        .collect();
    if records.is_empty() {
        bail!(
            "{}: no code in the file is an area of {source_set:?}",
            a.file.display()
        );
    }
    let by_code: HashMap<&str, f64> = records
        .iter()
        .map(|r| (r.code.as_str(), r.population))
        .collect();
    let skipped = file.records.len() - records.len();
    let how_read = format!("{file_name}{summed}");
    store.save_population(source_set, &records, &how_read)?;
    let areas = source.index.areas().len();
    let missing = areas - records.len();
    eprintln!(
        "{source_set:?}: population for {} of {areas} areas (total {:.0}) from {how_read}; {skipped} rows for other areas skipped{}",
        records.len(),
        records.iter().map(|r| r.population).sum::<f64>(),
        if missing > 0 {
            format!("; {missing} areas have none in the file")
        } else {
            String::new()
        }
    );
    if source_set == &a.set {
        return Ok(ExitCode::SUCCESS);
    }
    // estimate the target set's residents from the source set's, through H3 cells
    let src_pop: Vec<Option<f64>> = source
        .index
        .areas()
        .iter()
        .map(|area| by_code.get(area.code.as_str()).copied())
        .collect();
    let res = hexspot_engine::RECOMMENDED_RESOLUTION;
    let est = hexspot_engine::estimate_population(&source.index, &src_pop, &target.index, res);
    let estimated: Vec<PopulationRecord> = target
        .index
        .areas()
        .iter()
        .zip(&est.population)
        .filter_map(|(area, p)| {
            Some(PopulationRecord {
                code: area.code.clone(),
                population: (*p)?,
                estimated: true,
            })
        })
        .collect();
    let how = format!(
        "estimated from {source_set:?} population ({how_read}) by {}",
        hexspot_engine::estimate::METHOD
    );
    store.save_population(&a.set, &estimated, &how)?;
    eprintln!(
        "{:?}: estimated population for {} of {} areas (total {:.0}; {:.0} residents fell in no area), by areal weighting through H3 res-{} cells — labelled as estimates in every output",
        a.set,
        estimated.len(),
        target.index.areas().len(),
        estimated.iter().map(|r| r.population).sum::<f64>(),
        est.unassigned,
        est.resolution
    );
    Ok(ExitCode::SUCCESS)
}

fn names(sets: &[hexspot_store::BoundarySetInfo]) -> String {
    if sets.is_empty() {
        "none".to_owned()
    } else {
        sets.iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// ---------------------------------------------------------------- areas

pub fn run(a: &AreasArgs) -> Result<ExitCode> {
    let (sort, descending) = sort_order(Some(&a.sort), a.order.as_deref())
        .map_err(|e| anyhow::anyhow!("--sort/--order: {e}"))?;
    let p = a.q.prepare(RankBy::Count, Limit::Top(1))?;
    let set = p.snap.area_set(&a.set)?;
    let filter = &with_period(&p.query.filter, &p.snap.table);
    let c = set.compare(&p.snap.table, filter, &p.harm, sort, descending)?;
    let meta = set.meta();
    let sort_name = format!("{sort} {}", if descending { "desc" } else { "asc" });
    let format = a.format.unwrap_or(
        if a.out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            AreasFormat::Table
        } else {
            AreasFormat::Json
        },
    );
    let mut out = output(a.out.as_ref())?;
    match format {
        AreasFormat::Table => table(&meta, &c, &mut out)?,
        AreasFormat::Json => {
            let v = comparison_json(&meta, filter, &c, &p.harm, &sort_name);
            hexspot_export::write_json_line(&v, &mut out)?;
        }
        AreasFormat::Geojson => {
            let shapes: Vec<&geo::MultiPolygon<f64>> =
                set.index.areas().iter().map(|a| &a.shape).collect();
            let v = comparison_geojson(&meta, filter, &c, &p.harm, &sort_name, &shapes);
            hexspot_export::write_json_line(&v, &mut out)?;
        }
        AreasFormat::Csv => write_comparison_csv(&meta, filter, &c, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn change_text(change: Option<i64>, p: Option<f64>) -> String {
    match (change, p) {
        (Some(c), Some(p)) => {
            let arrow = match c.signum() {
                1 => "▲",
                -1 => "▼",
                _ => "=",
            };
            let sig = if p < 0.05 { " *" } else { "" };
            format!("{arrow} {c:+} (p {p:.3}){sig}")
        }
        (Some(c), None) => format!("{c:+}"),
        _ => "—".to_owned(),
    }
}

fn table(
    meta: &hexspot_export::areas::AreaSetMeta<'_>,
    c: &Comparison,
    out: &mut dyn Write,
) -> Result<()> {
    let estimated = c.rows.iter().any(|r| r.population_estimated);
    writeln!(
        out,
        "{} areas of {:?}, {} to {}: {} incidents in them ({} more outside every area); ranked by {}",
        c.rows.len(),
        meta.name,
        c.period.from(),
        c.period.to(),
        c.total_count,
        c.outside,
        c.rank_by
    )?;
    match (&c.previous_period, c.previous_covered) {
        (Some(p), true) => writeln!(
            out,
            "change: against {} to {} ({} incidents); p from the exact test for two Poisson counts; * p < 0.05",
            p.from(),
            p.to(),
            c.previous_total.unwrap_or(0)
        )?,
        _ => writeln!(
            out,
            "change: not available — {}",
            c.previous_note.as_deref().unwrap_or("no previous period")
        )?,
    }
    let pop_head = if estimated {
        "population (est.)"
    } else {
        "population"
    };
    let mut t = new_table([
        "rank",
        "code",
        "name",
        "district",
        "count",
        "harm",
        pop_head,
        "per 1,000",
        "district share",
        "previous",
        "change",
    ]);
    for r in &c.rows {
        t.add_row([
            r.rank.to_string(),
            r.code.clone(),
            r.name.clone(),
            r.district.clone().unwrap_or_default(),
            r.count.to_string(),
            fmt_opt(Some(r.harm), 1),
            r.population.map_or_else(
                || "—".to_owned(),
                |p| {
                    format!(
                        "{p:.0}{}",
                        if r.population_estimated { " est." } else { "" }
                    )
                },
            ),
            fmt_opt(r.rate_per_1000, 2),
            r.district_share
                .map_or_else(|| "—".to_owned(), |s| format!("{:.1} %", s * 100.0)),
            r.previous_count
                .map_or_else(|| "—".to_owned(), |v| v.to_string()),
            change_text(r.change, r.change_p),
        ]);
    }
    writeln!(out, "{t}")?;
    if !c.districts.is_empty() {
        let mut d = new_table([
            "rank",
            "district",
            "areas",
            "count",
            pop_head,
            "per 1,000",
            "previous",
            "change",
        ]);
        for r in &c.districts {
            d.add_row([
                r.rank.to_string(),
                r.name.clone(),
                r.areas.to_string(),
                r.count.to_string(),
                r.population
                    .map_or_else(|| "—".to_owned(), |p| format!("{p:.0}")),
                fmt_opt(r.rate_per_1000, 2),
                r.previous_count
                    .map_or_else(|| "—".to_owned(), |v| v.to_string()),
                change_text(r.change, r.change_p),
            ]);
        }
        writeln!(out, "districts:\n{d}")?;
    }
    if let Some(src) = meta.population_source.filter(|_| estimated) {
        writeln!(out, "est.: population {src}")?;
    }
    Ok(())
}
