//! The record of every imported row, kept per import as column blobs (one row of
//! `import_columns` per column part) rather than a million SQL rows: the text fields
//! are dictionary-coded (police.uk repeats its locations, LSOAs and outcomes), numbers
//! are little-endian. Written in the import's own transaction; read back only to
//! rebuild the engine's snapshot.

use hexspot_engine::{IncidentRow, IncidentTableBuilder};
use rusqlite::{Connection, params};
use rustc_hash::FxHashMap;

use crate::StoreError;
use crate::batch::{Batch, field};
use crate::snapshot::{Le, decode, decode_names, encode, encode_names};

/// Code of an absent text value.
const NONE: u32 = u32::MAX;

/// One text column: its distinct values and a code a row.
#[derive(Default)]
struct TextColumn {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
    codes: Vec<u32>,
}

impl TextColumn {
    fn push(&mut self, v: Option<&str>) {
        let code = match v {
            None => NONE,
            Some(v) => match self.index.get(v) {
                Some(&c) => c,
                None => {
                    let c = self.names.len() as u32;
                    self.names.push(v.to_owned());
                    self.index.insert(v.to_owned(), c);
                    c
                }
            },
        };
        self.codes.push(code);
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

    /// Writes it as import `import_id`'s columns.
    pub(crate) fn write(&self, tx: &Connection, import_id: i64) -> Result<(), StoreError> {
        let mut q = tx.prepare_cached(
            "INSERT INTO import_columns (import_id, name, part, data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut put = |name: &str, data: Vec<u8>| q.execute(params![import_id, name, 0, data]);
        put("line", encode(&self.line))?;
        put("month", encode(&self.month))?;
        put("day", encode(&self.day))?;
        put("minute", encode(&self.minute))?;
        put("lon", encode(&self.lon))?;
        put("lat", encode(&self.lat))?;
        put("cell", encode(&self.cell))?;
        put("flags", encode(&self.flags))?;
        put("weight", encode(&self.weight))?;
        for (i, &(_, name)) in TEXT.iter().enumerate() {
            put(&format!("{name}.names"), encode_names(&self.text[i].names))?;
            put(&format!("{name}.codes"), encode(&self.text[i].codes))?;
        }
        Ok(())
    }
}

fn corrupt(import_id: i64, column: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptSnapshot {
        column: format!("import {import_id} {column}"),
        reason: reason.to_string(),
    }
}

fn column<T: Le>(conn: &Connection, import_id: i64, name: &str) -> Result<Vec<T>, StoreError> {
    let mut q = conn.prepare_cached(
        "SELECT data FROM import_columns WHERE import_id = ?1 AND name = ?2 AND part = 0",
    )?;
    let mut rows = q.query(params![import_id, name])?;
    let r = rows
        .next()?
        .ok_or_else(|| corrupt(import_id, name, "not stored"))?;
    let data = r
        .get_ref(0)?
        .as_blob()
        .map_err(|e| corrupt(import_id, name, e))?;
    let mut out = Vec::new();
    decode(data, &mut out).map_err(|e| corrupt(import_id, name, e))?;
    Ok(out)
}

fn names(conn: &Connection, import_id: i64, name: &str) -> Result<Vec<String>, StoreError> {
    let key = format!("{name}.names");
    let data: Vec<u8> = conn.query_row(
        "SELECT data FROM import_columns WHERE import_id = ?1 AND name = ?2 AND part = 0",
        params![import_id, key],
        |r| r.get(0),
    )?;
    decode_names(&data).map_err(|e| corrupt(import_id, &key, e))
}

/// Adds every stored import's rows to `b`, in import order.
pub(crate) fn load_all(conn: &Connection, b: &mut IncidentTableBuilder) -> Result<(), StoreError> {
    let ids: Vec<i64> = conn
        .prepare("SELECT DISTINCT import_id FROM import_columns ORDER BY import_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let month: Vec<i32> = column(conn, id, "month")?;
        let n = month.len();
        let day: Vec<i32> = column(conn, id, "day")?;
        let minute: Vec<u16> = column(conn, id, "minute")?;
        let lon: Vec<f64> = column(conn, id, "lon")?;
        let lat: Vec<f64> = column(conn, id, "lat")?;
        let cell: Vec<u64> = column(conn, id, "cell")?;
        let flags: Vec<u8> = column(conn, id, "flags")?;
        let weight: Vec<f64> = column(conn, id, "weight")?;
        let types = names(conn, id, "crime_type")?;
        let type_codes: Vec<u32> = column(conn, id, "crime_type.codes")?;
        let offences = names(conn, id, "offence")?;
        let offence_codes: Vec<u32> = column(conn, id, "offence.codes")?;
        let lens = [
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
        for i in 0..n {
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
