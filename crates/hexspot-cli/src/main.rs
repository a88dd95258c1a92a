//! `hexspot`: import incidents, rank H3 hotspots, serve them over HTTP, make synthetic data.

/// `println!` that returns an error instead of panicking (e.g. on a closed pipe).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($t)*)?;
    }};
}

mod areas;
mod backtest;
mod emerging;
mod hotspots;
mod import;
mod plan;
mod publish;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc keeps freed pages for the next query (see the workspace's Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// H3 hotspot analysis of violence incidents (police.uk and force extracts).
#[derive(Debug, Parser)]
#[command(name = "hexspot", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import incident files (police.uk CSV, force-extract CSV, GeoJSON points) into the store.
    Import(import::ImportArgs),
    /// Rank H3 cells by Getis-Ord Gi* (or count, or harm) for a filtered set of incidents.
    Hotspots(Box<hotspots::HotspotArgs>),
    /// Emerging hot spots: space-time Gi* over monthly slices, Mann-Kendall trends and
    /// the categories new, consecutive, intensifying, persistent, diminishing, sporadic,
    /// oscillating and historical (hot and cold).
    Emerging(Box<emerging::EmergingArgs>),
    /// Kernel density (quartic) at H3 cell centres.
    Kde(Box<emerging::KdeArgs>),
    /// Pick patrol areas within a budget: merged hotspot cells, their share of harm, peak windows and dose.
    Plan(Box<plan::PlanArgs>),
    /// Backtest ways of ranking cells (count, harm, Gi*, KDE) over rolling-origin folds:
    /// hit rate, PAI, PEI, RRI and harm capture of each method's top cells in the next months.
    Backtest(Box<backtest::BacktestArgs>),
    /// Did it work: counts before and after in a treated area, its control and the
    /// displacement ring around it, and their weighted displacement difference (WDD).
    Evaluate(Box<backtest::EvaluateArgs>),
    /// Compare the areas of a boundary set (wards, districts): counts, rates per 1,000
    /// residents, ranks, district shares and change against the previous period.
    Areas(Box<areas::AreasArgs>),
    /// Boundary sets: import, list, dissolve into districts.
    #[command(subcommand)]
    Boundaries(areas::BoundariesCommand),
    /// Residents per area.
    #[command(subcommand)]
    Population(areas::PopulationCommand),
    /// The public product: counts per H3 cell (resolution 8 or 9) and month, 1–9
    /// suppressed and the rest rounded to the nearest 5, as GeoJSON and CSV in a
    /// directory and recorded for the server's /public/v1/ routes; `--audit DIR` checks
    /// published files.
    Publish(Box<publish::PublishArgs>),
    /// Serve hotspots, cells and vector tiles over HTTP (see /api/v1/openapi.json).
    Serve(Box<serve::ServeArgs>),
    /// Users and their tokens (roles: analyst, partner, public).
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// The audit log of who consulted what: verify its hash chain, export a period.
    #[command(subcommand)]
    Audit(users::AuditCommand),
    /// List the imports in the store.
    Imports {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
    },
    /// List the rows an import rejected, with line numbers and reasons.
    Rejected {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
        /// The import's id (see `hexspot imports`).
        #[arg(long)]
        import: u32,
    },
    /// Write reproducible synthetic incidents over West Yorkshire (with date-times).
    Synth {
        /// Number of rows.
        #[arg(long)]
        rows: u64,
        /// Random seed: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First day (YYYY-MM-DD).
        #[arg(long, default_value = "2024-01-01")]
        start: chrono::NaiveDate,
        /// Number of months covered.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
    },
}

/// A terminal table in the house style, with this header.
fn new_table<const N: usize>(header: [&str; N]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    t.set_header(header);
    t
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => import::run(&args),
        Command::Hotspots(args) => hotspots::run(&args),
        Command::Emerging(args) => emerging::run(&args),
        Command::Kde(args) => emerging::run_kde(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Backtest(args) => backtest::run_backtest(&args),
        Command::Evaluate(args) => backtest::run_evaluate(&args),
        Command::Areas(args) => areas::run(&args),
        Command::Boundaries(cmd) => areas::boundaries(&cmd),
        Command::Population(cmd) => areas::population(&cmd),
        Command::Publish(args) => publish::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Users(cmd) => users::users(&cmd),
        Command::Audit(cmd) => users::audit(&cmd),
        Command::Imports { db } => import::list(&db),
        Command::Rejected { db, import } => import::rejected(&db, import),
        Command::Synth {
            rows,
            seed,
            start,
            months,
            out,
        } => synth(rows, seed, start, months, &out),
    };
    match result {
        Ok(code) => code,
        // the reader went away (`hexspot … | head`): not an error
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn synth(
    rows: u64,
    seed: u64,
    start: chrono::NaiveDate,
    months: u32,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    if months == 0 {
        anyhow::bail!("--months must be at least 1");
    }
    let cfg = hexspot_synth::SynthConfig {
        rows,
        seed,
        start,
        months,
    };
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let n = hexspot_synth::write_csv(&cfg, file)
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote {n} synthetic incidents ({} to {}, seed {seed}) to {}",
        cfg.start,
        cfg.end_date(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
