//! The columnar in-memory incident table the engine queries.
//!
//! *Invariant*: rows are sorted by their fine (resolution 15) H3 cell, so the rows of any
//! coarser cell form one contiguous run and binning is a single linear scan.

use rustc_hash::FxHashMap;

use crate::types::{BBox, Day, Flags, LonLat, MinuteOfDay, Resolution, YearMonth};

/// Sentinel for "no day known" (month-only rows) in the `day` column.
pub(crate) const NO_DAY: i32 = i32::MIN;
/// Sentinel for "no time of day known" in the `minute` column.
pub(crate) const NO_TIME: u16 = u16::MAX;
/// Sentinel for "no offence code" in the `offence` column.
pub(crate) const NO_OFFENCE: u16 = u16::MAX;

/// One incident, as handed to [`IncidentTableBuilder::push`].
#[derive(Debug, Clone)]
pub struct IncidentRow<'a> {
    /// Where it happened.
    pub location: LonLat,
    /// Its cell at [`crate::FINE_RESOLUTION`], computed once at import.
    pub fine_cell: h3o::CellIndex,
    /// The month it happened in (always known).
    pub month: YearMonth,
    /// The day, where the source gives one.
    pub day: Option<Day>,
    /// The time of day, where the source gives one.
    pub time: Option<MinuteOfDay>,
    /// Broad crime type (police.uk category or the force's own).
    pub crime_type: &'a str,
    /// Offence name or Home Office offence code, where given.
    pub offence: Option<&'a str>,
    /// Knife / domestic / victim-under-25 flags.
    pub flags: Flags,
    /// A harm weight carried by the data itself.
    pub weight: Option<f64>,
    /// The import the row came from (the store's id).
    pub import_id: u32,
}

/// Interns names (crime types, offences) as small integer codes.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    names: Vec<String>,
    codes: FxHashMap<String, u16>,
}

impl Dictionary {
    fn intern(&mut self, name: &str) -> u16 {
        if let Some(&c) = self.codes.get(name) {
            return c;
        }
        let code = u16::try_from(self.names.len()).expect("fewer than 65,535 distinct names");
        self.names.push(name.to_owned());
        self.codes.insert(name.to_owned(), code);
        code
    }

    /// The code of a name, if present.
    #[must_use]
    pub fn code(&self, name: &str) -> Option<u16> {
        self.codes.get(name).copied()
    }

    /// The name of a code.
    #[must_use]
    pub fn name(&self, code: u16) -> Option<&str> {
        self.names.get(usize::from(code)).map(String::as_str)
    }

    /// All names, in code order.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Collects rows, then sorts them into an [`IncidentTable`].
#[derive(Debug, Default)]
pub struct IncidentTableBuilder {
    t: IncidentTable,
}

impl IncidentTableBuilder {
    /// An empty builder with room for `n` rows.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        let mut b = Self::default();
        let t = &mut b.t;
        t.cell.reserve(n);
        t.lon.reserve(n);
        t.lat.reserve(n);
        t.month.reserve(n);
        t.day.reserve(n);
        t.minute.reserve(n);
        t.crime_type.reserve(n);
        t.offence.reserve(n);
        t.flags.reserve(n);
        t.weight.reserve(n);
        t.import.reserve(n);
        b
    }

    /// Adds one row.
    pub fn push(&mut self, row: &IncidentRow<'_>) {
        let t = &mut self.t;
        let ct = t.crime_types.intern(row.crime_type);
        let off = row.offence.map_or(NO_OFFENCE, |o| t.offences.intern(o));
        t.cell.push(u64::from(row.fine_cell));
        t.lon.push(row.location.lon());
        t.lat.push(row.location.lat());
        t.month.push(row.month.index());
        t.day.push(row.day.map_or(NO_DAY, Day::index));
        t.minute.push(row.time.map_or(NO_TIME, MinuteOfDay::get));
        t.crime_type.push(ct);
        t.offence.push(off);
        t.flags.push(row.flags.bits());
        t.weight.push(row.weight.unwrap_or(f64::NAN));
        t.import.push(row.import_id);
    }

    /// Sorts the rows by fine cell (then by the order they came in, so the result does
    /// not depend on anything but the rows) and returns the table.
    #[must_use]
    pub fn build(self) -> IncidentTable {
        let t = self.t;
        let mut order: Vec<u32> = (0..t.cell.len() as u32).collect();
        order.sort_by_key(|&i| t.cell[i as usize]);
        // one column at a time, each old column freed as soon as it is copied
        fn permute<T: Copy>(v: Vec<T>, order: &[u32]) -> Vec<T> {
            order.iter().map(|&i| v[i as usize]).collect()
        }
        let max_import = t.import.iter().copied().max().unwrap_or(0);
        let months = t
            .month
            .iter()
            .copied()
            .min()
            .zip(t.month.iter().copied().max());
        IncidentTable {
            months,
            cell: permute(t.cell, &order),
            lon: permute(t.lon, &order),
            lat: permute(t.lat, &order),
            month: permute(t.month, &order),
            day: permute(t.day, &order),
            minute: permute(t.minute, &order),
            crime_type: permute(t.crime_type, &order),
            offence: permute(t.offence, &order),
            flags: permute(t.flags, &order),
            weight: permute(t.weight, &order),
            import: permute(t.import, &order),
            max_import,
            crime_types: t.crime_types,
            offences: t.offences,
        }
    }
}

/// Incidents held column by column, sorted by fine H3 cell.
#[derive(Debug, Clone, Default)]
pub struct IncidentTable {
    pub(crate) cell: Vec<u64>,
    pub(crate) lon: Vec<f64>,
    pub(crate) lat: Vec<f64>,
    pub(crate) month: Vec<i32>,
    pub(crate) day: Vec<i32>,
    pub(crate) minute: Vec<u16>,
    pub(crate) crime_type: Vec<u16>,
    pub(crate) offence: Vec<u16>,
    pub(crate) flags: Vec<u8>,
    pub(crate) weight: Vec<f64>,
    pub(crate) import: Vec<u32>,
    pub(crate) crime_types: Dictionary,
    pub(crate) offences: Dictionary,
    /// The largest import id (sizes per-query import tallies).
    pub(crate) max_import: u32,
    /// First and last month index, computed once.
    pub(crate) months: Option<(i32, i32)>,
}

impl IncidentTable {
    /// Number of incidents.
    #[must_use]
    pub fn len(&self) -> usize {
        self.cell.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cell.is_empty()
    }

    /// The crime types present.
    #[must_use]
    pub fn crime_types(&self) -> &Dictionary {
        &self.crime_types
    }

    /// The offences present.
    #[must_use]
    pub fn offences(&self) -> &Dictionary {
        &self.offences
    }

    /// The first and last month present, if any rows.
    #[must_use]
    pub fn month_range(&self) -> Option<(YearMonth, YearMonth)> {
        let (lo, hi) = self.months?;
        Some((
            YearMonth::from_index(lo).ok()?,
            YearMonth::from_index(hi).ok()?,
        ))
    }

    /// For each month from the table's first to its last, whether any row `keep`
    /// accepts falls in it. A month with none at all is a gap in the data (a month not
    /// imported for those rows), not a count of zero.
    #[must_use]
    pub fn months_held_where(&self, keep: impl Fn(usize) -> bool) -> Vec<bool> {
        let Some((lo, hi)) = self.months else {
            return Vec::new();
        };
        let mut held = vec![false; (hi - lo + 1) as usize];
        for (i, &m) in self.month.iter().enumerate() {
            if keep(i) {
                held[(m - lo) as usize] = true;
            }
        }
        held
    }

    /// The smallest box holding every incident, if any.
    #[must_use]
    pub fn bounds(&self) -> Option<BBox> {
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (w, s, e, n) = (
            min(&self.lon),
            min(&self.lat),
            max(&self.lon),
            max(&self.lat),
        );
        // a single point still makes a (tiny) box
        BBox::new(w, s, e.max(w + 1e-9), n.max(s + 1e-9)).ok()
    }

    /// The cells at `res` that contain at least one incident's location, sorted. (By
    /// the point, not by the fine cell's H3 ancestor: ancestors nest only roughly, so a
    /// point near a coarse cell's edge can have an ancestor across it.)
    #[must_use]
    pub fn point_cells(&self, res: Resolution) -> Vec<h3o::CellIndex> {
        let mut cells: Vec<h3o::CellIndex> = self
            .lon
            .iter()
            .zip(&self.lat)
            .filter_map(|(&lon, &lat)| Some(h3o::LatLng::new(lat, lon).ok()?.to_cell(res.h3())))
            .collect();
        cells.sort_unstable();
        cells.dedup();
        cells
    }

    /// Incidents with a date and a time of day: those a weekly time window can select.
    #[must_use]
    pub fn timed_count(&self) -> usize {
        self.day
            .iter()
            .zip(&self.minute)
            .filter(|&(&d, &m)| d != NO_DAY && m != NO_TIME)
            .count()
    }

    /// Incidents per crime type, in dictionary order (names as first seen).
    #[must_use]
    pub fn crime_type_counts(&self) -> Vec<(&str, usize)> {
        let mut n = vec![0usize; self.crime_types.len()];
        for &c in &self.crime_type {
            n[usize::from(c)] += 1;
        }
        self.crime_types
            .names()
            .iter()
            .map(String::as_str)
            .zip(n)
            .collect()
    }

    /// Bytes held by the columns (not counting the small dictionaries).
    #[must_use]
    pub fn column_bytes(&self) -> usize {
        fn bytes<T>(v: &[T]) -> usize {
            std::mem::size_of_val(v)
        }
        bytes(&self.cell)
            + bytes(&self.lon)
            + bytes(&self.lat)
            + bytes(&self.month)
            + bytes(&self.day)
            + bytes(&self.minute)
            + bytes(&self.crime_type)
            + bytes(&self.offence)
            + bytes(&self.flags)
            + bytes(&self.weight)
            + bytes(&self.import)
    }

    /// Bytes of column data per incident.
    pub const BYTES_PER_ROW: usize = 8 + 8 + 8 + 4 + 4 + 2 + 2 + 2 + 1 + 8 + 4;
}
