//! Rows handed from the reading thread to the writing thread, in batches whose text
//! fields share one buffer (no allocation per row).

use hexspot_engine::{Day, Flags, IncidentRow, LonLat, MinuteOfDay, YearMonth};
use hexspot_ingest::Record;

/// Rows per batch.
pub(crate) const BATCH_ROWS: usize = 8192;

const NONE: (u32, u32) = (u32::MAX, 0);

/// One row, with its text fields as ranges into the batch's buffer.
pub(crate) struct Row {
    pub line: i64,
    pub month: i32,
    pub day: Option<i32>,
    pub minute: Option<u16>,
    pub lon: f64,
    pub lat: f64,
    pub cell: i64,
    pub flags: u8,
    pub weight: Option<f64>,
    /// crime_id, crime_type, offence, location, lsoa_code, lsoa_name, outcome, context, falls_within
    text: [(u32, u32); 9],
}

impl Row {
    /// The row as the engine's table takes it (its values were checked when read).
    pub(crate) fn incident<'a>(
        &self,
        crime_type: &'a str,
        offence: Option<&'a str>,
        import_id: u32,
    ) -> IncidentRow<'a> {
        let location = LonLat::new(self.lon, self.lat).expect("read locations are valid");
        IncidentRow {
            location,
            fine_cell: h3o::CellIndex::try_from(self.cell as u64).expect("read cells are valid"),
            month: YearMonth::from_index(self.month).expect("read months are valid"),
            day: self.day.map(Day::from_index),
            time: self.minute.map(|m| {
                MinuteOfDay::new(u32::from(m / 60), u32::from(m % 60))
                    .expect("read times are valid")
            }),
            crime_type,
            offence,
            flags: Flags::from_bits(self.flags),
            weight: self.weight,
            import_id,
        }
    }
}

pub(crate) struct Batch {
    buf: String,
    pub rows: Vec<Row>,
}

impl Batch {
    pub(crate) fn new() -> Self {
        Self {
            buf: String::with_capacity(BATCH_ROWS * 64),
            rows: Vec::with_capacity(BATCH_ROWS),
        }
    }

    fn put(&mut self, s: Option<&str>) -> (u32, u32) {
        match s {
            None => NONE,
            Some(s) => {
                let start = self.buf.len() as u32;
                self.buf.push_str(s);
                (start, s.len() as u32)
            }
        }
    }

    pub(crate) fn push(&mut self, r: &Record<'_>) {
        let e = &r.extra;
        let text = [
            self.put(r.crime_id),
            self.put(Some(r.crime_type)),
            self.put(r.offence),
            self.put(e.location),
            self.put(e.lsoa_code),
            self.put(e.lsoa_name),
            self.put(e.outcome),
            self.put(e.context),
            self.put(e.falls_within),
        ];
        self.rows.push(Row {
            line: r.line as i64,
            month: r.when.month.index(),
            day: r.when.day.map(Day::index),
            minute: r.when.time.map(MinuteOfDay::get),
            lon: r.location.lon(),
            lat: r.location.lat(),
            cell: u64::from(r.fine_cell) as i64,
            flags: r.flags.bits(),
            weight: r.weight,
            text,
        });
    }

    pub(crate) fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS
    }

    /// Text field `i` of a row (see [`Row::text`] for the order).
    pub(crate) fn text(&self, row: &Row, i: usize) -> Option<&str> {
        let (start, len) = row.text[i];
        (start != u32::MAX).then(|| &self.buf[start as usize..(start + len) as usize])
    }
}

/// Field indexes into [`Row::text`].
pub(crate) mod field {
    pub const CRIME_ID: usize = 0;
    pub const CRIME_TYPE: usize = 1;
    pub const OFFENCE: usize = 2;
    pub const LOCATION: usize = 3;
    pub const LSOA_CODE: usize = 4;
    pub const LSOA_NAME: usize = 5;
    pub const OUTCOME: usize = 6;
    pub const CONTEXT: usize = 7;
    pub const FALLS_WITHIN: usize = 8;
}
