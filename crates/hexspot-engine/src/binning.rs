//! Binning: the cell that holds each incident's point, and a query's per-cell sums.
//!
//! An incident's cell at resolution r is the H3 cell that contains its point at r
//! (h3o's `LatLng::to_cell`, h3-py's `latlng_to_cell`), never the ancestor of a finer
//! cell: H3 children do not tile their parent, and on real police.uk files the
//! ancestor of the point's resolution-15 cell misses the point for 6–7 % of
//! incidents at every resolution 7–12.
//!
//! A [`CellColumn`] holds, for one resolution, the sorted distinct cells and each
//! row's position among them (4 bytes a row). A table computes it once per resolution
//! on first use, so binning is a scan that adds each kept row into a dense array.

use h3o::{CellIndex, LatLng};
use rayon::prelude::*;
use thiserror::Error;

use crate::cancel::{Cancel, Cancelled};
use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm, WeightSource};
use crate::hotspots::WeightSources;
use crate::table::IncidentTable;
use crate::types::{LonLat, Resolution};

/// The query resolutions, [`Resolution::MIN`]..=[`Resolution::MAX`].
pub const RESOLUTIONS: usize = (Resolution::MAX - Resolution::MIN + 1) as usize;

/// Rows handed to one task of a parallel scan. Fixed, so that the order floating-point
/// sums are added in depends on the rows alone, never on the number of threads.
pub(crate) const CHUNK_ROWS: usize = 1 << 17;

/// The cell holding each row's point at one resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellColumn {
    res: Resolution,
    /// Distinct cells, ascending.
    cells: Vec<u64>,
    /// Per row, its cell's position in `cells`.
    slots: Vec<u32>,
}

/// A stored cell column that does not fit its table (a corrupted snapshot).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CellColumnError {
    /// Not one slot per row.
    #[error("{slots} cell slots for {rows} rows")]
    Length {
        /// slots given
        slots: usize,
        /// rows in the table
        rows: usize,
    },
    /// The cells are not valid H3 indexes at the resolution, ascending and distinct.
    #[error("cell {index}: not a distinct ascending H3 cell at resolution {res}")]
    Cell {
        /// its position
        index: usize,
        /// the resolution
        res: u8,
    },
    /// A slot past the last cell.
    #[error("row {row}: slot {slot} past the {cells} cells")]
    Slot {
        /// the row
        row: usize,
        /// its slot
        slot: u32,
        /// cells held
        cells: usize,
    },
}

/// The H3 cell holding `(lon, lat)` at `res`.
#[inline]
pub(crate) fn point_cell(lon: f64, lat: f64, res: Resolution) -> u64 {
    // table coordinates come from `LonLat`, which only holds finite WGS84 degrees
    LatLng::new(lat, lon).map_or(0, |ll| u64::from(ll.to_cell(res.h3())))
}

/// The cells of points at every query resolution (coarsest first), remembered for
/// repeated points: police.uk snaps a force's incidents to a few tens of thousands of
/// map points, so a file's rows can be located as they are read, once a point.
#[derive(Debug, Default)]
pub struct PointCells {
    cache: rustc_hash::FxHashMap<(u64, u64), [u64; RESOLUTIONS]>,
    /// points asked for, and those that were not remembered
    asked: u64,
    missed: u64,
}

impl PointCells {
    /// Points remembered at most (then the memory is given back and refilled).
    const MAX: usize = 1 << 20;

    /// The cells holding `p` at resolutions [`Resolution::MIN`]..=[`Resolution::MAX`].
    pub fn get(&mut self, p: LonLat) -> [u64; RESOLUTIONS] {
        let key = (p.lon().to_bits(), p.lat().to_bits());
        self.asked += 1;
        if let Some(c) = self.cache.get(&key) {
            return *c;
        }
        self.missed += 1;
        if self.cache.len() >= Self::MAX {
            self.cache = Default::default();
        }
        let cells = std::array::from_fn(|i| {
            let res = Resolution::try_from(Resolution::MIN + i as u8).expect("in range");
            point_cell(p.lon(), p.lat(), res)
        });
        self.cache.insert(key, cells);
        cells
    }

    /// Whether the points asked for so far repeat enough (at least 64k of them, more
    /// than half repeats) to be worth remembering; when not (exact locations, as in a
    /// force's own extract), locating them all in parallel at the end is faster.
    #[must_use]
    pub fn worth_it(&self) -> bool {
        self.asked < 1 << 16 || self.missed * 2 <= self.asked
    }
}

/// The cell holding each point at `res` (in parallel for large inputs).
pub(crate) fn locate(lon: &[f64], lat: &[f64], res: Resolution) -> Vec<u64> {
    let mut bits = vec![0u64; lon.len()];
    bits.par_chunks_mut(CHUNK_ROWS / 8)
        .enumerate()
        .for_each(|(c, out)| {
            let start = c * (CHUNK_ROWS / 8);
            // police.uk snaps incidents to shared map points, and rows sorted by
            // cell keep them together: locate each run of one point once
            let mut last = (f64::NAN, f64::NAN, 0u64);
            for (k, b) in out.iter_mut().enumerate() {
                let (x, y) = (lon[start + k], lat[start + k]);
                if x != last.0 || y != last.1 {
                    last = (x, y, point_cell(x, y, res));
                }
                *b = last.2;
            }
        });
    bits
}

impl CellColumn {
    /// Locates every point at `res` (in parallel for large inputs).
    #[must_use]
    pub fn compute(lon: &[f64], lat: &[f64], res: Resolution) -> Self {
        Self::from_row_cells(res, &locate(lon, lat, res))
    }

    /// The column for rows whose cells are `bits` (one per row).
    pub(crate) fn from_row_cells(res: Resolution, bits: &[u64]) -> Self {
        // rows sorted by their fine cell hold each coarse cell in a few runs: sort the
        // run heads, not every row
        let mut cells: Vec<u64> = Vec::new();
        let mut last = None;
        for &b in bits {
            if last != Some(b) {
                cells.push(b);
                last = Some(b);
            }
        }
        cells.par_sort_unstable();
        cells.dedup();
        let mut slots = Vec::with_capacity(bits.len());
        let mut last = (u64::MAX, 0u32);
        for &b in bits {
            if b != last.0 {
                let at = cells
                    .binary_search(&b)
                    .expect("every row's cell was collected");
                last = (b, at as u32);
            }
            slots.push(last.1);
        }
        Self { res, cells, slots }
    }

    /// A stored column, checked: every cell valid at `res`, ascending and distinct,
    /// and one slot per row naming one of them. (That each point lies in its cell is
    /// not checked again: that would cost as much as locating them.)
    ///
    /// # Errors
    /// [`CellColumnError`] naming the first thing that does not fit.
    pub fn from_parts(
        res: Resolution,
        cells: Vec<u64>,
        slots: Vec<u32>,
        rows: usize,
    ) -> Result<Self, CellColumnError> {
        if slots.len() != rows {
            return Err(CellColumnError::Length {
                slots: slots.len(),
                rows,
            });
        }
        for (i, &c) in cells.iter().enumerate() {
            let valid = CellIndex::try_from(c).is_ok_and(|c| c.resolution() == res.h3());
            if !valid || (i > 0 && cells[i - 1] >= c) {
                return Err(CellColumnError::Cell {
                    index: i,
                    res: res.get(),
                });
            }
        }
        if let Some(row) = slots.iter().position(|&s| s as usize >= cells.len()) {
            return Err(CellColumnError::Slot {
                row,
                slot: slots[row],
                cells: cells.len(),
            });
        }
        Ok(Self { res, cells, slots })
    }

    /// The resolution.
    #[must_use]
    pub fn resolution(&self) -> Resolution {
        self.res
    }

    /// The distinct cells that hold at least one row, ascending (as `u64` H3 indexes).
    #[must_use]
    pub fn cells(&self) -> &[u64] {
        &self.cells
    }

    /// Per row, the position of its cell in [`CellColumn::cells`].
    #[must_use]
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// The cell of row `i`.
    #[must_use]
    #[inline]
    pub fn cell(&self, i: usize) -> u64 {
        self.cells[self.slots[i] as usize]
    }

    /// Bytes held (slots and cells).
    #[must_use]
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.slots.as_slice()) + std::mem::size_of_val(self.cells.as_slice())
    }
}

/// Occupied cells at one resolution, in cell order.
#[derive(Debug, Default)]
pub(crate) struct Bins {
    pub cells: Vec<u64>,
    pub count: Vec<u32>,
    pub harm: Vec<f64>,
}

/// What binning a query found: its occupied cells and what it left out.
#[derive(Default)]
pub(crate) struct Binned {
    pub bins: Bins,
    pub exclusions: Exclusions,
    pub weights: WeightSources,
    pub imports: Vec<bool>,
}

/// Per-slot sums of one chunk of rows.
struct Partial {
    count: Vec<u32>,
    harm: Vec<f64>,
    exclusions: Exclusions,
    weights: WeightSources,
    imports: Vec<bool>,
}

impl Partial {
    fn add(&mut self, o: &Partial) {
        for (a, b) in self.count.iter_mut().zip(&o.count) {
            *a += b;
        }
        for (a, b) in self.harm.iter_mut().zip(&o.harm) {
            *a += b;
        }
        let (e, f) = (&mut self.exclusions, &o.exclusions);
        e.flag_not_recorded += f.flag_not_recorded;
        e.month_only_partial_period += f.month_only_partial_period;
        e.no_time_of_day += f.no_time_of_day;
        e.outside_region += f.outside_region;
        self.weights.data += o.weights.data;
        self.weights.table += o.weights.table;
        self.weights.default += o.weights.default;
        for (a, b) in self.imports.iter_mut().zip(&o.imports) {
            *a |= b;
        }
    }
}

/// One pass over rows `range`: filter and sum count and harm per slot.
fn bin_range(
    table: &IncidentTable,
    col: &CellColumn,
    cf: &CompiledFilter<'_>,
    rh: &ResolvedHarm,
    inside: Option<&[bool]>,
    range: std::ops::Range<usize>,
) -> Partial {
    let n = col.cells.len();
    let mut out = Partial {
        count: vec![0; n],
        harm: vec![0.0; n],
        exclusions: Exclusions::default(),
        weights: WeightSources::default(),
        imports: vec![false; table.max_import as usize + 1],
    };
    let trivial = cf.is_trivial();
    for i in range {
        if !trivial {
            match cf.test(table, i) {
                Verdict::Keep => {}
                Verdict::Drop => continue,
                Verdict::Excluded(count) => {
                    count(&mut out.exclusions);
                    continue;
                }
            }
        }
        let s = col.slots[i] as usize;
        if let Some(inside) = inside
            && !inside[s]
        {
            out.exclusions.outside_region += 1;
            continue;
        }
        let (w, src) = rh.weight(table, i);
        match src {
            WeightSource::Data => out.weights.data += 1,
            WeightSource::Table => out.weights.table += 1,
            WeightSource::Default => out.weights.default += 1,
        }
        out.imports[table.import[i] as usize] = true;
        out.count[s] += 1;
        out.harm[s] += w;
    }
    out
}

/// Filters and bins the whole table at `res`, keeping only cells in `region` when one
/// is given (the others' incidents are counted as left out); stops between chunks of
/// rows once `cancel` is set.
pub(crate) fn bin(
    table: &IncidentTable,
    filter: &Filter,
    harm: &HarmTable,
    res: Resolution,
    region: Option<&rustc_hash::FxHashSet<u64>>,
    cancel: &Cancel,
) -> Result<Binned, QueryError> {
    let cf = CompiledFilter::new(filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let col = table.cells_at(res);
    let inside: Option<Vec<bool>> =
        region.map(|r| col.cells.iter().map(|c| r.contains(c)).collect());
    let n = table.len();
    let chunks: Vec<Partial> = (0..n.div_ceil(CHUNK_ROWS).max(1))
        .into_par_iter()
        .map(|c| {
            cancel.check()?;
            let range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
            Ok(bin_range(table, col, &cf, &rh, inside.as_deref(), range))
        })
        .collect::<Result<_, Cancelled>>()?;
    let mut chunks = chunks.into_iter();
    let mut total = chunks.next().expect("at least one chunk");
    for c in chunks {
        total.add(&c);
    }
    let mut bins = Bins::default();
    for (s, &count) in total.count.iter().enumerate() {
        if count > 0 {
            bins.cells.push(col.cells[s]);
            bins.count.push(count);
            bins.harm.push(total.harm[s]);
        }
    }
    Ok(Binned {
        bins,
        exclusions: total.exclusions,
        weights: total.weights,
        imports: total.imports,
    })
}

#[cfg(test)]
#[path = "binning_tests.rs"]
mod tests;
