//! `hexspot users …` and `hexspot audit …`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};
use hexspot_engine::Day;
use hexspot_store::{AuditCheck, AuditRecord, Role, Store, UserName};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user and print their token, once (the store keeps only its SHA-256).
    Add {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
        /// The user's name: letters, digits, '.', '_', '-', '@'.
        name: UserName,
        /// What they may see: analyst (everything), partner (aggregates only), public
        /// (the published product only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List the users: name, role, when added and when revoked (never their tokens).
    List {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
    },
    /// Revoke a user's token from now on (the user stays listed, with the time).
    Revoke {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
        /// The user's name.
        name: UserName,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; fails, naming the first bad record, when a
    /// record was edited, deleted or moved.
    Verify {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
    },
    /// Write the audit records of a period (UTC days, both included) to standard output.
    Export {
        /// Database file.
        #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
        db: PathBuf,
        /// First day (YYYY-MM-DD); from the first record when left out.
        #[arg(long)]
        from: Option<Day>,
        /// Last day (YYYY-MM-DD); to the last record when left out.
        #[arg(long)]
        to: Option<Day>,
        /// csv or json.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// One row a record, with a header.
    Csv,
    /// An array of objects.
    Json,
}

fn parse_role(s: &str) -> Result<Role, hexspot_store::UnknownRole> {
    s.parse()
}

fn open(db: &Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("cannot open {}", db.display()))
}

pub fn users(cmd: &UsersCommand) -> Result<ExitCode> {
    match cmd {
        UsersCommand::Add { db, name, role } => {
            let (user, token) = open(db)?.add_user(name, *role)?;
            outln!("{}", token.expose());
            eprintln!(
                "added {} ({}). The token above is shown only once: the store keeps only its hash. \
                 Hand it to {} privately; they send it as `Authorization: Bearer TOKEN`.",
                user.name, user.role, user.name
            );
        }
        UsersCommand::List { db } => {
            let mut t = crate::new_table(["name", "role", "added (UTC)", "revoked (UTC)"]);
            for u in open(db)?.users()? {
                t.add_row([
                    u.name.to_string(),
                    u.role.to_string(),
                    u.created_at,
                    u.revoked_at.unwrap_or_default(),
                ]);
            }
            outln!("{t}");
        }
        UsersCommand::Revoke { db, name } => {
            let user = open(db)?.revoke_user(name)?;
            outln!(
                "revoked {} ({}) at {}",
                user.name,
                user.role,
                user.revoked_at.unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(cmd: &AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db } => {
            let store = open(db)?;
            match store.verify_audit()? {
                AuditCheck::Intact { records, head } => {
                    outln!("audit log intact: {records} records, last hash {head}");
                    Ok(ExitCode::SUCCESS)
                }
                AuditCheck::Broken { seq, problem } => {
                    eprintln!("error: audit log broken at record {seq}: {problem}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Export {
            db,
            from,
            to,
            format,
        } => {
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                anyhow::bail!("--from {f} is after --to {t}");
            }
            let records = open(db)?.audit_records(*from, *to)?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                ExportFormat::Csv => write_csv(&records, &mut out)?,
                ExportFormat::Json => {
                    let rows: Vec<_> = records.iter().map(to_json).collect();
                    serde_json::to_writer_pretty(&mut out, &rows)?;
                    use std::io::Write as _;
                    writeln!(out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

const HEADER: [&str; 12] = [
    "seq",
    "time",
    "user",
    "role",
    "action",
    "query",
    "rows",
    "recipient",
    "purpose",
    "client",
    "prev_hash",
    "hash",
];

fn write_csv(records: &[AuditRecord], out: &mut impl std::io::Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for r in records {
        w.write_record([
            r.seq.to_string(),
            r.time.clone(),
            r.user.clone().unwrap_or_default(),
            r.role.clone().unwrap_or_default(),
            r.action.clone(),
            r.query.clone(),
            r.rows.map(|n| n.to_string()).unwrap_or_default(),
            r.recipient.clone().unwrap_or_default(),
            r.purpose.clone().unwrap_or_default(),
            r.client.clone().unwrap_or_default(),
            r.prev_hash.clone(),
            r.hash.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn to_json(r: &AuditRecord) -> serde_json::Value {
    serde_json::json!({
        "seq": r.seq,
        "time": r.time,
        "user": r.user,
        "role": r.role,
        "action": r.action,
        "query": r.query,
        "rows": r.rows,
        "recipient": r.recipient,
        "purpose": r.purpose,
        "client": r.client,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    })
}
