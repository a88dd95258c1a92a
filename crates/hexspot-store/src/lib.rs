//! The system of record: an embedded SQLite database (one file, WAL mode).
//!
//! It keeps the imports (file name, SHA-256, counts, time), the incidents and the
//! rejected rows with their reasons, and named boundary sets (areas with their shapes,
//! and each set's population), under a versioned schema. The engine never reads
//! it directly: each import also rewrites the columnar snapshot the engine queries, as
//! column blobs in the same transaction, and [`Store::load_table`] reads those.
//!
//! *Boundary*: only this crate knows SQL.

mod areas;
mod audit;
mod batch;
mod codec;
mod publications;
mod record;
mod schema;
mod snapshot;
mod users;

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use hexspot_engine::{
    Day, Flags, IncidentRow, IncidentTable, IncidentTableBuilder, LonLat, MinuteOfDay, PointCells,
    Resolution, TableError, YearMonth,
};
use hexspot_ingest::{IngestError, ReadOptions, ReadSummary, Record, read_file};

pub use areas::{BoundarySetInfo, PopulationRecord, StoredPopulation};
pub use audit::{AuditCheck, AuditEntry, AuditRecord, ChainBreak, GENESIS};
use batch::{Batch, field};
pub use publications::{NewPublication, StoredPublication, StoredValue};
use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::FxHashMap;
use thiserror::Error;
pub use users::{
    InvalidUserName, Role, TOKEN_PREFIX, Token, TokenHash, UnknownRole, UserInfo, UserName,
};

/// The database file used when none is named: `hexspot.db` in the working directory.
pub const DEFAULT_DB: &str = "hexspot.db";

/// A store failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The database was written by a newer hexspot.
    #[error("{path}: schema version {found} is newer than this hexspot understands ({supported})")]
    TooNew {
        /// the file
        path: PathBuf,
        /// version found
        found: i64,
        /// newest known
        supported: i64,
    },
    /// Reading the file failed as a whole.
    #[error(transparent)]
    Ingest(#[from] IngestError<WriterGone>),
    /// The stored column snapshot does not fit together (a corrupted database).
    #[error("stored snapshot, column {column}: {reason}")]
    CorruptSnapshot {
        /// the column
        column: String,
        /// what was wrong
        reason: String,
    },
    /// The rows cannot be held as one table (more distinct names than codes).
    #[error(transparent)]
    Table(#[from] TableError),
    /// A stored value the engine rejects (a corrupted database).
    #[error("stored row {id} is invalid: {reason}")]
    Corrupt {
        /// incidents.id
        id: i64,
        /// what was wrong
        reason: String,
    },
    /// A boundary set that cannot be saved as given (empty name, no areas, a repeated
    /// code, a non-finite coordinate); nothing was written.
    #[error("boundary set {set:?}: {reason}")]
    InvalidBoundarySet {
        /// the set's name as given
        set: String,
        /// what was wrong
        reason: String,
    },
    /// No boundary set has this name.
    #[error("no boundary set named {set:?} (known: {})", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownBoundarySet {
        /// the name asked for
        set: String,
        /// the names of the stored sets
        known: Vec<String>,
    },
    /// Population records name codes that are not areas of the set; nothing was written.
    #[error("{count} population code(s) are not areas of boundary set {set:?}: {}{}", codes.join(", "), if *count > codes.len() { ", …" } else { "" })]
    UnknownAreaCodes {
        /// the set
        set: String,
        /// the first few unknown codes (at most 5)
        codes: Vec<String>,
        /// how many codes were unknown in all
        count: usize,
    },
    /// Population records that cannot be saved (a repeated code, a value that is not a
    /// finite number ≥ 0); nothing was written.
    #[error("population for boundary set {set:?}: {reason}")]
    InvalidPopulation {
        /// the set
        set: String,
        /// what was wrong
        reason: String,
    },
    /// `replace` names an import that is not in the store; nothing was written.
    #[error("there is no import #{0} to replace (see hexspot imports)")]
    NoSuchImport(u32),
    /// A user of that name exists already (revoked users keep their names).
    #[error("there is already a user named {0}")]
    UserExists(UserName),
    /// No user has this name.
    #[error("there is no user named {0} (see hexspot users list)")]
    NoSuchUser(UserName),
    /// The user's token was revoked already.
    #[error("user {0} was already revoked at {1}")]
    AlreadyRevoked(UserName, String),
    /// A stored user cannot be read back (a corrupted database).
    #[error("stored user {name:?}: {reason}")]
    CorruptUser {
        /// the name as stored
        name: String,
        /// what was wrong
        reason: String,
    },
    /// The operating system could not provide random bytes for a token.
    #[error("no randomness from the operating system for a token: {0}")]
    Random(getrandom::Error),
    /// A stored area's geometry cannot be read back (a corrupted database).
    #[error("boundary set {set:?}, area {code}: stored geometry is invalid: {reason}")]
    CorruptArea {
        /// the set
        set: String,
        /// the area's code
        code: String,
        /// what was wrong
        reason: String,
    },
    /// A stored publication's value the disclosure rule could not have made (a
    /// corrupted or tampered database): it is not served.
    #[error("stored publication {id}: {reason}")]
    CorruptPublication {
        /// the publication's id
        id: i64,
        /// what was wrong
        reason: String,
    },
}

impl StoreError {
    /// Whether another connection holds the database (SQLite's busy or locked, after
    /// the busy timeout): worth trying again shortly, not a fault.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    }
}

/// The reading thread's sink error: the writing thread stopped (its own error is the
/// one reported).
#[derive(Debug, Error)]
#[error("the database writer stopped")]
pub struct WriterGone;

/// One import as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    /// Its id (incidents refer to it).
    pub id: u32,
    /// The file name as given.
    pub file_name: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// How the file was read.
    pub format: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows imported.
    pub rows_imported: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// When (UTC, ISO 8601).
    pub imported_at: String,
}

/// What an import did.
#[derive(Debug)]
pub enum ImportOutcome {
    /// The good rows were written, in one transaction.
    Imported {
        /// The record of it.
        info: ImportInfo,
        /// What reading found (rejections, notes).
        summary: ReadSummary,
        /// The import it replaced ([`ImportOptions::replace`]), now gone with its rows.
        replaced: Option<Box<ImportInfo>>,
    },
    /// A file with the same content is already in the store; nothing was written.
    AlreadyImported {
        /// The earlier import.
        existing: ImportInfo,
    },
    /// `strict` was set and some rows were bad: nothing was written.
    Refused {
        /// What reading found.
        summary: ReadSummary,
    },
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Column mapping etc.
    pub read: ReadOptions,
    /// Refuse the whole file if any row is bad.
    pub strict: bool,
    /// The id of an import this file replaces: its rows, rejected rows and record go,
    /// in the same transaction that writes this file's (a corrected file, or the same
    /// file again, after a damaged import, without doubling its good rows).
    pub replace: Option<u32>,
}

/// An open hexspot database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates to the current schema.
    ///
    /// # Errors
    /// [`StoreError`] when SQLite cannot open the file, or its schema is newer than
    /// this version understands.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // 64 KiB pages for a new database (a no-op on an existing one): the snapshot
        // is a few large blobs, read and written in a sixteenth of the pages
        conn.pragma_update(None, "page_size", 65_536)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is on disk before the command says it succeeded
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut store = Self { conn };
        schema::migrate(&mut store.conn, path)?;
        store.ensure_snapshot()?;
        Ok(store)
    }

    /// Builds the column snapshot from the rows when there is none in this layout (a
    /// database written before snapshots were kept), once.
    fn ensure_snapshot(&mut self) -> Result<(), StoreError> {
        if snapshot::rows(&self.conn)?.is_some() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // another process may have built it while this one waited for the lock
        if snapshot::rows(&tx)?.is_none() {
            let mut b = IncidentTableBuilder::default();
            load_rows(&tx, &mut b)?;
            record::load_all(&tx, &mut b)?;
            snapshot::write(&tx, &snapshot::encode_table(&b.build()))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A second connection to the same file (for a writer that must not wait behind
    /// this one's mutex, such as a server's audit log).
    ///
    /// # Errors
    /// [`StoreError::Sql`] when this store has no file (in memory) or it cannot be
    /// opened.
    pub fn open_again(&self) -> Result<Self, StoreError> {
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .ok_or(StoreError::Sql(
                rusqlite::Error::InvalidPath(PathBuf::new()),
            ))?;
        Self::open(Path::new(path))
    }

    /// How long a write waits for another connection's transaction before failing with
    /// a busy error ([`StoreError::is_busy`]); 10 s from [`open`](Self::open).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn set_busy_timeout(&self, wait: std::time::Duration) -> Result<(), StoreError> {
        Ok(self.conn.busy_timeout(wait)?)
    }

    /// The schema version in use.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A number that changes whenever another connection (another `hexspot` process)
    /// commits to the database; this connection's own commits leave it as it is. A
    /// server compares it between polls to notice imports made beside it.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// Imports one file in one transaction: its good rows and its rejected rows land
    /// together, or (on any failure, a duplicate, or `strict` with bad rows) nothing does.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be read as a whole or SQLite fails; the
    /// transaction is rolled back.
    pub fn import_file(
        &mut self,
        path: &Path,
        display_name: &str,
        options: &ImportOptions,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<ImportOutcome, StoreError> {
        // 64 MiB of page cache while importing, so a large file's pages stay in memory
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // We hold the write lock, so the next id is ours.
        let import_id: i64 =
            tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM imports", [], |r| {
                r.get(0)
            })?;
        // the snapshot after this import: every stored row (their cells already
        // located) and this file's
        let replaced = match options.replace {
            Some(id) => Some(Box::new(
                find_import(&tx, "id = ?1", &id.to_string())?
                    .ok_or(StoreError::NoSuchImport(id))?,
            )),
            None => None,
        };
        let before =
            snapshot::read(&tx, &snapshot::all_resolutions())?.ok_or_else(snapshot_missing)?;
        let mut table = IncidentTableBuilder::from_table_except(&before, options.replace);
        drop(before);
        let mut record = record::Record::default();
        // Two stages on two cores: a thread reads, parses and checks the file into
        // batches; this thread adds them to the table and the record, locating each
        // map point at every query resolution once.
        let summary = std::thread::scope(|scope| -> Result<ReadSummary, StoreError> {
            let (send, recv) = mpsc::sync_channel::<Batch>(4);
            let read_opts = &options.read;
            let reader = scope.spawn(move || {
                let mut batch = Batch::new();
                let mut sink = |r: &Record<'_>| -> Result<(), WriterGone> {
                    batch.push(r);
                    if batch.is_full() {
                        send.send(std::mem::replace(&mut batch, Batch::new()))
                            .map_err(|_| WriterGone)?;
                    }
                    Ok(())
                };
                let summary = read_file(path, read_opts, progress, &mut sink)?;
                send.send(batch)
                    .map_err(|_| IngestError::Sink(WriterGone))?;
                Ok::<_, IngestError<WriterGone>>(summary)
            });
            let written = (|| -> Result<(), StoreError> {
                let mut cells = Some(PointCells::default());
                for b in recv.iter() {
                    for r in &b.rows {
                        let name = b.text(r, field::CRIME_TYPE).unwrap_or_default();
                        let row = r.incident(name, b.text(r, field::OFFENCE), import_id as u32);
                        match &mut cells {
                            Some(c) => table.push_located(&row, &c.get(row.location))?,
                            None => table.push(&row)?,
                        }
                    }
                    cells = cells.filter(PointCells::worth_it);
                    record.push(&b);
                }
                Ok(())
            })();
            // on a write error, dropping the receiver stops the reader at its next batch
            drop(recv);
            let read = reader.join().expect("the reading thread does not panic");
            written?;
            Ok(read?)
        })?;
        if let Some(existing) = find_import(&tx, "sha256 = ?1", &summary.sha256)?
            && Some(existing.id) != options.replace
        {
            tx.rollback()?;
            return Ok(ImportOutcome::AlreadyImported { existing });
        }
        if options.strict && !summary.rejected.is_empty() {
            tx.rollback()?;
            return Ok(ImportOutcome::Refused { summary });
        }
        if let Some(old) = &replaced {
            for table in ["import_columns", "rejected_rows", "incidents"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE import_id = ?1"),
                    [old.id],
                )?;
            }
            tx.execute("DELETE FROM imports WHERE id = ?1", [old.id])?;
        }
        tx.execute(
            "INSERT INTO imports (id, file_name, sha256, format, bytes, rows_read, rows_imported, rows_rejected, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![
                import_id,
                display_name,
                summary.sha256,
                summary.format.name(),
                summary.bytes as i64,
                summary.rows_read as i64,
                summary.rows_accepted as i64,
                summary.rejected.len() as i64,
            ],
        )?;
        {
            let mut rej = tx.prepare_cached(
                "INSERT INTO rejected_rows (import_id, line, reason_code, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in &summary.rejected {
                rej.execute(params![
                    import_id,
                    r.line as i64,
                    r.reason.code(),
                    r.reason.to_string(),
                    r.raw
                ])?;
            }
        }
        let old = table.len_taken_over();
        let (t, order) = table.build_with_order();
        // this file's rows in table order
        let mine: Vec<u32> = order
            .iter()
            .filter(|&&r| r >= old)
            .map(|&r| r - old)
            .collect();
        drop(order);
        let (rec, snap) = rayon::join(|| record.blobs(&mine), || snapshot::encode_table(&t));
        record::write(&tx, import_id, &rec)?;
        snapshot::write(&tx, &snap)?;
        let info = find_import(&tx, "id = ?1", &import_id.to_string())?.expect("just inserted");
        tx.commit()?;
        Ok(ImportOutcome::Imported {
            info,
            summary,
            replaced,
        })
    }

    /// Every import, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn imports(&self) -> Result<Vec<ImportInfo>, StoreError> {
        let mut q = self.conn.prepare(&format!("{SELECT_IMPORT} ORDER BY id"))?;
        let rows = q.query_map([], import_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Rejected rows of one import: (line, reason code, reason, raw text).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn rejected_rows(
        &self,
        import_id: u32,
    ) -> Result<Vec<(u64, String, String, String)>, StoreError> {
        let mut q = self.conn.prepare(
            "SELECT line, reason_code, reason, COALESCE(raw, '') FROM rejected_rows WHERE import_id = ?1 ORDER BY line",
        )?;
        let rows = q.query_map([import_id], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of stored incidents.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn incident_count(&self) -> Result<u64, StoreError> {
        match snapshot::rows(&self.conn)? {
            Some(n) => Ok(n),
            None => Ok(self
                .conn
                .query_row("SELECT COUNT(*) FROM incidents", [], |r| r.get::<_, i64>(0))?
                as u64),
        }
    }

    /// Loads every incident into the engine's columnar table, with the cells of every
    /// query resolution (what a server answering any zoom wants).
    ///
    /// # Errors
    /// [`StoreError`] when SQLite fails or the stored snapshot is invalid.
    pub fn load_table(&self) -> Result<IncidentTable, StoreError> {
        self.load_table_with(&snapshot::all_resolutions())
    }

    /// Loads every incident with the stored cells of `resolutions` only (the others are
    /// located on first use): what one query needs, read as a few blobs.
    ///
    /// # Errors
    /// [`StoreError`] when SQLite fails or the stored snapshot is invalid.
    pub fn load_table_with(&self, resolutions: &[Resolution]) -> Result<IncidentTable, StoreError> {
        snapshot::read(&self.conn, resolutions)?.ok_or_else(snapshot_missing)
    }
}

fn snapshot_missing() -> StoreError {
    StoreError::CorruptSnapshot {
        column: "meta".into(),
        reason: "no snapshot is stored".into(),
    }
}

/// Adds the incidents kept as `incidents` rows (imports made before the record became
/// column blobs) to `b`, to build the snapshot where none is kept.
fn load_rows(conn: &Connection, b: &mut IncidentTableBuilder) -> Result<(), StoreError> {
    let names: FxHashMap<i64, String> = crime_types(conn)?.into_iter().collect();
    let mut q = conn.prepare(
        "SELECT id, cell, lon, lat, month, day, minute, crime_type_id, offence, flags, weight, import_id FROM incidents ORDER BY id",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let corrupt = |reason: String| StoreError::Corrupt { id, reason };
        let cell = h3o::CellIndex::try_from(r.get::<_, i64>(1)? as u64)
            .map_err(|e| corrupt(e.to_string()))?;
        let location = LonLat::new(r.get(2)?, r.get(3)?).map_err(|e| corrupt(e.to_string()))?;
        let month = YearMonth::from_index(r.get(4)?).map_err(|e| corrupt(e.to_string()))?;
        let day = r.get::<_, Option<i32>>(5)?.map(Day::from_index);
        let time = match r.get::<_, Option<u16>>(6)? {
            Some(m) => Some(
                MinuteOfDay::new(u32::from(m / 60), u32::from(m % 60))
                    .map_err(|e| corrupt(e.to_string()))?,
            ),
            None => None,
        };
        let ct: i64 = r.get(7)?;
        let crime_type = names
            .get(&ct)
            .ok_or_else(|| corrupt(format!("unknown crime type id {ct}")))?;
        let offence: Option<String> = r.get(8)?;
        b.push(&IncidentRow {
            location,
            fine_cell: cell,
            month,
            day,
            time,
            crime_type,
            offence: offence.as_deref(),
            flags: Flags::from_bits(r.get(9)?),
            weight: r.get(10)?,
            import_id: r.get(11)?,
        })?;
    }
    Ok(())
}

/// `(id, name)` of every stored crime type.
fn crime_types(conn: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let mut q = conn.prepare("SELECT id, name FROM crime_types")?;
    let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const SELECT_IMPORT: &str = "SELECT id, file_name, sha256, format, rows_read, rows_imported, rows_rejected, imported_at FROM imports";

fn import_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImportInfo> {
    Ok(ImportInfo {
        id: r.get(0)?,
        file_name: r.get(1)?,
        sha256: r.get(2)?,
        format: r.get(3)?,
        rows_read: r.get::<_, i64>(4)? as u64,
        rows_imported: r.get::<_, i64>(5)? as u64,
        rows_rejected: r.get::<_, i64>(6)? as u64,
        imported_at: r.get(7)?,
    })
}

fn find_import(
    conn: &Connection,
    cond: &str,
    value: &str,
) -> Result<Option<ImportInfo>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{SELECT_IMPORT} WHERE {cond}"),
            [value],
            import_from_row,
        )
        .optional()?)
}
