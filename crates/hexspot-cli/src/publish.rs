//! `hexspot publish`: the public product, with disclosure control, written to a
//! directory and recorded in the store for the server's public routes; and
//! `hexspot publish --audit DIR`, the differencing audit of published files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use hexspot_engine::publish::{AuditFinding, PublishedValue, audit};
use hexspot_engine::{PublishParams, publication};
use hexspot_export::publish::{
    CSV_FILE, Files, GEOJSON_FILE, META_FILE, PublicationContext, RULE, read_csv, read_geojson,
};
use hexspot_store::{NewPublication, Store};

use crate::hotspots::flag_error;

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    #[command(flatten)]
    params: PublishParams,
    /// Write cells.geojson, cells.csv and publication.json into this directory
    /// (created if needed), and record the publication in the store for `hexspot serve`.
    #[arg(long, value_name = "DIR", required_unless_present = "audit")]
    out: Option<PathBuf>,
    /// Instead of publishing: audit the files published in DIR, deriving every count
    /// they give; exits non-zero, naming each, when any is 1–9 or not rounded.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    audit: Option<PathBuf>,
}

pub fn run(a: &PublishArgs) -> Result<ExitCode> {
    if let Some(dir) = &a.audit {
        return run_audit(dir);
    }
    let out = a.out.as_ref().expect("clap requires --out without --audit");
    let query = a.params.query().map_err(flag_error)?;
    if !a.db.exists() {
        bail!(
            "no database at {}: import data first with `hexspot import --db {} FILE...`",
            a.db.display(),
            a.db.display()
        );
    }
    let mut store =
        Store::open(&a.db).with_context(|| format!("cannot open {}", a.db.display()))?;
    let snap = hexspot_data::Snapshot::load_with(&store, &[query.resolution.get()])?;
    if snap.table.is_empty() {
        bail!("{} holds no incidents: import data first", a.db.display());
    }
    let product = publication(&snap.table, &query)?;
    let made_at = store.now_utc()?;
    let ctx = PublicationContext {
        publication: &product,
        made_at: &made_at,
        imports: &snap.sources,
    };
    let files = Files::of(&ctx)?;
    // what is written is what passes: audited before it leaves
    let found = audit(&[
        (GEOJSON_FILE, &read_geojson(&files.geojson)?),
        (CSV_FILE, &read_csv(&files.csv)?),
    ]);
    if !found.is_empty() {
        report(&found);
        bail!("the product failed its own audit: nothing was written");
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, bytes) in files.named() {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let q = &a.params;
    let stated = [
        format!("res={}", query.resolution.get()),
        format!("from={}", query.from),
        format!("to={}", query.to),
    ]
    .into_iter()
    .chain(q.crime_type.iter().map(|c| format!("crime_type={c}")))
    .chain(q.offence.iter().map(|o| format!("offence={o}")))
    .chain(q.knife.then(|| "knife".to_owned()))
    .chain(q.under_25.then(|| "under_25".to_owned()))
    .chain(q.bbox.iter().map(|b| format!("bbox={b}")))
    .collect::<Vec<_>>()
    .join(" ");
    let id = store.record_publication(&NewPublication {
        publication: &product,
        made_at: &made_at,
        query: &stated,
        geojson: &files.geojson,
        csv: &files.csv,
        metadata: &files.metadata,
    })?;
    eprintln!(
        "published {} cells × {} months at H3 resolution {} ({} values, {} suppressed) to {}",
        product.cells.len(),
        query.months().len(),
        query.resolution.get(),
        product.values.len(),
        product.suppressed(),
        out.display()
    );
    eprintln!("rule: {RULE}");
    eprintln!(
        "recorded as publication #{id} in {}: `hexspot serve` answers /public/v1/ with it",
        a.db.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

fn report(found: &[AuditFinding]) {
    for f in found {
        let cell = h3o::CellIndex::try_from(f.cell).map_or(f.cell.to_string(), |c| c.to_string());
        eprintln!("{}: cell {cell}, {}: {}", f.copy, f.month, f.finding);
    }
}

/// The differencing audit of `dir`'s published files.
fn run_audit(dir: &Path) -> Result<ExitCode> {
    let geojson: Vec<PublishedValue> = read_geojson(&read(dir, GEOJSON_FILE)?)
        .with_context(|| format!("{GEOJSON_FILE} is not the product as published"))?;
    let csv: Vec<PublishedValue> = read_csv(&read(dir, CSV_FILE)?)
        .with_context(|| format!("{CSV_FILE} is not the product as published"))?;
    // publication.json is the GeoJSON's `hexspot` member, nothing more
    let meta: serde_json::Value = serde_json::from_slice(&read(dir, META_FILE)?)
        .with_context(|| format!("{META_FILE} is not JSON"))?;
    let member: serde_json::Value = serde_json::from_slice(&read(dir, GEOJSON_FILE)?)?;
    if member.get("hexspot") != Some(&meta) {
        eprintln!(
            "{META_FILE}: it is not the hexspot member of {GEOJSON_FILE}: it may carry a count"
        );
        return Ok(ExitCode::FAILURE);
    }
    let found = audit(&[(GEOJSON_FILE, &geojson), (CSV_FILE, &csv)]);
    if !found.is_empty() {
        report(&found);
        eprintln!(
            "audit of {}: {} value(s) would disclose a count (see above)",
            dir.display(),
            found.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    outln!(
        "audit of {}: nothing found — {} values in {GEOJSON_FILE} and {} in {CSV_FILE}, each 0, \
         suppressed or a multiple of 5 from 10, alike in both; no totals are published, so no \
         other count can be derived",
        dir.display(),
        geojson.len(),
        csv.len()
    );
    Ok(ExitCode::SUCCESS)
}
