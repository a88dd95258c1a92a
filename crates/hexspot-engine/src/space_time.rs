//! The space-time cube and space-time Gi*.
//!
//! The period is cut into T slices of s whole months ending at its last month; `x_{i,t}`
//! is the count (or harm) of the selected incidents of slice t in cell i, 0 where none.
//! The study region S is the hotspot rule over all slices together (occupied cells and
//! their k-rings, or the given cells), built by the study-region builders. A month of the
//! period in which the data hold no incident at all inside S, whatever the filters, is a
//! gap, and the cube is refused.
//!
//! Space-time Gi* of bin (i, t): the neighbours are the bins (j, u) with j ∈ S within
//! grid distance k of i (i itself included) and `t − L ≤ u ≤ t` (slices before the first
//! do not exist); binary weights; X̄ and S over all n = |S|·T bins; the Gi* formula of
//! [`crate::stats`] with that n and W = the number of neighbour bins. Significance per
//! slice: Benjamini–Hochberg at α over that slice's cells with a defined z.

use h3o::CellIndex;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use thiserror::Error;

use crate::binning::{Binned, CHUNK_ROWS, bin};
use crate::cancel::{Cancel, Cancelled};
use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm};
use crate::hotspots::{
    HotspotQuery, Limit, Measure, RankBy, StudyRegion, WeightSources, fixed_cells,
};
use crate::query_types::{Alpha, K, SliceMonths, TimeLag};
use crate::stats::{RegionMoments, bh_threshold, two_sided_p};
use crate::study_region::{disk, region_by_hash, region_by_ij};
use crate::table::IncidentTable;
use crate::types::{Day, Resolution, YearMonth};

/// The fewest slices a cube is built with.
pub const MIN_SLICES: usize = 4;

/// Fewer slices than this are reported with a caution: the 90 % rules of the emerging
/// hot spot categories need 10 to mean anything.
pub const CAUTION_BELOW_SLICES: usize = 10;

/// A space-time cube that cannot be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SpaceTimeError {
    /// No period was given.
    #[error("a space-time cube needs a period: give from and to as YYYY-MM")]
    NoPeriod,
    /// The period does not start on a month's first day and end on one's last.
    #[error("the period {from} to {to} is not whole months: give from and to as YYYY-MM")]
    NotWholeMonths {
        /// first day
        from: Day,
        /// last day
        to: Day,
    },
    /// The period's months do not divide into slices.
    #[error(
        "the period {from} to {to} is {months} months, not a whole number of {slice_months}-month slices"
    )]
    NotWholeSlices {
        /// first month
        from: YearMonth,
        /// last month
        to: YearMonth,
        /// months in the period
        months: u32,
        /// the slice length
        slice_months: u32,
    },
    /// Fewer than [`MIN_SLICES`] slices.
    #[error(
        "the period {from} to {to} makes {slices} slice(s) of {slice_months} month(s): at least {MIN_SLICES} are needed"
    )]
    TooFewSlices {
        /// first month
        from: YearMonth,
        /// last month
        to: YearMonth,
        /// slices it makes
        slices: usize,
        /// the slice length
        slice_months: u32,
    },
    /// Months of the period in which the data hold no incident inside the study region.
    #[error(
        "the data hold no incident at all inside the study region in {}: a gap in the data, not zeros (import those months, or choose a period without them)",
        months.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Gaps {
        /// the gap months, ascending
        months: Vec<YearMonth>,
    },
    /// The query itself cannot run.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// Everything a space-time cube asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceTimeQuery {
    /// Which incidents; its period (whole months) is the cube's.
    pub filter: Filter,
    /// Cell resolution.
    pub resolution: Resolution,
    /// Spatial neighbourhood: the k-ring, the cell itself included.
    pub k: K,
    /// The value per bin.
    pub measure: Measure,
    /// The study region.
    pub region: StudyRegion,
    /// FDR level for Benjamini–Hochberg, per slice.
    pub alpha: Alpha,
    /// The slice length.
    pub slice_months: SliceMonths,
    /// The time lag L.
    pub time_lag: TimeLag,
    /// Refuse the cube when its study region holds more cells than this.
    pub max_region_cells: usize,
}

impl SpaceTimeQuery {
    /// The cube of a hotspot query's filters and settings (its ranking and limit do not
    /// apply).
    #[must_use]
    pub fn from_hotspot(q: HotspotQuery, slice_months: SliceMonths, time_lag: TimeLag) -> Self {
        Self {
            filter: q.filter,
            resolution: q.resolution,
            k: q.k,
            measure: q.measure,
            region: q.region,
            alpha: q.alpha,
            slice_months,
            time_lag,
            max_region_cells: q.max_region_cells,
        }
    }

    fn hotspot(&self) -> HotspotQuery {
        HotspotQuery {
            filter: self.filter.clone(),
            resolution: self.resolution,
            k: self.k,
            measure: self.measure,
            region: self.region.clone(),
            alpha: self.alpha,
            rank_by: RankBy::Z,
            limit: Limit::All,
            max_region_cells: self.max_region_cells,
        }
    }
}

/// One slice: its first and last month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// First month.
    pub first: YearMonth,
    /// Last month.
    pub last: YearMonth,
}

/// A bin's significance in its slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SliceState {
    /// Significant and z > 0.
    Hot,
    /// Significant and z < 0.
    Cold,
    /// Not significant (or z undefined).
    NotSignificant,
}

/// The cube: every study-region cell × every slice. Per-bin vectors are cell-major:
/// bin (i, t) is at `i · T + t`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceTimeCube {
    /// The study region's cells, ascending.
    pub cells: Vec<CellIndex>,
    /// The slices, oldest first.
    pub slices: Vec<Slice>,
    /// Selected incidents per bin.
    pub counts: Vec<u32>,
    /// The measure per bin.
    pub values: Vec<f64>,
    /// Space-time Gi* z per bin (`None` where undefined).
    pub z: Vec<Option<f64>>,
    /// Two-sided p of z.
    pub p: Vec<Option<f64>>,
    /// Hot, cold or neither.
    pub states: Vec<SliceState>,
    /// n = |S|·T, X̄ and S over every bin.
    pub moments: RegionMoments,
    /// Per slice, the Benjamini–Hochberg p threshold (if anything is significant).
    pub bh_thresholds: Vec<Option<f64>>,
    /// Per slice, the cells with a defined z (the tests).
    pub tests: Vec<usize>,
    /// Region cells with at least one incident over the period.
    pub occupied_cells: usize,
    /// The months checked for gaps (every month of the period; none was a gap).
    pub months_checked: usize,
    /// Incidents counted.
    pub incidents: usize,
    /// Their summed harm.
    pub harm_total: f64,
    /// Rows left out because the data could not answer the query.
    pub exclusions: Exclusions,
    /// Where the counted incidents' weights came from.
    pub weight_sources: WeightSources,
    /// The imports the counted incidents came from, ascending.
    pub import_ids: Vec<u32>,
}

impl SpaceTimeCube {
    /// Whether there are fewer than [`CAUTION_BELOW_SLICES`] slices.
    #[must_use]
    pub fn caution(&self) -> bool {
        self.slices.len() < CAUTION_BELOW_SLICES
    }
}

/// The slices of a whole-month period.
///
/// # Errors
/// [`SpaceTimeError`] naming the period when it is not whole months, not whole slices,
/// or fewer than [`MIN_SLICES`] slices.
pub fn slices(filter: &Filter, slice_months: SliceMonths) -> Result<Vec<Slice>, SpaceTimeError> {
    let period = filter.period.ok_or(SpaceTimeError::NoPeriod)?;
    let (from, to) = (period.from(), period.to());
    let (first, last) = (from.year_month(), to.year_month());
    if from != first.first_day() || to != last.last_day() {
        return Err(SpaceTimeError::NotWholeMonths { from, to });
    }
    let months = (last.index() - first.index() + 1) as u32;
    let s = slice_months.get();
    if !months.is_multiple_of(s) {
        return Err(SpaceTimeError::NotWholeSlices {
            from: first,
            to: last,
            months,
            slice_months: s,
        });
    }
    let t = (months / s) as usize;
    if t < MIN_SLICES {
        return Err(SpaceTimeError::TooFewSlices {
            from: first,
            to: last,
            slices: t,
            slice_months: s,
        });
    }
    let month = |i: i32| YearMonth::from_index(i).expect("months between valid months");
    Ok((0..t as i32)
        .map(|k| Slice {
            first: month(first.index() + k * s as i32),
            last: month(first.index() + (k + 1) * s as i32 - 1),
        })
        .collect())
}

/// The study region's cells, ascending, and its occupied cells' binning.
/// The study region's cells, ascending, with their local IJ coordinates where the
/// region was built on them, and the binned selection.
type RegionCells = (Vec<u64>, Option<Vec<(i32, i32)>>, Binned);

fn region_cells(
    table: &IncidentTable,
    query: &SpaceTimeQuery,
    harm: &HarmTable,
    cancel: &Cancel,
) -> Result<RegionCells, QueryError> {
    let hq = query.hotspot();
    let fixed = fixed_cells(&query.region, query.resolution)?;
    let fixed_set: Option<FxHashSet<u64>> = fixed.as_ref().map(|v| v.iter().copied().collect());
    let binned = bin(
        table,
        &query.filter,
        harm,
        query.resolution,
        fixed_set.as_ref(),
        cancel,
    )?;
    let zero = |_: usize| 0.0;
    let from_ij = region_by_ij(&binned.bins, &hq, fixed.as_deref(), &zero, cancel);
    cancel.check()?;
    let from_ij = from_ij.and_then(|r| {
        (0..r.len())
            .map(|i| r.cell(i).map(|c| (c, r.ij[i])))
            .collect::<Option<Vec<(u64, (i32, i32))>>>()
    });
    let (cells, ij) = match from_ij {
        Some(mut c) => {
            c.sort_unstable_by_key(|x| x.0);
            let (cells, ij) = c.into_iter().unzip();
            (cells, Some(ij))
        }
        None => {
            let mut c = region_by_hash(&binned.bins, &hq, fixed.as_deref(), &zero, cancel).cells;
            c.sort_unstable();
            (c, None)
        }
    };
    cancel.check()?;
    if cells.len() > query.max_region_cells {
        return Err(QueryError::RegionTooLarge {
            max: query.max_region_cells,
        });
    }
    Ok((cells, ij, binned))
}

/// Each region cell's k-ring inside the region, as positions in `cells` (ascending),
/// one run a cell (`start` bounds them): found on the cells' IJ coordinates where the
/// region has them, else from h3o's disks.
fn neighbours(cells: &[u64], ij: Option<&[(i32, i32)]>, k: K) -> (Vec<u32>, Vec<u32>) {
    let mut start = Vec::with_capacity(cells.len() + 1);
    let mut at = Vec::with_capacity(cells.len() * 7);
    start.push(0);
    match ij {
        Some(ij) => {
            let mut grid = crate::ij::TileGrid::new();
            for (i, &(a, b)) in ij.iter().enumerate() {
                grid.get_or_insert(a, b, || i as u32);
            }
            let offsets = crate::ij::ring_offsets(k.get());
            for &(a, b) in ij {
                at.extend(
                    offsets
                        .iter()
                        .filter_map(|&(di, dj)| grid.get(a + di, b + dj)),
                );
                start.push(at.len() as u32);
            }
        }
        None => {
            let mut buf = Vec::new();
            for &c in cells {
                disk(c, k.get(), &mut buf);
                at.extend(
                    buf.iter()
                        .filter_map(|x| cells.binary_search(&u64::from(*x)).ok())
                        .map(|j| j as u32),
                );
                start.push(at.len() as u32);
            }
        }
    }
    (start, at)
}

/// Builds the space-time cube and its Gi*.
///
/// # Errors
/// [`SpaceTimeError`]: the period (not whole months or slices, fewer than
/// [`MIN_SLICES`] slices), a gap month, or the query's own errors (unknown crime type,
/// region at another resolution, region too large).
pub fn cube(
    table: &IncidentTable,
    query: &SpaceTimeQuery,
    harm: &HarmTable,
) -> Result<SpaceTimeCube, SpaceTimeError> {
    cube_cancellable(table, query, harm, &Cancel::never())
}

/// [`cube`] that stops with [`QueryError::Cancelled`] soon after `cancel` is set.
///
/// # Errors
/// As [`cube`], and [`QueryError::Cancelled`].
pub fn cube_cancellable(
    table: &IncidentTable,
    query: &SpaceTimeQuery,
    harm: &HarmTable,
    cancel: &Cancel,
) -> Result<SpaceTimeCube, SpaceTimeError> {
    let slices = slices(&query.filter, query.slice_months)?;
    let t_n = slices.len();
    let first_month = slices[0].first.index();
    let last_month = slices[t_n - 1].last.index();
    let s_len = query.slice_months.get() as i32;
    let (cells, ij, binned) = region_cells(table, query, harm, cancel)?;
    let n = cells.len();
    let col = table.cells_at(query.resolution);
    let region_index: Vec<u32> = col
        .cells()
        .iter()
        .map(|c| cells.binary_search(c).map_or(u32::MAX, |i| i as u32))
        .collect();

    // gaps: months of the period with no incident at all (any type) inside S
    let slots = col.slots();
    let held = table.months_held_where(|i| region_index[slots[i] as usize] != u32::MAX);
    let gaps: Vec<YearMonth> = (first_month..=last_month)
        .filter(|&m| {
            let at = table
                .month_range()
                .map(|(lo, _)| m - lo.index())
                .filter(|&d| d >= 0);
            !at.is_some_and(|d| held.get(d as usize).copied().unwrap_or(false))
        })
        .map(|m| YearMonth::from_index(m).expect("a month of the period"))
        .collect();
    if !gaps.is_empty() {
        return Err(SpaceTimeError::Gaps { months: gaps });
    }

    // x_{i,t}: one pass over the rows, in fixed chunks so sums do not depend on threads
    let cf = CompiledFilter::new(&query.filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let rows = table.len();
    // the values are the counts themselves unless the measure is harm
    let harm_values = matches!(query.measure, Measure::Harm);
    let chunks: Vec<(Vec<u32>, Vec<f64>)> = (0..rows.div_ceil(CHUNK_ROWS).max(1))
        .into_par_iter()
        .map(|c| {
            cancel.check()?;
            let mut count = vec![0u32; n * t_n];
            let mut value = vec![0.0f64; if harm_values { n * t_n } else { 0 }];
            for i in c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows) {
                let ri = region_index[slots[i] as usize];
                if ri == u32::MAX || !matches!(cf.test(table, i), Verdict::Keep) {
                    continue;
                }
                let m = table.month[i];
                if m < first_month || m > last_month {
                    continue;
                }
                let b = ri as usize * t_n + ((m - first_month) / s_len) as usize;
                count[b] += 1;
                if harm_values {
                    value[b] += rh.weight(table, i).0;
                }
            }
            Ok((count, value))
        })
        .collect::<Result<_, Cancelled>>()
        .map_err(QueryError::from)?;
    let mut chunks = chunks.into_iter();
    let (mut counts, mut values) = chunks.next().expect("at least one chunk");
    for (c, v) in chunks {
        for (a, b) in counts.iter_mut().zip(&c) {
            *a += b;
        }
        for (a, b) in values.iter_mut().zip(&v) {
            *a += b;
        }
    }
    if !harm_values {
        values = counts.iter().map(|&c| f64::from(c)).collect();
    }

    // neighbourhood sums: per cell, its k-ring inside S; per slice, the lagged sum
    let (sum, sum_sq) = values
        .iter()
        .fold((0.0, 0.0), |(s, q), &x| (s + x, q + x * x));
    let moments = RegionMoments::from_sums(n * t_n, sum, sum_sq);
    let lag_l = query.time_lag.get() as usize;
    let (start, nb) = neighbours(&cells, ij.as_deref(), query.k);
    let mut z: Vec<Option<f64>> = vec![None; n * t_n];
    z.par_chunks_mut(t_n.max(1))
        .enumerate()
        .for_each_init(Vec::new, |spatial, (i, out)| {
            if cancel.is_cancelled() {
                return;
            }
            let nb = &nb[start[i] as usize..start[i + 1] as usize];
            spatial.clear();
            spatial.extend((0..t_n).map(|t| {
                nb.iter()
                    .map(|&j| values[j as usize * t_n + t])
                    .sum::<f64>()
            }));
            for (t, z) in out.iter_mut().enumerate() {
                let u0 = t.saturating_sub(lag_l);
                let lag: f64 = spatial[u0..=t].iter().sum();
                let w = (nb.len() * (t - u0 + 1)) as f64;
                *z = moments.z(lag, w);
            }
        });
    cancel.check().map_err(QueryError::from)?;
    let p: Vec<Option<f64>> = z.iter().map(|z| z.map(two_sided_p)).collect();

    let mut states = vec![SliceState::NotSignificant; n * t_n];
    let mut bh_thresholds = Vec::with_capacity(t_n);
    let mut tests = Vec::with_capacity(t_n);
    for t in 0..t_n {
        let ps: Vec<Option<f64>> = (0..n).map(|i| p[i * t_n + t]).collect();
        tests.push(ps.iter().filter(|v| v.is_some()).count());
        let threshold = bh_threshold(&ps, query.alpha.get());
        if let Some(th) = threshold {
            for i in 0..n {
                let b = i * t_n + t;
                if let (Some(pv), Some(zv)) = (p[b], z[b])
                    && pv <= th
                {
                    states[b] = if zv > 0.0 {
                        SliceState::Hot
                    } else {
                        SliceState::Cold
                    };
                }
            }
        }
        bh_thresholds.push(threshold);
    }
    let Binned {
        bins,
        exclusions,
        weights,
        imports,
    } = binned;
    Ok(SpaceTimeCube {
        cells: cells
            .iter()
            .map(|&c| CellIndex::try_from(c).expect("region cells are valid"))
            .collect(),
        slices,
        incidents: counts.iter().map(|&c| c as usize).sum(),
        harm_total: bins.harm.iter().sum(),
        counts,
        values,
        z,
        p,
        states,
        moments,
        bh_thresholds,
        tests,
        occupied_cells: bins.cells.len(),
        months_checked: (last_month - first_month + 1) as usize,
        exclusions,
        weight_sources: weights,
        import_ids: imports
            .iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(|(i, _)| i as u32)
            .collect(),
    })
}

#[cfg(test)]
#[path = "space_time_tests.rs"]
pub(crate) mod tests;
