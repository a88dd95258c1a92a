//! The columnar in-memory incident table the engine queries.
//!
//! Rows are sorted by their fine (resolution 15) H3 cell, then by the order they came
//! in, so nearby incidents sit together; each query resolution's cells are a
//! [`CellColumn`] computed from the points once, on first use (or handed over by the
//! store, which keeps them).

use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;
use thiserror::Error;

use rayon::prelude::*;

use crate::binning::{self, CellColumn, RESOLUTIONS};
use crate::points::PointIndex;
use crate::types::{BBox, Day, Flags, LonLat, MinuteOfDay, Resolution, YearMonth};

/// Sentinel for "no day known" (month-only rows) in the `day` column.
pub(crate) const NO_DAY: i32 = i32::MIN;
/// Sentinel for "no time of day known" in the `minute` column.
pub(crate) const NO_TIME: u16 = u16::MAX;
/// Sentinel for "no offence code" in the `offence` column; never a dictionary code.
pub(crate) const NO_OFFENCE: u32 = u32::MAX;

/// A table that cannot be built as given.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TableError {
    /// More distinct names than a code can number.
    #[error("more than {max} distinct {what} names")]
    TooManyNames {
        /// "crime type" or "offence"
        what: &'static str,
        /// the most codes a dictionary holds
        max: u32,
    },
    /// Stored columns that do not fit together (a corrupted snapshot).
    #[error("stored column {column}: {reason}")]
    Column {
        /// the column
        column: &'static str,
        /// what was wrong
        reason: String,
    },
}

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
    codes: FxHashMap<String, u32>,
}

impl Dictionary {
    /// The most names a dictionary numbers: codes are `0..MAX_CODES`, so none is
    /// the no-offence marker (`u32::MAX`).
    pub const MAX_CODES: u32 = u32::MAX - 1;

    /// A dictionary of `names`, coded in their order.
    ///
    /// # Errors
    /// [`TableError::Column`] for a repeated name; [`TableError::TooManyNames`].
    pub fn from_names(what: &'static str, names: Vec<String>) -> Result<Self, TableError> {
        let mut d = Self::default();
        for n in &names {
            if d.codes.contains_key(n) {
                return Err(TableError::Column {
                    column: what,
                    reason: format!("name {n:?} is listed twice"),
                });
            }
            d.intern(what, n)?;
        }
        Ok(d)
    }

    fn intern(&mut self, what: &'static str, name: &str) -> Result<u32, TableError> {
        if let Some(&c) = self.codes.get(name) {
            return Ok(c);
        }
        let code = u32::try_from(self.names.len())
            .ok()
            .filter(|&c| c < Self::MAX_CODES)
            .ok_or(TableError::TooManyNames {
                what,
                max: Self::MAX_CODES,
            })?;
        self.names.push(name.to_owned());
        self.codes.insert(name.to_owned(), code);
        Ok(code)
    }

    /// The code of a name, if present.
    #[must_use]
    pub fn code(&self, name: &str) -> Option<u32> {
        self.codes.get(name).copied()
    }

    /// The name of a code.
    #[must_use]
    pub fn name(&self, code: u32) -> Option<&str> {
        self.names.get(code as usize).map(String::as_str)
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
    /// Per resolution, the cells of the rows taken over from a table that had that
    /// column (the first rows), so they need not be located again.
    carried: [Option<Vec<u64>>; RESOLUTIONS],
    /// Rows taken over by [`from_table`](Self::from_table).
    taken: u32,
    /// Per query resolution, the cells of the rows added since, when every one came
    /// through [`push_located`](Self::push_located).
    located: Option<Box<[Vec<u64>; RESOLUTIONS]>>,
    /// A row came through [`push`](Self::push): the added rows are located in `build`.
    unlocated: bool,
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

    /// A builder holding every row of `table`, with the cell columns it has computed
    /// carried over (only rows added after it are located at those resolutions).
    #[must_use]
    pub fn from_table(table: &IncidentTable) -> Self {
        Self::from_table_except(table, None)
    }

    /// As [`from_table`](Self::from_table), leaving out the rows of import `except`
    /// (when one is given): the rows an import that replaces it takes over.
    #[must_use]
    pub fn from_table_except(table: &IncidentTable, except: Option<u32>) -> Self {
        let keep: Option<Vec<bool>> =
            except.map(|id| table.import.iter().map(|&i| i != id).collect());
        let mut t = table.clone();
        t.by_res = Default::default();
        t.points = Default::default();
        if let Some(keep) = &keep {
            fn only<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
                let mut k = keep.iter();
                v.retain(|_| *k.next().expect("one flag a row"));
            }
            only(&mut t.cell, keep);
            only(&mut t.lon, keep);
            only(&mut t.lat, keep);
            only(&mut t.month, keep);
            only(&mut t.day, keep);
            only(&mut t.minute, keep);
            only(&mut t.crime_type, keep);
            only(&mut t.offence, keep);
            only(&mut t.flags, keep);
            only(&mut t.weight, keep);
            only(&mut t.import, keep);
        }
        let kept = |r: usize| keep.as_ref().is_none_or(|k| k[r]);
        let carried = std::array::from_fn(|i| {
            table.by_res[i].get().map(|col| {
                (0..table.len())
                    .filter(|&r| kept(r))
                    .map(|r| col.cell(r))
                    .collect()
            })
        });
        let taken = t.cell.len() as u32;
        Self {
            t,
            carried,
            taken,
            ..Self::default()
        }
    }

    /// The rows taken over by [`from_table`](Self::from_table) (the first rows pushed).
    #[must_use]
    pub fn len_taken_over(&self) -> u32 {
        self.taken
    }

    /// Adds one row.
    ///
    /// # Errors
    /// [`TableError::TooManyNames`] past [`Dictionary::MAX_CODES`] crime types or
    /// offences (the row is not added).
    pub fn push(&mut self, row: &IncidentRow<'_>) -> Result<(), TableError> {
        self.push_row(row)?;
        self.unlocated = true;
        self.located = None;
        Ok(())
    }

    /// Adds one row with its point's cells at every query resolution (from
    /// [`PointCells`](crate::PointCells)), so [`build`](Self::build) need not locate it.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub fn push_located(
        &mut self,
        row: &IncidentRow<'_>,
        cells: &[u64; RESOLUTIONS],
    ) -> Result<(), TableError> {
        self.push_row(row)?;
        if !self.unlocated {
            let located = self.located.get_or_insert_with(Default::default);
            for (col, &c) in located.iter_mut().zip(cells) {
                col.push(c);
            }
        }
        Ok(())
    }

    fn push_row(&mut self, row: &IncidentRow<'_>) -> Result<(), TableError> {
        let t = &mut self.t;
        let ct = t.crime_types.intern("crime type", row.crime_type)?;
        let off = match row.offence {
            Some(o) => t.offences.intern("offence", o)?,
            None => NO_OFFENCE,
        };
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
        Ok(())
    }

    /// Sorts the rows by fine cell (then by the order they came in, so the result does
    /// not depend on anything but the rows) and returns the table.
    #[must_use]
    pub fn build(self) -> IncidentTable {
        self.build_with_order().0
    }

    /// As [`build`](Self::build), with the order taken: for each row of the table, where
    /// it came from — below [`len_taken_over`](Self::len_taken_over), its row in the
    /// table given to [`from_table`](Self::from_table); from there on, the rows pushed
    /// in the order they were pushed.
    #[must_use]
    pub fn build_with_order(self) -> (IncidentTable, Vec<u32>) {
        let t = self.t;
        // (cell, row) pairs are distinct, so an unstable sort puts equal cells in the
        // order they came in
        let mut keyed: Vec<(u64, u32)> = t.cell.iter().copied().zip(0u32..).collect();
        keyed.par_sort_unstable();
        let order: Vec<u32> = keyed.into_iter().map(|(_, r)| r).collect();
        // carried cell columns: locate only the rows added since (in table order, so
        // repeated points sit together and are located once), then put every row's
        // cell in the new order
        let old = self.taken;
        let (lon, lat): (Vec<f64>, Vec<f64>) = order
            .iter()
            .filter(|&&r| r >= old && self.located.is_none())
            .map(|&r| (t.lon[r as usize], t.lat[r as usize]))
            .unzip();
        // a column for each resolution carried over, and for every resolution when
        // all rows came located
        let mut located = self.located.map(|l| *l);
        let carried: Vec<(usize, Vec<u64>, Option<Vec<u64>>)> = self
            .carried
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let pushed = located.as_mut().map(|l| std::mem::take(&mut l[i]));
                match c {
                    Some(c) => Some((i, c, pushed)),
                    None if old == 0 => pushed.map(|p| (i, Vec::new(), Some(p))),
                    None => None,
                }
            })
            .collect();
        let columns: Vec<(usize, CellColumn)> = carried
            .into_par_iter()
            .map(|(i, old_cells, pushed)| {
                let res = Resolution::try_from(Resolution::MIN + i as u8)
                    .expect("carried columns are at query resolutions");
                // the added rows' cells in table order
                let in_order = |p: Vec<u64>| {
                    order
                        .iter()
                        .filter(|&&r| r >= old)
                        .map(|&r| p[(r - old) as usize])
                        .collect()
                };
                let mut added = pushed
                    .map_or_else(|| binning::locate(&lon, &lat, res), in_order)
                    .into_iter();
                let sorted: Vec<u64> = order
                    .iter()
                    .map(|&r| {
                        if r >= old {
                            added.next().expect("one located cell an added row")
                        } else {
                            old_cells[r as usize]
                        }
                    })
                    .collect();
                (i, CellColumn::from_row_cells(res, &sorted))
            })
            .collect();
        let by_res: [OnceLock<Arc<CellColumn>>; RESOLUTIONS] = Default::default();
        for (i, col) in columns {
            let _ = by_res[i].set(Arc::new(col));
        }
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
        let table = IncidentTable {
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
            by_res,
            points: Default::default(),
        };
        (table, order)
    }
}

/// Every column of a table, as the store keeps them (rows already in table order).
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct Columns {
    pub cell: Vec<u64>,
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub month: Vec<i32>,
    /// days since 1970-01-01; `i32::MIN` where only the month is known
    pub day: Vec<i32>,
    /// minute of the day; `u16::MAX` where no time is known
    pub minute: Vec<u16>,
    pub crime_type: Vec<u32>,
    /// `u32::MAX` where no offence is given
    pub offence: Vec<u32>,
    pub flags: Vec<u8>,
    /// NaN where the row carries no weight
    pub weight: Vec<f64>,
    pub import: Vec<u32>,
    pub crime_types: Vec<String>,
    pub offences: Vec<String>,
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
    pub(crate) crime_type: Vec<u32>,
    pub(crate) offence: Vec<u32>,
    pub(crate) flags: Vec<u8>,
    pub(crate) weight: Vec<f64>,
    pub(crate) import: Vec<u32>,
    pub(crate) crime_types: Dictionary,
    pub(crate) offences: Dictionary,
    /// The largest import id (sizes per-query import tallies).
    pub(crate) max_import: u32,
    /// First and last month index, computed once.
    pub(crate) months: Option<(i32, i32)>,
    /// Each query resolution's cells, computed (or handed over) once.
    pub(crate) by_res: [OnceLock<Arc<CellColumn>>; RESOLUTIONS],
    /// Each resolution's distinct points for kernel densities, computed on first use.
    pub(crate) points: [OnceLock<Option<Arc<PointIndex>>>; RESOLUTIONS],
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

    /// The cell holding each incident's point at `res`, computed on first use.
    #[must_use]
    pub fn cells_at(&self, res: Resolution) -> &CellColumn {
        self.by_res[usize::from(res.get() - Resolution::MIN)]
            .get_or_init(|| Arc::new(CellColumn::compute(&self.lon, &self.lat, res)))
    }

    /// Hands over a cell column computed before (the store keeps them), so the first
    /// query at its resolution need not locate every point. A column for another
    /// table's rows is refused; one already present is kept.
    ///
    /// # Errors
    /// [`TableError::Column`] when the column does not have one slot per row.
    pub fn set_cells(&self, col: Arc<CellColumn>) -> Result<(), TableError> {
        if col.slots().len() != self.len() {
            return Err(TableError::Column {
                column: "cells",
                reason: format!("{} slots for {} rows", col.slots().len(), self.len()),
            });
        }
        let i = usize::from(col.resolution().get() - Resolution::MIN);
        let _ = self.by_res[i].set(col);
        Ok(())
    }

    /// The distinct points at `res` laid out for kernel densities (built on first use);
    /// `None` when the cells do not fit one local-IJ frame.
    pub(crate) fn points_at(&self, res: Resolution) -> Option<&PointIndex> {
        self.points[usize::from(res.get() - Resolution::MIN)]
            .get_or_init(|| PointIndex::build(self, res).map(Arc::new))
            .as_deref()
    }

    /// The cell columns computed so far.
    #[must_use]
    pub fn cell_columns(&self) -> Vec<Arc<CellColumn>> {
        self.by_res
            .iter()
            .filter_map(|c| c.get().cloned())
            .collect()
    }

    /// The cells at `res` that contain at least one incident's point, sorted.
    #[must_use]
    pub fn point_cells(&self, res: Resolution) -> Vec<h3o::CellIndex> {
        self.cells_at(res)
            .cells()
            .iter()
            .map(|&c| h3o::CellIndex::try_from(c).expect("cell columns hold valid cells"))
            .collect()
    }

    /// Every column, as the store keeps them.
    #[must_use]
    pub fn to_columns(&self) -> Columns {
        Columns {
            cell: self.cell.clone(),
            lon: self.lon.clone(),
            lat: self.lat.clone(),
            month: self.month.clone(),
            day: self.day.clone(),
            minute: self.minute.clone(),
            crime_type: self.crime_type.clone(),
            offence: self.offence.clone(),
            flags: self.flags.clone(),
            weight: self.weight.clone(),
            import: self.import.clone(),
            crime_types: self.crime_types.names.clone(),
            offences: self.offences.names.clone(),
        }
    }

    /// A table from stored columns, checked: equal lengths, rows in table order (by
    /// fine cell), valid coordinates, months, times and codes. (The fine cells only
    /// order the rows, so their H3 validity is not checked again.)
    ///
    /// # Errors
    /// [`TableError::Column`] naming the first column that does not fit.
    pub fn from_columns(c: Columns) -> Result<Self, TableError> {
        let n = c.cell.len();
        let bad = |column: &'static str, reason: String| TableError::Column { column, reason };
        let lens = [
            ("lon", c.lon.len()),
            ("lat", c.lat.len()),
            ("month", c.month.len()),
            ("day", c.day.len()),
            ("minute", c.minute.len()),
            ("crime_type", c.crime_type.len()),
            ("offence", c.offence.len()),
            ("flags", c.flags.len()),
            ("weight", c.weight.len()),
            ("import", c.import.len()),
        ];
        if let Some((name, len)) = lens.iter().find(|(_, len)| *len != n) {
            return Err(bad(name, format!("{len} values for {n} rows")));
        }
        let crime_types = Dictionary::from_names("crime type", c.crime_types)?;
        let offences = Dictionary::from_names("offence", c.offences)?;
        for i in 0..n {
            let row = |reason: &str| format!("row {i}: {reason}");
            if i > 0 && c.cell[i - 1] > c.cell[i] {
                return Err(bad("cell", row("rows are not in cell order")));
            }
            if LonLat::new(c.lon[i], c.lat[i]).is_err() {
                return Err(bad("lon", row("not a WGS84 longitude and latitude")));
            }
            if YearMonth::from_index(c.month[i]).is_err() {
                return Err(bad("month", row("not a month")));
            }
            if c.minute[i] != NO_TIME && c.minute[i] >= 24 * 60 {
                return Err(bad("minute", row("not a minute of the day")));
            }
            if c.crime_type[i] as usize >= crime_types.len() {
                return Err(bad("crime_type", row("unknown code")));
            }
            if c.offence[i] != NO_OFFENCE && c.offence[i] as usize >= offences.len() {
                return Err(bad("offence", row("unknown code")));
            }
        }
        let months = c
            .month
            .iter()
            .copied()
            .min()
            .zip(c.month.iter().copied().max());
        let max_import = c.import.iter().copied().max().unwrap_or(0);
        Ok(Self {
            cell: c.cell,
            lon: c.lon,
            lat: c.lat,
            month: c.month,
            day: c.day,
            minute: c.minute,
            crime_type: c.crime_type,
            offence: c.offence,
            flags: c.flags,
            weight: c.weight,
            import: c.import,
            crime_types,
            offences,
            max_import,
            months,
            by_res: Default::default(),
            points: Default::default(),
        })
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
            n[c as usize] += 1;
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

    /// Bytes of column data per incident, before any cell column.
    pub const BYTES_PER_ROW: usize = 8 + 8 + 8 + 4 + 4 + 2 + 4 + 4 + 1 + 8 + 4;

    /// Bytes held by the cell columns computed so far (4 a row for each resolution in
    /// use, plus its distinct cells).
    #[must_use]
    pub fn cell_column_bytes(&self) -> usize {
        self.by_res
            .iter()
            .filter_map(OnceLock::get)
            .map(|c| c.bytes())
            .sum()
    }

    /// Bytes held by the kernel densities' point layouts built so far (about 40 a row
    /// for each resolution a density was asked at).
    #[must_use]
    pub fn point_index_bytes(&self) -> usize {
        self.points
            .iter()
            .filter_map(|p| p.get().cloned().flatten())
            .map(|p| p.bytes())
            .sum()
    }
}
