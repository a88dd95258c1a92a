//! The hotspot query: filter → bin → study region → Gi* → FDR → rank.

use std::cmp::Ordering;

use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::binning::{Binned, Bins, bin};
use crate::error::QueryError;
use crate::filter::{Exclusions, Filter};
use crate::harm::HarmTable;
use crate::ij;
use crate::stats::{RegionMoments, bh_threshold, two_sided_p};
use crate::table::IncidentTable;
use crate::types::Resolution;

/// Which value per cell Gi* is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Measure {
    /// Number of incidents.
    #[default]
    Count,
    /// Sum of harm weights.
    Harm,
}

impl Measure {
    /// Name as used in parameters.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Harm => "harm",
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "count" => Ok(Measure::Count),
            "harm" => Ok(Measure::Harm),
            _ => Err(format!("{s:?} is not a measure: use count or harm")),
        }
    }
}

/// The order cells are ranked in (always descending, ties broken by the other
/// measures and then by cell index, so the order is fully determined).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    /// Gi* z-score (undefined z ranks last).
    #[default]
    Z,
    /// Incident count.
    Count,
    /// Harm.
    Harm,
}

impl RankBy {
    /// Name as used in parameters.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            RankBy::Z => "z",
            RankBy::Count => "count",
            RankBy::Harm => "harm",
        }
    }
}

impl std::str::FromStr for RankBy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "z" => Ok(RankBy::Z),
            "count" => Ok(RankBy::Count),
            "harm" => Ok(RankBy::Harm),
            _ => Err(format!("{s:?} is not a ranking: use z, count or harm")),
        }
    }
}

/// How many ranked cells to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The first N.
    Top(usize),
    /// Every cell of the study region, zero-count ones included.
    All,
}

/// Which cells form the study region (the n of Gi*).
#[derive(Debug, Clone, PartialEq)]
pub enum StudyRegion {
    /// Every cell with at least one selected incident, plus the cells of their k-rings.
    OccupiedWithRings,
    /// A fixed set of cells (e.g. those covering a boundary polygon); incidents in other
    /// cells are left out and counted.
    Cells {
        /// The cells, at the query's resolution.
        cells: Vec<CellIndex>,
        /// How they were chosen, for the output.
        description: String,
    },
}

impl StudyRegion {
    /// A sentence stating the rule, for outputs.
    #[must_use]
    pub fn describe(&self, k: u32) -> String {
        match self {
            StudyRegion::OccupiedWithRings => format!(
                "every cell with at least one selected incident, plus every cell within \
                 grid distance {k} of one (zero-count cells included)"
            ),
            StudyRegion::Cells { description, .. } => description.clone(),
        }
    }
}

/// Everything a hotspot query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotQuery {
    /// Which incidents.
    pub filter: Filter,
    /// Cell resolution.
    pub resolution: Resolution,
    /// Neighbourhood: the k-ring, the cell itself included.
    pub k: u32,
    /// The value Gi* is computed on.
    pub measure: Measure,
    /// The study region.
    pub region: StudyRegion,
    /// FDR level for Benjamini–Hochberg.
    pub alpha: f64,
    /// Ranking order.
    pub rank_by: RankBy,
    /// How many cells to return.
    pub limit: Limit,
    /// Refuse the query when its study region holds more cells than this (a server's
    /// guard on memory and time; `usize::MAX`, the default, for none).
    pub max_region_cells: usize,
}

impl Default for HotspotQuery {
    fn default() -> Self {
        Self {
            filter: Filter::default(),
            resolution: Resolution::try_from(9).expect("9 is valid"),
            k: 1,
            measure: Measure::Count,
            region: StudyRegion::OccupiedWithRings,
            alpha: 0.05,
            rank_by: RankBy::Z,
            limit: Limit::Top(20),
            max_region_cells: usize::MAX,
        }
    }
}

/// The largest k accepted (a k-ring of 10 is 331 cells).
pub const MAX_K: u32 = 10;

/// One ranked cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStat {
    /// The H3 cell.
    pub cell: CellIndex,
    /// Selected incidents in it.
    pub count: u32,
    /// Their summed harm.
    pub harm: f64,
    /// Gi* z-score; `None` where undefined.
    pub z: Option<f64>,
    /// Two-sided p-value of z.
    pub p: Option<f64>,
    /// Significant under Benjamini–Hochberg at α.
    pub significant: bool,
    /// 1-based rank in the chosen order.
    pub rank: usize,
}

/// Where the harm weights of the selected incidents came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeightSources {
    /// A weight carried by the row itself.
    pub data: usize,
    /// The harm table.
    pub table: usize,
    /// Neither: weight 1.
    pub default: usize,
}

/// The answer to a [`HotspotQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotResult {
    /// Ranked cells (the first N, or all).
    pub cells: Vec<CellStat>,
    /// Cells in the study region (n).
    pub region_cells: usize,
    /// Region cells with at least one incident.
    pub occupied_cells: usize,
    /// n, X̄ and S of the measure over the region.
    pub moments: RegionMoments,
    /// Cells with a defined z (the number of tests for FDR).
    pub tests: usize,
    /// Benjamini–Hochberg p-value threshold, if anything is significant.
    pub bh_threshold: Option<f64>,
    /// Significant cells with z > 0.
    pub significant_hot: usize,
    /// Significant cells with z < 0.
    pub significant_cold: usize,
    /// Incidents counted in the region.
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

fn cell(bits: u64) -> CellIndex {
    CellIndex::try_from(bits).expect("cells come from valid H3 indexes")
}

fn disk(c: u64, k: u32, out: &mut Vec<CellIndex>) {
    out.clear();
    let c = cell(c);
    // The fast path fails only near pentagon distortion; fall back to the safe one.
    for nb in c.grid_disk_fast(k) {
        match nb {
            Some(nb) => out.push(nb),
            None => {
                out.clear();
                out.extend(c.grid_disk::<Vec<_>>(k));
                return;
            }
        }
    }
}

/// The study region with, per cell, its count, harm, neighbourhood sum Σ_j w_ij x_j and
/// weight sum Σ_j w_ij.
struct Region {
    /// H3 index per cell, 0 where not yet known (IJ path ring cells).
    cells: Vec<u64>,
    /// IJ coordinates per cell (IJ path only).
    ij: Vec<(i32, i32)>,
    frame: Option<ij::Frame>,
    count: Vec<u32>,
    harm: Vec<f64>,
    lag: Vec<f64>,
    w: Vec<u32>,
}

impl Region {
    fn len(&self) -> usize {
        self.cells.len()
    }

    /// The H3 index of cell `i`.
    fn cell(&self, i: usize) -> Option<u64> {
        match self.cells[i] {
            0 => self.frame?.cell(self.ij[i]).map(u64::from),
            c => Some(c),
        }
    }
}

/// Builds the region with a hash map and h3o k-rings (works anywhere on the globe).
fn region_by_hash(
    bins: &Bins,
    query: &HotspotQuery,
    fixed: Option<&[u64]>,
    value: &dyn Fn(usize) -> f64,
) -> Region {
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut r = Region {
        cells: Vec::new(),
        ij: Vec::new(),
        frame: None,
        count: Vec::new(),
        harm: Vec::new(),
        lag: Vec::new(),
        w: Vec::new(),
    };
    let push = |r: &mut Region, c: u64, count: u32, harm: f64| {
        r.cells.push(c);
        r.count.push(count);
        r.harm.push(harm);
        r.lag.push(0.0);
        (r.cells.len() - 1) as u32
    };
    match fixed {
        Some(cells) => {
            for &c in cells {
                index.insert(c, push(&mut r, c, 0, 0.0));
            }
            for (j, c) in bins.cells.iter().enumerate() {
                let i = index[c] as usize;
                r.count[i] = bins.count[j];
                r.harm[i] = bins.harm[j];
            }
        }
        None => {
            let ring = 3 * query.k as usize * (query.k as usize + 1) + 1;
            index.reserve(
                bins.cells
                    .len()
                    .saturating_mul(ring)
                    .min(query.max_region_cells.saturating_add(1)),
            );
            for (j, &c) in bins.cells.iter().enumerate() {
                index.insert(c, push(&mut r, c, bins.count[j], bins.harm[j]));
            }
        }
    }
    // Neighbourhood sums by scattering each occupied cell's value over its k-ring
    // (grid distance is symmetric, so j ∈ disk(i) ⇔ i ∈ disk(j)).
    let mut buf = Vec::new();
    let mut ring_len = Vec::with_capacity(bins.cells.len());
    for (j, &c) in bins.cells.iter().enumerate() {
        let x = value(j);
        disk(c, query.k, &mut buf);
        ring_len.push(buf.len() as u32);
        for nb in &buf {
            let b = u64::from(*nb);
            let i = if fixed.is_some() {
                match index.get(&b) {
                    Some(&i) => i,
                    None => continue,
                }
            } else {
                match index.get(&b) {
                    Some(&i) => i,
                    None => {
                        let i = push(&mut r, b, 0, 0.0);
                        index.insert(b, i);
                        i
                    }
                }
            };
            r.lag[i as usize] += x;
        }
        if r.len() > query.max_region_cells {
            // refused by the caller: stop growing it
            return r;
        }
    }
    // Σ_j w_ij: the k-ring members that are in the region. An occupied cell's whole
    // ring was added to the default region above.
    let n_occupied = if fixed.is_some() { 0 } else { bins.cells.len() };
    r.w = (0..r.len())
        .map(|i| {
            if i < n_occupied {
                ring_len[i]
            } else {
                disk(r.cells[i], query.k, &mut buf);
                buf.iter()
                    .filter(|c| index.contains_key(&u64::from(**c)))
                    .count() as u32
            }
        })
        .collect();
    r
}

/// Builds the region in local IJ coordinates; `None` when the cells do not all lie in
/// one non-pentagon base cell (then [`region_by_hash`] is used).
fn region_by_ij(
    bins: &Bins,
    query: &HotspotQuery,
    fixed: Option<&[u64]>,
    value: &dyn Fn(usize) -> f64,
) -> Option<Region> {
    let first = fixed.and_then(|f| f.first()).or(bins.cells.first())?;
    let frame = ij::Frame::new(cell(*first))?;
    let offsets = ij::ring_offsets(query.k);
    let mut grid = ij::TileGrid::new();
    let mut r = Region {
        cells: Vec::new(),
        ij: Vec::new(),
        frame: Some(frame),
        count: Vec::new(),
        harm: Vec::new(),
        lag: Vec::new(),
        w: Vec::new(),
    };
    fn push(r: &mut Region, c: u64, p: (i32, i32)) -> u32 {
        r.cells.push(c);
        r.ij.push(p);
        r.count.push(0);
        r.harm.push(0.0);
        r.lag.push(0.0);
        (r.cells.len() - 1) as u32
    }
    if let Some(cells) = fixed {
        for &c in cells {
            let p = frame.ij(cell(c))?;
            grid.get_or_insert(p.0, p.1, || push(&mut r, c, p));
        }
    }
    let mut occupied = Vec::with_capacity(bins.cells.len());
    for (j, &c) in bins.cells.iter().enumerate() {
        let p = frame.ij(cell(c))?;
        let i = grid.get_or_insert(p.0, p.1, || push(&mut r, c, p)) as usize;
        r.count[i] = bins.count[j];
        r.harm[i] = bins.harm[j];
        occupied.push(p);
    }
    for (j, &(pi, pj)) in occupied.iter().enumerate() {
        let x = value(j);
        for &(di, dj) in &offsets {
            let (a, b) = (pi + di, pj + dj);
            let i = if fixed.is_some() {
                match grid.get(a, b) {
                    Some(i) => i,
                    None => continue,
                }
            } else {
                grid.get_or_insert(a, b, || push(&mut r, 0, (a, b)))
            };
            r.lag[i as usize] += x;
        }
        if r.len() > query.max_region_cells {
            // refused by the caller: stop growing it
            return Some(r);
        }
    }
    let n_occupied = if fixed.is_some() { 0 } else { bins.cells.len() };
    let full = offsets.len() as u32;
    let mut w = Vec::with_capacity(r.len());
    for i in 0..r.len() {
        w.push(if i < n_occupied {
            full
        } else {
            let (pi, pj) = r.ij[i];
            offsets
                .iter()
                .filter(|&&(di, dj)| grid.get(pi + di, pj + dj).is_some())
                .count() as u32
        });
    }
    r.w = w;
    Some(r)
}

/// A sort key that orders like `f64::total_cmp`.
#[inline]
fn ord_f64(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// Ranking keys, ascending = better: z, count and harm each descending, an undefined z
/// after every defined one.
#[inline]
fn desc_z(z: Option<f64>) -> u64 {
    z.map_or(u64::MAX, |z| !ord_f64(z))
}

/// The first `take` region positions in key order (ties broken by cell index, so the
/// order is fully determined), with their cells. `None` if a cell cannot be recovered.
fn rank(region: &Region, take: usize, keys: &[[u64; 3]]) -> Option<Vec<(usize, u64)>> {
    let n = region.len();
    let full = |idx: Vec<usize>| -> Option<Vec<(usize, u64)>> {
        let mut v: Vec<([u64; 3], u64, usize)> = idx
            .into_iter()
            .map(|i| region.cell(i).map(|c| (keys[i], c, i)))
            .collect::<Option<_>>()?;
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        Some(v.into_iter().map(|(_, c, i)| (i, c)).collect())
    };
    if take == 0 {
        return Some(Vec::new());
    }
    if take >= n {
        return full((0..n).collect());
    }
    // the take-th best by key alone (ties by position, only to find the boundary)
    let mut order: Vec<usize> = (0..n).collect();
    order.select_nth_unstable_by(take - 1, |&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let boundary = keys[order[take - 1]];
    let mut better = Vec::with_capacity(take);
    let mut tied = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        match k.cmp(&boundary) {
            Ordering::Less => better.push(i),
            Ordering::Equal => tied.push(i),
            Ordering::Greater => {}
        }
    }
    let mut tied = full(tied)?;
    tied.truncate(take - better.len());
    let mut top = full(better)?;
    top.extend(tied);
    top.sort_unstable_by(|a, b| keys[a.0].cmp(&keys[b.0]).then(a.1.cmp(&b.1)));
    Some(top)
}

/// Runs a hotspot query.
///
/// # Errors
/// [`QueryError`] for unknown crime types or offences, k out of range, α outside (0, 1),
/// or a region given at another resolution.
pub fn hotspots(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
) -> Result<HotspotResult, QueryError> {
    hotspots_with(table, query, harm, true)
}

/// [`hotspots`], choosing whether the local-IJ fast path may be used (tests compare both).
#[doc(hidden)]
pub fn hotspots_with(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
    allow_ij: bool,
) -> Result<HotspotResult, QueryError> {
    if query.k == 0 || query.k > MAX_K {
        return Err(QueryError::K {
            got: query.k,
            max: MAX_K,
        });
    }
    if !(query.alpha > 0.0 && query.alpha < 1.0) {
        return Err(QueryError::Alpha(query.alpha));
    }
    let fixed: Option<Vec<u64>> = match &query.region {
        StudyRegion::OccupiedWithRings => None,
        StudyRegion::Cells { cells, .. } => {
            if let Some(c) = cells
                .iter()
                .find(|c| c.resolution() != query.resolution.h3())
            {
                return Err(QueryError::Region(format!(
                    "region cells are at resolution {}, the query at {}",
                    u8::from(c.resolution()),
                    query.resolution
                )));
            }
            let mut v: Vec<u64> = cells.iter().map(|c| u64::from(*c)).collect();
            v.sort_unstable();
            v.dedup();
            Some(v)
        }
    };
    let fixed_set: Option<FxHashSet<u64>> = fixed.as_ref().map(|v| v.iter().copied().collect());
    let Binned {
        bins,
        exclusions,
        weights,
        imports,
    } = bin(
        table,
        &query.filter,
        harm,
        query.resolution,
        fixed_set.as_ref(),
    )?;
    let value = |j: usize| match query.measure {
        Measure::Count => f64::from(bins.count[j]),
        Measure::Harm => bins.harm[j],
    };
    let by_ij = if allow_ij {
        region_by_ij(&bins, query, fixed.as_deref(), &value)
    } else {
        None
    };
    let region = match by_ij {
        Some(r) => r,
        None => region_by_hash(&bins, query, fixed.as_deref(), &value),
    };
    let n = region.len();
    if n > query.max_region_cells {
        return Err(QueryError::RegionTooLarge {
            max: query.max_region_cells,
        });
    }
    let (sum, sum_sq) = match query.measure {
        Measure::Count => region.count.iter().fold((0.0, 0.0), |(s, q), &c| {
            let c = f64::from(c);
            (s + c, q + c * c)
        }),
        Measure::Harm => region
            .harm
            .iter()
            .fold((0.0, 0.0), |(s, q), &h| (s + h, q + h * h)),
    };
    let moments = RegionMoments::from_sums(n, sum, sum_sq);
    let z: Vec<Option<f64>> = (0..n)
        .map(|i| moments.z(region.lag[i], f64::from(region.w[i])))
        .collect();
    let p: Vec<Option<f64>> = z.iter().map(|z| z.map(two_sided_p)).collect();
    let tests = z.iter().filter(|z| z.is_some()).count();
    let threshold = bh_threshold(&p, query.alpha);
    let significant = |i: usize| matches!((p[i], threshold), (Some(p), Some(t)) if p <= t);
    let mut significant_hot = 0;
    let mut significant_cold = 0;
    for (i, zi) in z.iter().enumerate() {
        if significant(i) {
            if zi.unwrap_or(0.0) > 0.0 {
                significant_hot += 1;
            } else {
                significant_cold += 1;
            }
        }
    }

    let (count, harm_v) = (&region.count, &region.harm);
    let keys: Vec<[u64; 3]> = (0..n)
        .map(|i| {
            let (kz, kc, kh) = (desc_z(z[i]), !u64::from(count[i]), !ord_f64(harm_v[i]));
            match query.rank_by {
                RankBy::Z => [kz, kc, kh],
                RankBy::Count => [kc, kz, kh],
                RankBy::Harm => [kh, kz, kc],
            }
        })
        .collect();
    let take = match query.limit {
        Limit::All => n,
        Limit::Top(t) => t.min(n),
    };
    let Some(order) = rank(&region, take, &keys) else {
        // a cell could not be recovered from IJ coordinates: answer the safe way
        return hotspots_with(table, query, harm, false);
    };
    let cells = order
        .iter()
        .enumerate()
        .map(|(r, &(i, c))| CellStat {
            cell: cell(c),
            count: count[i],
            harm: harm_v[i],
            z: z[i],
            p: p[i],
            significant: significant(i),
            rank: r + 1,
        })
        .collect();
    let incidents = count.iter().map(|&c| c as usize).sum();
    let harm_total = harm_v.iter().fold(0.0, |a, b| a + b);
    Ok(HotspotResult {
        cells,
        region_cells: n,
        occupied_cells: count.iter().filter(|&&c| c > 0).count(),
        moments,
        tests,
        bh_threshold: threshold,
        significant_hot,
        significant_cold,
        incidents,
        harm_total,
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
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_like_the_comparisons_they_replace() {
        let xs = [
            f64::NEG_INFINITY,
            -3.5,
            -1e-300,
            -0.0,
            0.0,
            1e-300,
            2.0,
            37.9,
            f64::INFINITY,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(ord_f64(a).cmp(&ord_f64(b)), a.total_cmp(&b), "{a} {b}");
                // descending z, undefined last
                assert_eq!(desc_z(Some(a)).cmp(&desc_z(Some(b))), b.total_cmp(&a));
            }
            assert!(desc_z(Some(a)) < desc_z(None));
        }
    }
}
