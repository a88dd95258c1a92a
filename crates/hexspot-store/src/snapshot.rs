//! The engine's columnar table kept inside the database as column blobs, rewritten in
//! each import's own transaction, so a new process loads a few blobs rather than a
//! million rows. The `incidents` rows stay the record of every field; the snapshot is
//! what the engine reads, and is rebuilt from them when missing (a database written
//! before it existed).
//!
//! Each column is stored little-endian in parts of at most [`PART_ROWS`] values (SQLite
//! caps a blob at 1 GB), with each query resolution's cells (distinct cells and a slot
//! per row) beside the incident columns.

use std::sync::Arc;

use hexspot_engine::{CellColumn, Columns, IncidentTable, Resolution};
use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// Values per stored part of a column.
const PART_ROWS: usize = 1 << 20;

/// The layout written; a snapshot in another is rebuilt from the rows.
const FORMAT: u32 = 1;

/// Every query resolution, whose cells every snapshot keeps.
pub(crate) fn all_resolutions() -> Vec<Resolution> {
    (Resolution::MIN..=Resolution::MAX)
        .map(|r| Resolution::try_from(r).expect("in range"))
        .collect()
}

/// A value stored as little-endian bytes.
pub(crate) trait Le: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("chunks are SIZE bytes"))
            }
        }
    )*};
}
le!(u8, u16, u32, i32, u64, f64);

pub(crate) fn encode<T: Le>(v: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * T::SIZE);
    for &x in v {
        x.put(&mut out);
    }
    out
}

pub(crate) fn decode<T: Le>(b: &[u8], into: &mut Vec<T>) -> Result<(), String> {
    if !b.len().is_multiple_of(T::SIZE) {
        return Err(format!("{} bytes is not a whole number of values", b.len()));
    }
    into.extend(b.chunks_exact(T::SIZE).map(T::get));
    Ok(())
}

pub(crate) fn encode_names(names: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    (names.len() as u32).put(&mut out);
    for n in names {
        (n.len() as u32).put(&mut out);
        out.extend_from_slice(n.as_bytes());
    }
    out
}

pub(crate) fn decode_names(b: &[u8]) -> Result<Vec<String>, String> {
    let short = || "ends inside a name".to_owned();
    let take_u32 = |at: &mut usize| -> Result<u32, String> {
        let v = b.get(*at..*at + 4).ok_or_else(short)?;
        *at += 4;
        Ok(u32::get(v))
    };
    let mut at = 0;
    let n = take_u32(&mut at)?;
    let mut names = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let len = take_u32(&mut at)? as usize;
        let bytes = b.get(at..at + len).ok_or_else(short)?;
        at += len;
        names.push(String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?);
    }
    Ok(names)
}

/// Writes one column in parts (an empty column still gets its first part).
fn put_column<T: Le>(tx: &Connection, name: &str, v: &[T]) -> Result<(), StoreError> {
    let mut q =
        tx.prepare_cached("INSERT INTO snapshot_columns (name, part, data) VALUES (?1, ?2, ?3)")?;
    let mut parts = v.chunks(PART_ROWS).peekable();
    if parts.peek().is_none() {
        q.execute(params![name, 0, Vec::<u8>::new()])?;
    }
    for (i, part) in parts.enumerate() {
        q.execute(params![name, i as i64, encode(part)])?;
    }
    Ok(())
}

fn corrupt(column: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptSnapshot {
        column: column.to_owned(),
        reason: reason.to_string(),
    }
}

/// Reads one column, part after part.
fn get_column<T: Le>(conn: &Connection, name: &str, expect: usize) -> Result<Vec<T>, StoreError> {
    let mut q = conn
        .prepare_cached("SELECT part, data FROM snapshot_columns WHERE name = ?1 ORDER BY part")?;
    let mut rows = q.query([name])?;
    let mut out = Vec::with_capacity(expect);
    let mut next = 0i64;
    while let Some(r) = rows.next()? {
        if r.get::<_, i64>(0)? != next {
            return Err(corrupt(name, format!("part {next} is missing")));
        }
        next += 1;
        let data = r.get_ref(1)?.as_blob().map_err(|e| corrupt(name, e))?;
        decode(data, &mut out).map_err(|e| corrupt(name, e))?;
    }
    if next == 0 {
        return Err(corrupt(name, "not stored"));
    }
    if out.len() != expect {
        return Err(corrupt(
            name,
            format!("{} values for {expect} rows", out.len()),
        ));
    }
    Ok(out)
}

fn get_blob(conn: &Connection, name: &str) -> Result<Vec<u8>, StoreError> {
    conn.query_row(
        "SELECT data FROM snapshot_columns WHERE name = ?1 AND part = 0",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| corrupt(name, "not stored"))
}

/// Replaces the stored snapshot with `table`, computing every query resolution's cells
/// the table does not hold yet. Call inside the transaction that changed the rows.
pub(crate) fn write(tx: &Connection, table: &IncidentTable) -> Result<(), StoreError> {
    tx.execute("DELETE FROM snapshot_columns", [])?;
    let c = table.to_columns();
    let mut meta = Vec::new();
    FORMAT.put(&mut meta);
    (table.len() as u64).put(&mut meta);
    tx.execute(
        "INSERT INTO snapshot_columns (name, part, data) VALUES ('meta', 0, ?1)",
        [meta],
    )?;
    tx.execute(
        "INSERT INTO snapshot_columns (name, part, data) VALUES ('crime_types', 0, ?1)",
        [encode_names(&c.crime_types)],
    )?;
    tx.execute(
        "INSERT INTO snapshot_columns (name, part, data) VALUES ('offences', 0, ?1)",
        [encode_names(&c.offences)],
    )?;
    put_column(tx, "cell", &c.cell)?;
    put_column(tx, "lon", &c.lon)?;
    put_column(tx, "lat", &c.lat)?;
    put_column(tx, "month", &c.month)?;
    put_column(tx, "day", &c.day)?;
    put_column(tx, "minute", &c.minute)?;
    put_column(tx, "crime_type", &c.crime_type)?;
    put_column(tx, "offence", &c.offence)?;
    put_column(tx, "flags", &c.flags)?;
    put_column(tx, "weight", &c.weight)?;
    put_column(tx, "import", &c.import)?;
    for res in all_resolutions() {
        let col = table.cells_at(res);
        put_column(tx, &format!("cells_{}", res.get()), col.cells())?;
        put_column(tx, &format!("slots_{}", res.get()), col.slots())?;
    }
    Ok(())
}

/// The stored snapshot's row count, or `None` when there is none in this layout.
pub(crate) fn rows(conn: &Connection) -> Result<Option<u64>, StoreError> {
    let meta: Option<Vec<u8>> = conn
        .query_row(
            "SELECT data FROM snapshot_columns WHERE name = 'meta' AND part = 0",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match meta {
        Some(m) if m.len() == 12 && u32::get(&m[..4]) == FORMAT => Some(u64::get(&m[4..])),
        _ => None,
    })
}

/// Loads the stored snapshot with the cells of `resolutions` (the others are located
/// on first use), or `None` when there is none in this layout.
pub(crate) fn read(
    conn: &Connection,
    resolutions: &[Resolution],
) -> Result<Option<IncidentTable>, StoreError> {
    let Some(n) = rows(conn)? else {
        return Ok(None);
    };
    let n = usize::try_from(n).map_err(|e| corrupt("meta", e))?;
    let names = |column: &str| -> Result<Vec<String>, StoreError> {
        decode_names(&get_blob(conn, column)?).map_err(|e| corrupt(column, e))
    };
    let columns = Columns {
        cell: get_column(conn, "cell", n)?,
        lon: get_column(conn, "lon", n)?,
        lat: get_column(conn, "lat", n)?,
        month: get_column(conn, "month", n)?,
        day: get_column(conn, "day", n)?,
        minute: get_column(conn, "minute", n)?,
        crime_type: get_column(conn, "crime_type", n)?,
        offence: get_column(conn, "offence", n)?,
        flags: get_column(conn, "flags", n)?,
        weight: get_column(conn, "weight", n)?,
        import: get_column(conn, "import", n)?,
        crime_types: names("crime_types")?,
        offences: names("offences")?,
    };
    let table = IncidentTable::from_columns(columns).map_err(|e| corrupt("table", e))?;
    for &res in resolutions {
        let name = format!("cells_{}", res.get());
        let mut q = conn
            .prepare_cached("SELECT COUNT(*) FROM snapshot_columns WHERE name = ?1 AND part = 0")?;
        if q.query_row([&name], |r| r.get::<_, i64>(0))? == 0 {
            continue;
        }
        let distinct: usize = conn.query_row(
            "SELECT SUM(length(data)) / 8 FROM snapshot_columns WHERE name = ?1",
            [&name],
            |r| r.get::<_, i64>(0),
        )? as usize;
        let cells = get_column(conn, &name, distinct)?;
        let slots = get_column(conn, &format!("slots_{}", res.get()), n)?;
        let col = CellColumn::from_parts(res, cells, slots, n).map_err(|e| corrupt(&name, e))?;
        table
            .set_cells(Arc::new(col))
            .map_err(|e| corrupt(&name, e))?;
    }
    Ok(Some(table))
}
