//! The engine's columnar table kept inside the database as column blobs, rewritten in
//! each import's own transaction, so a new process loads a few blobs rather than a
//! million rows. Each import's record ([`crate::record`], and the `incidents` rows of
//! imports made before it) stays the record of every field; the snapshot is what the
//! engine reads, and is rebuilt from the records when missing or in an older layout.
//!
//! Each column is stored in parts of at most [`PART_ROWS`] values (SQLite caps a blob
//! at 1 GB), each part packed as [`crate::codec`] says, with each query resolution's
//! cells (distinct cells and a slot per row) beside the incident columns.

use std::sync::Arc;

use hexspot_engine::{CellColumn, Columns, IncidentTable, Resolution};
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;
use crate::codec::{Le, decode, decode_names, encode, encode_names};

/// Values per stored part of a column.
const PART_ROWS: usize = 1 << 20;

/// The layout written; a snapshot in another is rebuilt from the rows. (1: untagged
/// blobs; 2: tagged, see [`crate::codec`].)
const FORMAT: u32 = 2;

/// Every query resolution, whose cells every snapshot keeps.
pub(crate) fn all_resolutions() -> Vec<Resolution> {
    (Resolution::MIN..=Resolution::MAX)
        .map(|r| Resolution::try_from(r).expect("in range"))
        .collect()
}

/// One stored blob: column name, part number, bytes.
pub(crate) type Blob = (String, i64, Vec<u8>);

/// One column's parts (an empty column still gets its first part).
fn parts<T: Le>(name: &str, v: &[T]) -> Vec<Blob> {
    if v.is_empty() {
        return vec![(name.to_owned(), 0, encode::<T>(&[]))];
    }
    v.chunks(PART_ROWS)
        .enumerate()
        .map(|(i, part)| (name.to_owned(), i as i64, encode(part)))
        .collect()
}

fn corrupt(column: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptSnapshot {
        column: column.to_owned(),
        reason: reason.to_string(),
    }
}

/// Reads one column, part after part: `rows` values, or, where the count is not known,
/// at most `limit`.
fn get_column<T: Le>(
    conn: &Connection,
    name: &str,
    rows: Option<usize>,
    limit: usize,
) -> Result<Vec<T>, StoreError> {
    let mut q = conn
        .prepare_cached("SELECT part, data FROM snapshot_columns WHERE name = ?1 ORDER BY part")?;
    let mut found = q.query([name])?;
    let mut out = Vec::with_capacity(rows.unwrap_or(0));
    let mut next = 0i64;
    while let Some(r) = found.next()? {
        if r.get::<_, i64>(0)? != next {
            return Err(corrupt(name, format!("part {next} is missing")));
        }
        next += 1;
        let data = r.get_ref(1)?.as_blob().map_err(|e| corrupt(name, e))?;
        let room = limit.saturating_sub(out.len());
        decode(data, &mut out, room).map_err(|e| corrupt(name, e))?;
    }
    if next == 0 {
        return Err(corrupt(name, "not stored"));
    }
    match rows {
        Some(n) if out.len() != n => {
            Err(corrupt(name, format!("{} values for {n} rows", out.len())))
        }
        _ if out.len() > limit => Err(corrupt(name, format!("more than {limit} values"))),
        _ => Ok(out),
    }
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

/// Every blob of `table`'s snapshot, packed in parallel, computing every query
/// resolution's cells the table does not hold yet.
pub(crate) fn encode_table(table: &IncidentTable) -> Vec<Blob> {
    let c = table.to_columns();
    let mut meta = Vec::new();
    FORMAT.put(&mut meta);
    (table.len() as u64).put(&mut meta);
    let names = |n: &[String]| encode_names(n.len(), n.iter().map(String::as_str));
    let mut out = vec![
        ("meta".to_owned(), 0, meta),
        ("crime_types".to_owned(), 0, names(&c.crime_types)),
        ("offences".to_owned(), 0, names(&c.offences)),
    ];
    type Job<'a> = Box<dyn Fn() -> Vec<Blob> + Send + Sync + 'a>;
    let mut jobs: Vec<Job<'_>> = vec![
        Box::new(|| parts("cell", &c.cell)),
        Box::new(|| parts("lon", &c.lon)),
        Box::new(|| parts("lat", &c.lat)),
        Box::new(|| parts("month", &c.month)),
        Box::new(|| parts("day", &c.day)),
        Box::new(|| parts("minute", &c.minute)),
        Box::new(|| parts("crime_type", &c.crime_type)),
        Box::new(|| parts("offence", &c.offence)),
        Box::new(|| parts("flags", &c.flags)),
        Box::new(|| parts("weight", &c.weight)),
        Box::new(|| parts("import", &c.import)),
    ];
    for res in all_resolutions() {
        jobs.push(Box::new(move || {
            let col = table.cells_at(res);
            let mut b = parts(&format!("cells_{}", res.get()), col.cells());
            b.extend(parts(&format!("slots_{}", res.get()), col.slots()));
            b
        }));
    }
    out.extend(
        jobs.into_par_iter()
            .flat_map_iter(|job| job())
            .collect::<Vec<_>>(),
    );
    out
}

/// Replaces the stored snapshot with `blobs` (from [`encode_table`]). Call inside the
/// transaction that changed the rows.
pub(crate) fn write(tx: &Connection, blobs: &[Blob]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM snapshot_columns", [])?;
    let mut q =
        tx.prepare_cached("INSERT INTO snapshot_columns (name, part, data) VALUES (?1, ?2, ?3)")?;
    for (name, part, data) in blobs {
        q.execute(params![name, part, data])?;
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
        cell: get_column(conn, "cell", Some(n), n)?,
        lon: get_column(conn, "lon", Some(n), n)?,
        lat: get_column(conn, "lat", Some(n), n)?,
        month: get_column(conn, "month", Some(n), n)?,
        day: get_column(conn, "day", Some(n), n)?,
        minute: get_column(conn, "minute", Some(n), n)?,
        crime_type: get_column(conn, "crime_type", Some(n), n)?,
        offence: get_column(conn, "offence", Some(n), n)?,
        flags: get_column(conn, "flags", Some(n), n)?,
        weight: get_column(conn, "weight", Some(n), n)?,
        import: get_column(conn, "import", Some(n), n)?,
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
        // a cell a row at most
        let cells = get_column(conn, &name, None, n)?;
        let slots = get_column(conn, &format!("slots_{}", res.get()), Some(n), n)?;
        let col = CellColumn::from_parts(res, cells, slots, n).map_err(|e| corrupt(&name, e))?;
        table
            .set_cells(Arc::new(col))
            .map_err(|e| corrupt(&name, e))?;
    }
    Ok(Some(table))
}
