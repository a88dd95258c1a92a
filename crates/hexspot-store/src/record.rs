//! The record of every imported row, kept per import as column blobs (one row of
//! `import_columns` per column) rather than a million SQL rows: the text fields are
//! dictionary-coded (police.uk repeats its locations, LSOAs and outcomes), the rows in
//! the engine table's order so each map point's values pack into runs
//! ([`crate::codec`]), with each row's file line. Written in the import's own
//! transaction; read back only to rebuild the engine's snapshot.

use hexspot_engine::{IncidentRow, IncidentTableBuilder};
use rayon::prelude::*;
use rusqlite::{Connection, params};

use crate::StoreError;
use crate::batch::{Batch, field};
use std::hash::BuildHasher;

use crate::codec::{
    Le, decode, decode_names, encode, encode_names, plain_decode, plain_decode_names,
};

/// Code of an absent text value.
const NONE: u32 = u32::MAX;

/// One text column: its distinct values back to back in one buffer (no allocation per
/// value: police.uk's Crime IDs are nearly all distinct) and a code a row.
#[derive(Default)]
struct TextColumn {
    bytes: String,
    /// where each distinct value ends in `bytes`
    ends: Vec<u32>,
    /// codes, hashed by their value
    index: hashbrown::HashTable<u32>,
    codes: Vec<u32>,
}

/// Value `code` of a column whose values end at `ends` in `bytes`.
fn value_at<'a>(bytes: &'a str, ends: &[u32], code: u32) -> &'a str {
    let start = code.checked_sub(1).map_or(0, |c| ends[c as usize] as usize);
    &bytes[start..ends[code as usize] as usize]
}

impl TextColumn {
    fn push(&mut self, v: Option<&str>) {
        let code = match v {
            None => NONE,
            Some(v) => {
                let hash = |s: &str| rustc_hash::FxBuildHasher.hash_one(s);
                let Self {
                    bytes, ends, index, ..
                } = self;
                let h = hash(v);
                match index.find(h, |&c| value_at(bytes, ends, c) == v) {
                    Some(&c) => c,
                    None => {
                        let c = ends.len() as u32;
                        bytes.push_str(v);
                        ends.push(bytes.len() as u32);
                        index.insert_unique(h, c, |&c| hash(value_at(bytes, ends, c)));
                        c
                    }
                }
            }
        };
        self.codes.push(code);
    }

    /// The distinct values, tagged.
    fn encode_values(&self) -> Vec<u8> {
        let n = self.ends.len() as u32;
        encode_names(
            n as usize,
            (0..n).map(|c| value_at(&self.bytes, &self.ends, c)),
        )
    }
}

/// The text fields kept, in [`field`] order, with their stored names.
const TEXT: [(usize, &str); 9] = [
    (field::CRIME_ID, "crime_id"),
    (field::CRIME_TYPE, "crime_type"),
    (field::OFFENCE, "offence"),
    (field::LOCATION, "location"),
    (field::LSOA_CODE, "lsoa_code"),
    (field::LSOA_NAME, "lsoa_name"),
    (field::OUTCOME, "outcome"),
    (field::CONTEXT, "context"),
    (field::FALLS_WITHIN, "falls_within"),
];

/// Every field of one import's rows, column by column.
#[derive(Default)]
pub(crate) struct Record {
    line: Vec<u64>,
    month: Vec<i32>,
    /// `i32::MIN` where none
    day: Vec<i32>,
    /// `u16::MAX` where none
    minute: Vec<u16>,
    lon: Vec<f64>,
    lat: Vec<f64>,
    cell: Vec<u64>,
    flags: Vec<u8>,
    /// NaN where none
    weight: Vec<f64>,
    text: [TextColumn; 9],
}

impl Record {
    /// Adds a batch's rows.
    pub(crate) fn push(&mut self, b: &Batch) {
        for r in &b.rows {
            self.line.push(r.line as u64);
            self.month.push(r.month);
            self.day.push(r.day.unwrap_or(i32::MIN));
            self.minute.push(r.minute.unwrap_or(u16::MAX));
            self.lon.push(r.lon);
            self.lat.push(r.lat);
            self.cell.push(r.cell as u64);
            self.flags.push(r.flags);
            self.weight.push(r.weight.unwrap_or(f64::NAN));
            for (i, &(f, _)) in TEXT.iter().enumerate() {
                self.text[i].push(b.text(r, f));
            }
        }
    }

    /// Its blobs as import `import_id`'s columns, packed in parallel, its rows in
    /// `order` (indexes into the rows pushed: the engine table's order, so a map
    /// point's rows sit together and their repeated values pack into runs).
    pub(crate) fn blobs(&self, order: &[u32]) -> Vec<(String, Vec<u8>)> {
        fn sorted<T: Le>(v: &[T], order: &[u32]) -> Vec<u8> {
            encode(&order.iter().map(|&i| v[i as usize]).collect::<Vec<T>>())
        }
        let mut format = Vec::new();
        FORMAT.put(&mut format);
        (order.len() as u64).put(&mut format);
        type Job<'a> = Box<dyn Fn() -> (String, Vec<u8>) + Send + Sync + 'a>;
        let mut jobs: Vec<Job<'_>> = vec![
            Box::new(|| ("line".into(), sorted(&self.line, order))),
            Box::new(|| ("month".into(), sorted(&self.month, order))),
            Box::new(|| ("day".into(), sorted(&self.day, order))),
            Box::new(|| ("minute".into(), sorted(&self.minute, order))),
            Box::new(|| ("lon".into(), sorted(&self.lon, order))),
            Box::new(|| ("lat".into(), sorted(&self.lat, order))),
            Box::new(|| ("cell".into(), sorted(&self.cell, order))),
            Box::new(|| ("flags".into(), sorted(&self.flags, order))),
            Box::new(|| ("weight".into(), sorted(&self.weight, order))),
        ];
        for (i, &(_, name)) in TEXT.iter().enumerate() {
            let text = &self.text[i];
            jobs.push(Box::new(move || {
                (format!("{name}.names"), text.encode_values())
            }));
            jobs.push(Box::new(move || {
                (format!("{name}.codes"), sorted(&text.codes, order))
            }));
        }
        let mut out = vec![("format".to_owned(), format)];
        out.extend(jobs.into_par_iter().map(|job| job()).collect::<Vec<_>>());
        out
    }
}

/// Writes `blobs` (from [`Record::blobs`]) as import `import_id`'s columns.
pub(crate) fn write(
    tx: &Connection,
    import_id: i64,
    blobs: &[(String, Vec<u8>)],
) -> Result<(), StoreError> {
    let mut q = tx.prepare_cached(
        "INSERT INTO import_columns (import_id, name, part, data) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (name, data) in blobs {
        q.execute(params![import_id, name, 0, data])?;
    }
    Ok(())
}

/// The record layout written: 2, tagged blobs (see [`crate::codec`]) in table order,
/// with a `format` column of this number and the row count. Imports without that
/// column were written untagged, in file order.
const FORMAT: u32 = 2;

fn corrupt(import_id: i64, column: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptSnapshot {
        column: format!("import {import_id} {column}"),
        reason: reason.to_string(),
    }
}

/// One import's stored columns.
struct Stored<'c> {
    conn: &'c Connection,
    import_id: i64,
    /// `Some(rows)` for tagged blobs; `None` for the untagged first layout
    tagged: Option<usize>,
}

impl<'c> Stored<'c> {
    fn open(conn: &'c Connection, import_id: i64) -> Result<Self, StoreError> {
        let mut s = Self {
            conn,
            import_id,
            tagged: None,
        };
        if let Some(f) = s.blob("format", false)? {
            let bad = || corrupt(import_id, "format", "not a known layout");
            if f.len() != 12 || u32::get(&f[..4]) != FORMAT {
                return Err(bad());
            }
            s.tagged = Some(usize::try_from(u64::get(&f[4..])).map_err(|_| bad())?);
        }
        Ok(s)
    }

    fn blob(&self, name: &str, required: bool) -> Result<Option<Vec<u8>>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT data FROM import_columns WHERE import_id = ?1 AND name = ?2 AND part = 0",
        )?;
        let mut rows = q.query(params![self.import_id, name])?;
        match rows.next()? {
            Some(r) => Ok(Some(r.get(0)?)),
            None if required => Err(corrupt(self.import_id, name, "not stored")),
            None => Ok(None),
        }
    }

    fn column<T: Le>(&self, name: &str) -> Result<Vec<T>, StoreError> {
        let data = self.blob(name, true)?.unwrap_or_default();
        let mut out = Vec::new();
        match self.tagged {
            Some(rows) => decode(&data, &mut out, rows),
            None => plain_decode(&data, &mut out),
        }
        .map_err(|e| corrupt(self.import_id, name, e))?;
        Ok(out)
    }

    fn names(&self, name: &str) -> Result<Vec<String>, StoreError> {
        let key = format!("{name}.names");
        let data = self.blob(&key, true)?.unwrap_or_default();
        match self.tagged {
            Some(_) => decode_names(&data),
            None => plain_decode_names(&data),
        }
        .map_err(|e| corrupt(self.import_id, &key, e))
    }
}

/// Adds every stored import's rows to `b`, in import order.
pub(crate) fn load_all(conn: &Connection, b: &mut IncidentTableBuilder) -> Result<(), StoreError> {
    let ids: Vec<i64> = conn
        .prepare("SELECT DISTINCT import_id FROM import_columns ORDER BY import_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let stored = Stored::open(conn, id)?;
        let month: Vec<i32> = stored.column("month")?;
        let n = month.len();
        let line: Vec<u64> = stored.column("line")?;
        let day: Vec<i32> = stored.column("day")?;
        let minute: Vec<u16> = stored.column("minute")?;
        let lon: Vec<f64> = stored.column("lon")?;
        let lat: Vec<f64> = stored.column("lat")?;
        let cell: Vec<u64> = stored.column("cell")?;
        let flags: Vec<u8> = stored.column("flags")?;
        let weight: Vec<f64> = stored.column("weight")?;
        let types = stored.names("crime_type")?;
        let type_codes: Vec<u32> = stored.column("crime_type.codes")?;
        let offences = stored.names("offence")?;
        let offence_codes: Vec<u32> = stored.column("offence.codes")?;
        let lens = [
            line.len(),
            day.len(),
            minute.len(),
            lon.len(),
            lat.len(),
            cell.len(),
            flags.len(),
            weight.len(),
            type_codes.len(),
            offence_codes.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(corrupt(id, "columns", "not all of one length"));
        }
        // in file order, as the import pushed them (so names get the codes they had)
        let mut by_line: Vec<usize> = (0..n).collect();
        by_line.sort_by_key(|&i| line[i]);
        for i in by_line {
            let bad = |what: &str| corrupt(id, what, format!("row {i} is invalid"));
            let location =
                hexspot_engine::LonLat::new(lon[i], lat[i]).map_err(|_| bad("lon/lat"))?;
            let text =
                |names: &[String], code: u32, what: &str| -> Result<Option<String>, StoreError> {
                    match code {
                        NONE => Ok(None),
                        c => names
                            .get(c as usize)
                            .cloned()
                            .map(Some)
                            .ok_or_else(|| bad(what)),
                    }
                };
            let crime_type = text(&types, type_codes[i], "crime_type")?.unwrap_or_default();
            let offence = text(&offences, offence_codes[i], "offence")?;
            b.push(&IncidentRow {
                location,
                fine_cell: h3o::CellIndex::try_from(cell[i]).map_err(|_| bad("cell"))?,
                month: hexspot_engine::YearMonth::from_index(month[i]).map_err(|_| bad("month"))?,
                day: (day[i] != i32::MIN).then(|| hexspot_engine::Day::from_index(day[i])),
                time: match minute[i] {
                    u16::MAX => None,
                    m => Some(
                        hexspot_engine::MinuteOfDay::new(u32::from(m / 60), u32::from(m % 60))
                            .map_err(|_| bad("minute"))?,
                    ),
                },
                crime_type: &crime_type,
                offence: offence.as_deref(),
                flags: hexspot_engine::Flags::from_bits(flags[i]),
                weight: (!weight[i].is_nan()).then_some(weight[i]),
                import_id: id as u32,
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::codec::{plain_encode, plain_encode_names};
    use crate::{ImportOptions, ImportOutcome, Store};

    /// Rewrites every stored record in the first layout (untagged blobs, no `format`
    /// column), as hexspot wrote them before the tags, and drops the snapshot.
    fn to_first_layout(db: &Path) {
        let conn = Connection::open(db).unwrap();
        let blobs: Vec<(i64, String, Vec<u8>)> = conn
            .prepare("SELECT import_id, name, data FROM import_columns")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        fn plain<T: Le>(b: &[u8]) -> Vec<u8> {
            let mut v: Vec<T> = Vec::new();
            decode(b, &mut v, usize::MAX).unwrap();
            plain_encode(&v)
        }
        for (id, name, data) in blobs {
            let untagged = match name.as_str() {
                "format" => {
                    conn.execute(
                        "DELETE FROM import_columns WHERE import_id = ?1 AND name = 'format'",
                        [id],
                    )
                    .unwrap();
                    continue;
                }
                "line" | "cell" => plain::<u64>(&data),
                "month" | "day" => plain::<i32>(&data),
                "minute" => plain::<u16>(&data),
                "lon" | "lat" | "weight" => plain::<f64>(&data),
                "flags" => plain::<u8>(&data),
                n if n.ends_with(".codes") => plain::<u32>(&data),
                n if n.ends_with(".names") => {
                    let names = decode_names(&data).unwrap();
                    plain_encode_names(names.len(), names.iter().map(String::as_str))
                }
                n => panic!("unexpected column {n}"),
            };
            conn.execute(
                "UPDATE import_columns SET data = ?1 WHERE import_id = ?2 AND name = ?3",
                params![untagged, id, name],
            )
            .unwrap();
        }
        conn.execute("DELETE FROM snapshot_columns", []).unwrap();
    }

    #[test]
    fn records_in_the_first_layout_rebuild_the_same_table() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let mut store = Store::open(&db).unwrap();
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/police-uk");
        for f in [
            "2018-10-northamptonshire-street.csv",
            "2018-10-south-yorkshire-street.excerpt.csv",
        ] {
            let outcome = store
                .import_file(&data.join(f), f, &ImportOptions::default(), &mut |_| {})
                .unwrap();
            assert!(matches!(outcome, ImportOutcome::Imported { .. }));
        }
        let kept = store.load_table().unwrap();
        // police.uk's Crime IDs are packed, 32 bytes each
        let packed: Vec<u8> = store
            .conn
            .query_row(
                "SELECT data FROM import_columns WHERE import_id = 1 AND name = 'crime_id.names'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(packed[0], 2);
        drop(store);
        to_first_layout(&db);
        let rebuilt = Store::open(&db).unwrap().load_table().unwrap();
        assert_eq!(rebuilt.len(), kept.len());
        // compared whole, not printed: a mismatch would print every value
        assert!(format!("{:?}", rebuilt.to_columns()) == format!("{:?}", kept.to_columns()));
        for r in 5..=12 {
            let r = hexspot_engine::Resolution::try_from(r).unwrap();
            assert_eq!(rebuilt.cells_at(r), kept.cells_at(r));
        }
    }
}
