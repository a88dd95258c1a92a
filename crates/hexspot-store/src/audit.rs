//! The audit log (Data Protection Act 2018 s.62): every consultation and disclosure,
//! and every change to the users, as a hash chain.
//!
//! Each record holds the SHA-256 of the one before (`prev_hash`; 64 zeros for the
//! first) and its own `hash`, over [`canonical`] bytes of its fields and `prev_hash`.
//! Records are only ever appended, under SQLite's write lock (`BEGIN IMMEDIATE`), so
//! appenders in several processes each extend the chain they read. SQLite triggers
//! refuse `UPDATE` and `DELETE` on the table as well; they stop a mistake, not a person
//! with the file, which is what [`Store::verify_audit`] is for. A chain cannot show that
//! records were cut off its end: keep the head hash that `verify` reports somewhere else
//! (a DPO's own log) to detect that.

use hexspot_engine::Day;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::users::{Role, UserName};
use crate::{Store, StoreError};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as the caller tells it; the store adds the sequence number, the time
/// and the hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who (`None` for an anonymous or failed request, or the operator at the
    /// command line).
    pub user: Option<UserName>,
    /// Their role, when known.
    pub role: Option<Role>,
    /// The route or command, e.g. `GET /api/v1/hotspots` or `users add`.
    pub action: String,
    /// The normalised query text.
    pub query: String,
    /// Rows or cells returned, when counted.
    pub rows: Option<u64>,
    /// Who the data is for, when given.
    pub recipient: Option<String>,
    /// Why, when given.
    pub purpose: Option<String>,
    /// The client's address, for a request.
    pub client: Option<String>,
}

/// One stored record, as read back: its fields as they are in the file (text, not
/// checked, so a tampered record can still be read and shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When (UTC, RFC 3339 with milliseconds).
    pub time: String,
    /// Who.
    pub user: Option<String>,
    /// Their role.
    pub role: Option<String>,
    /// Route or command.
    pub action: String,
    /// Normalised query.
    pub query: String,
    /// Rows or cells returned.
    pub rows: Option<i64>,
    /// Recipient.
    pub recipient: Option<String>,
    /// Purpose.
    pub purpose: Option<String>,
    /// Client address.
    pub client: Option<String>,
    /// The previous record's hash (hex), or [`GENESIS`].
    pub prev_hash: String,
    /// This record's hash (hex).
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record's fields and `prev_hash` should have.
    #[must_use]
    pub fn expected_hash(&self) -> String {
        hex::encode(Sha256::digest(canonical(self)))
    }
}

/// The bytes a record's hash is taken over: a version tag, then each field in a fixed
/// order, each as `0x00` when absent or `0x01`, its length as 8 bytes big-endian and
/// its UTF-8 bytes (numbers in decimal), so no two different records share an encoding.
/// The sequence number is covered, so a record moved to another place no longer matches.
#[must_use]
pub fn canonical(r: &AuditRecord) -> Vec<u8> {
    let mut out = b"hexspot-audit-v1".to_vec();
    let mut field = |v: Option<&str>| match v {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            out.extend_from_slice(&(s.len() as u64).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    };
    field(Some(&r.seq.to_string()));
    field(Some(&r.time));
    field(r.user.as_deref());
    field(r.role.as_deref());
    field(Some(&r.action));
    field(Some(&r.query));
    field(r.rows.map(|n| n.to_string()).as_deref());
    field(r.recipient.as_deref());
    field(r.purpose.as_deref());
    field(r.client.as_deref());
    field(Some(&r.prev_hash));
    out
}

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every record is as written and follows the one before.
    Intact {
        /// How many records there are.
        records: u64,
        /// The last record's hash ([`GENESIS`] when there are none): keep it elsewhere
        /// to detect records later cut off the end.
        head: String,
    },
    /// The first record at which the chain breaks.
    Broken {
        /// The record's sequence number.
        seq: u64,
        /// What is wrong with it.
        problem: ChainBreak,
    },
}

/// How the chain breaks at a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Its fields do not match its hash: the record was edited.
    Edited,
    /// Records before it are missing: sequence numbers `from..=to` were deleted.
    Missing {
        /// the first missing number
        from: u64,
        /// the last missing number
        to: u64,
    },
    /// It names as its predecessor a record found elsewhere in the chain: records were
    /// reordered.
    Reordered {
        /// the record it should follow
        follows: u64,
    },
    /// Its `prev_hash` is not the hash of the record before it, nor of any record:
    /// the record before was edited (and its own hash recomputed) or replaced, or
    /// records before it were deleted and the rest renumbered.
    PrevMismatch,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Edited => f.write_str("its contents do not match its hash (edited)"),
            ChainBreak::Missing { from, to } if from == to => {
                write!(f, "record {from} before it is missing (deleted)")
            }
            ChainBreak::Missing { from, to } => {
                write!(f, "records {from} to {to} before it are missing (deleted)")
            }
            ChainBreak::Reordered { follows } => write!(
                f,
                "it should follow record {follows}, not the one before it (reordered)"
            ),
            ChainBreak::PrevMismatch => f.write_str(
                "it does not follow the record before it (that record was altered or replaced, or records were deleted and renumbered)",
            ),
        }
    }
}

const SELECT_AUDIT: &str = "SELECT seq, time, user_name, role, action, query, rows, recipient, purpose, client, prev_hash, hash FROM audit";

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.get::<_, i64>(0)? as u64,
        time: r.get(1)?,
        user: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        query: r.get(5)?,
        rows: r.get(6)?,
        recipient: r.get(7)?,
        purpose: r.get(8)?,
        client: r.get(9)?,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
    })
}

/// Appends `entry` inside the caller's transaction, which must hold the write lock
/// (`BEGIN IMMEDIATE`), so no other appender reads the same last record.
pub(crate) fn append_in(conn: &Connection, entry: &AuditEntry) -> Result<AuditRecord, StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq as u64 + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let time: String = conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |r| {
        r.get(0)
    })?;
    let mut rec = AuditRecord {
        seq,
        time,
        user: entry.user.as_ref().map(|u| u.as_str().to_owned()),
        role: entry.role.map(|r| r.as_str().to_owned()),
        action: entry.action.clone(),
        query: entry.query.clone(),
        rows: entry.rows.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        recipient: entry.recipient.clone(),
        purpose: entry.purpose.clone(),
        client: entry.client.clone(),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = rec.expected_hash();
    conn.execute(
        "INSERT INTO audit (seq, time, user_name, role, action, query, rows, recipient, purpose, client, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            rec.seq as i64,
            rec.time,
            rec.user,
            rec.role,
            rec.action,
            rec.query,
            rec.rows,
            rec.recipient,
            rec.purpose,
            rec.client,
            rec.prev_hash,
            rec.hash,
        ],
    )?;
    Ok(rec)
}

impl Store {
    /// Appends one record to the audit log, in its own transaction (taking the write
    /// lock first, so concurrent appenders, in this process or others, each extend the
    /// chain in turn).
    ///
    /// # Errors
    /// [`StoreError::Sql`], e.g. busy after the busy timeout ([`StoreError::is_busy`]).
    pub fn append_audit(&mut self, entry: &AuditEntry) -> Result<AuditRecord, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rec = append_in(&tx, entry)?;
        tx.commit()?;
        Ok(rec)
    }

    /// The audit records made on the days `from` to `to` (UTC, both included; either
    /// end open when `None`), in order.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn audit_records(
        &self,
        from: Option<Day>,
        to: Option<Day>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut q = self.conn.prepare(&format!(
            "{SELECT_AUDIT} WHERE (?1 IS NULL OR substr(time, 1, 10) >= ?1)
               AND (?2 IS NULL OR substr(time, 1, 10) <= ?2) ORDER BY seq"
        ))?;
        let rows = q.query_map(
            params![from.map(|d| d.to_string()), to.map(|d| d.to_string())],
            record_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the whole audit chain, in order, and names the first record that is not
    /// as written or does not follow the one before ([`AuditCheck`]).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        // the whole log's hashes, to tell a reordered record from a replaced one
        let mut by_hash: FxHashMap<String, u64> = FxHashMap::default();
        {
            let mut q = self.conn.prepare("SELECT seq, hash FROM audit")?;
            let mut rows = q.query([])?;
            while let Some(r) = rows.next()? {
                by_hash.insert(r.get(1)?, r.get::<_, i64>(0)? as u64);
            }
        }
        let mut q = self.conn.prepare(&format!("{SELECT_AUDIT} ORDER BY seq"))?;
        let mut rows = q.query([])?;
        let mut expected_seq = 1u64;
        let mut prev = GENESIS.to_owned();
        while let Some(r) = rows.next()? {
            let rec = record_from_row(r)?;
            let broken = |problem| AuditCheck::Broken {
                seq: rec.seq,
                problem,
            };
            if rec.seq > expected_seq {
                return Ok(broken(ChainBreak::Missing {
                    from: expected_seq,
                    to: rec.seq - 1,
                }));
            }
            if rec.seq < expected_seq {
                // only a number below 1 can come first: renumbered, so not as written
                return Ok(broken(ChainBreak::Edited));
            }
            if rec.prev_hash != prev {
                return Ok(broken(match by_hash.get(&rec.prev_hash) {
                    Some(&follows) if follows != rec.seq => ChainBreak::Reordered { follows },
                    _ => ChainBreak::PrevMismatch,
                }));
            }
            if rec.expected_hash() != rec.hash {
                return Ok(broken(ChainBreak::Edited));
            }
            prev = rec.hash;
            expected_seq += 1;
        }
        Ok(AuditCheck::Intact {
            records: expected_seq - 1,
            head: prev,
        })
    }
}
