//! `hexspot import`, `hexspot imports`, `hexspot rejected`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use hexspot_ingest::{ColumnMap, ReadOptions, ReadSummary};
use hexspot_store::{ImportOptions, ImportOutcome, Store};
use indicatif::{ProgressBar, ProgressStyle};

/// Rejected rows listed per file on the terminal (all are kept in the store).
const SHOW_REJECTED: usize = 20;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Database file (created if missing).
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    /// Refuse a whole file if any of its rows is bad.
    #[arg(long)]
    strict: bool,
    /// Map a field to a column: e.g. --map easting=X --map datetime=Committed.
    /// Fields: id, datetime, date, time, month, longitude, latitude, easting, northing,
    /// crime_type, offence, knife, domestic, victim_under_25, weight.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// A file of `field = Column` lines (the same as repeated --map).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Replace import ID (see `hexspot imports`) with the file: its rows go and the
    /// file's come in, in one transaction — for a corrected file, or the same file
    /// again, after an import that rejected rows. One file only.
    #[arg(long, value_name = "ID")]
    replace: Option<u32>,
    /// Files to import: .csv (police.uk or mapped) or .geojson/.json (Point features).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn columns(args: &ImportArgs) -> Result<ColumnMap> {
    let mut map = match &args.mapping {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            ColumnMap::parse_file(&text).with_context(|| format!("{}", p.display()))?
        }
        None => ColumnMap::default(),
    };
    for pair in &args.map {
        map.add_pair(pair)?;
    }
    Ok(map)
}

fn progress_for(path: &Path) -> Option<ProgressBar> {
    let len = std::fs::metadata(path).ok()?.len();
    if !std::io::stderr().is_terminal() || len < 4 << 20 {
        return None;
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(path.display().to_string());
    Some(bar)
}

fn print_summary(s: &ReadSummary, path: &Path) -> Result<()> {
    for (code, n) in s.rejections_by_reason() {
        outln!("  rejected {n:>7}  {code}");
    }
    for r in s.rejected.iter().take(SHOW_REJECTED) {
        outln!("  {}:{}: {}", path.display(), r.line, r.reason);
    }
    if s.rejected.len() > SHOW_REJECTED {
        outln!(
            "  … and {} more rejected rows",
            s.rejected.len() - SHOW_REJECTED
        );
    }
    for n in &s.notes {
        outln!("  note: {n}");
    }
    Ok(())
}

pub fn run(args: &ImportArgs) -> Result<ExitCode> {
    let options = ImportOptions {
        read: ReadOptions {
            columns: columns(args)?,
        },
        strict: args.strict,
        replace: args.replace,
    };
    if args.replace.is_some() && args.files.len() != 1 {
        anyhow::bail!("--replace takes exactly one file");
    }
    let mut store = Store::open(&args.db)
        .with_context(|| format!("cannot open database {}", args.db.display()))?;
    let mut failed = false;
    for path in &args.files {
        let bar = progress_for(path);
        let mut tick = |b: u64| {
            if let Some(bar) = &bar {
                bar.set_position(b);
            }
        };
        let name = path.display().to_string();
        let outcome = store.import_file(path, &name, &options, &mut tick);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match outcome {
            Ok(ImportOutcome::Imported {
                info,
                summary,
                replaced,
            }) => {
                let lines = if summary.lines > 0 {
                    format!("{} lines, ", summary.lines)
                } else {
                    String::new()
                };
                outln!(
                    "{name}: {} — {lines}{} rows read, {} imported, {} rejected (import #{})",
                    summary.format.name(),
                    summary.rows_read,
                    summary.rows_accepted,
                    summary.rejected.len(),
                    info.id
                );
                if let Some(old) = replaced {
                    outln!(
                        "  replaces import #{} ({}, {} rows imported, {} rejected), whose rows are gone",
                        old.id,
                        old.file_name,
                        old.rows_imported,
                        old.rows_rejected
                    );
                }
                print_summary(&summary, path)?;
                if !summary.rejected.is_empty() {
                    outln!(
                        "  all rejected rows are kept in the store: hexspot rejected --import {}; once the file is corrected, import it with --replace {}",
                        info.id,
                        info.id
                    );
                }
            }
            Ok(ImportOutcome::AlreadyImported { existing }) => {
                outln!(
                    "{name}: already imported as #{} ({}, {}); nothing added",
                    existing.id,
                    existing.file_name,
                    existing.imported_at
                );
                if existing.rows_rejected > 0 {
                    outln!(
                        "  that import rejected {} rows; to import these bytes again (say, after an upgrade that reads them), use --replace {}",
                        existing.rows_rejected,
                        existing.id
                    );
                }
            }
            Ok(ImportOutcome::Refused { summary }) => {
                failed = true;
                outln!(
                    "{name}: refused (--strict): {} of {} rows are bad; nothing was imported",
                    summary.rejected.len(),
                    summary.rows_read
                );
                print_summary(&summary, path)?;
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {name}: {e}; nothing from this file was imported");
            }
        }
    }
    outln!(
        "{}: {} incidents in {} imports",
        args.db.display(),
        store.incident_count()?,
        store.imports()?.len()
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn list(db: &Path) -> Result<ExitCode> {
    let store = Store::open(db)?;
    let mut t = crate::new_table([
        "id",
        "file",
        "format",
        "read",
        "imported",
        "rejected",
        "imported at (UTC)",
        "sha256",
    ]);
    for i in store.imports()? {
        t.add_row([
            i.id.to_string(),
            i.file_name,
            i.format,
            i.rows_read.to_string(),
            i.rows_imported.to_string(),
            i.rows_rejected.to_string(),
            i.imported_at,
            i.sha256[..12].to_owned(),
        ]);
    }
    outln!("{t}");
    Ok(ExitCode::SUCCESS)
}

pub fn rejected(db: &Path, import: u32) -> Result<ExitCode> {
    let store = Store::open(db)?;
    let info = store
        .imports()?
        .into_iter()
        .find(|i| i.id == import)
        .with_context(|| format!("no import #{import} in {}", db.display()))?;
    for (line, _code, reason, raw) in store.rejected_rows(import)? {
        outln!("{}:{line}: {reason}\t{raw}", info.file_name);
    }
    Ok(ExitCode::SUCCESS)
}
