//! The hotspot query: filter → bin → study region → Gi* → FDR → rank.

use std::cmp::Ordering;

use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm, WeightSource};
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

/// The cell at `res` containing a resolution-15 cell, by bit arithmetic: set the
/// resolution field and fill the digits finer than `res` with 7 (unused).
#[inline]
pub(crate) fn parent_bits(fine: u64, res: u8) -> u64 {
    let unused = 3 * (15 - u64::from(res));
    let digits = (1u64 << unused) - 1;
    (fine & !(0xF << 52)) | (u64::from(res) << 52) | digits
}

/// Occupied cells at one resolution, in cell order.
#[derive(Debug, Default)]
pub(crate) struct Bins {
    pub cells: Vec<u64>,
    pub count: Vec<u32>,
    pub harm: Vec<f64>,
}

pub(crate) struct Binned {
    pub bins: Bins,
    pub exclusions: Exclusions,
    pub weights: WeightSources,
    pub imports: Vec<u32>,
}

/// One pass over the (cell-sorted) table: filter rows and sum count and harm per cell.
pub(crate) fn bin(
    table: &IncidentTable,
    filter: &Filter,
    harm: &HarmTable,
    res: Resolution,
    region: Option<&FxHashMap<u64, u32>>,
) -> Result<Binned, QueryError> {
    let cf = CompiledFilter::new(filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let r = res.get();
    let mut bins = Bins::default();
    let mut exclusions = Exclusions::default();
    let mut weights = WeightSources::default();
    let mut imports = FxHashSet::default();
    let mut last_import = u32::MAX;
    let mut last = u64::MAX;
    let mut last_seen = u64::MAX;
    let mut last_inside = true;
    for i in 0..table.len() {
        match cf.test(table, i) {
            Verdict::Keep => {}
            Verdict::Drop => continue,
            Verdict::Excluded(count) => {
                count(&mut exclusions);
                continue;
            }
        }
        let p = parent_bits(table.cell[i], r);
        if let Some(region) = region {
            if p != last_seen {
                last_seen = p;
                last_inside = region.contains_key(&p);
            }
            if !last_inside {
                exclusions.outside_region += 1;
                continue;
            }
        }
        let (w, src) = rh.weight(table, i);
        match src {
            WeightSource::Data => weights.data += 1,
            WeightSource::Table => weights.table += 1,
            WeightSource::Default => weights.default += 1,
        }
        let imp = table.import[i];
        if imp != last_import {
            imports.insert(imp);
            last_import = imp;
        }
        if p != last {
            bins.cells.push(p);
            bins.count.push(0);
            bins.harm.push(0.0);
            last = p;
        }
        *bins.count.last_mut().expect("pushed") += 1;
        *bins.harm.last_mut().expect("pushed") += w;
    }
    let mut imports: Vec<u32> = imports.into_iter().collect();
    imports.sort_unstable();
    Ok(Binned {
        bins,
        exclusions,
        weights,
        imports,
    })
}

fn cell(bits: u64) -> CellIndex {
    CellIndex::try_from(bits).expect("cells come from valid H3 indexes")
}

fn disk(c: u64, k: u32, out: &mut Vec<CellIndex>) {
    out.clear();
    let c = cell(c);
    // The fast path fails only near pentagon distortion; fall back to the safe one.
    let fast: Option<Vec<CellIndex>> = c.grid_disk_fast(k).collect();
    match fast {
        Some(v) => out.extend(v),
        None => out.extend(c.grid_disk::<Vec<_>>(k)),
    }
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
    if query.k == 0 || query.k > MAX_K {
        return Err(QueryError::K {
            got: query.k,
            max: MAX_K,
        });
    }
    if !(query.alpha > 0.0 && query.alpha < 1.0) {
        return Err(QueryError::Alpha(query.alpha));
    }
    // Study region: cell → index, plus per-cell count, harm, neighbourhood sum.
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut region: Vec<u64> = Vec::new();
    let fixed_region = matches!(query.region, StudyRegion::Cells { .. });
    if let StudyRegion::Cells { cells, .. } = &query.region {
        for c in cells {
            if c.resolution() != query.resolution.h3() {
                return Err(QueryError::Region(format!(
                    "region cells are at resolution {}, the query at {}",
                    u8::from(c.resolution()),
                    query.resolution
                )));
            }
            let b = u64::from(*c);
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry(b) {
                e.insert(region.len() as u32);
                region.push(b);
            }
        }
    }
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
        fixed_region.then_some(&index),
    )?;
    let value = |j: usize| match query.measure {
        Measure::Count => f64::from(bins.count[j]),
        Measure::Harm => bins.harm[j],
    };
    let mut count: Vec<u32> = vec![0; region.len()];
    let mut harm_v: Vec<f64> = vec![0.0; region.len()];
    if fixed_region {
        for (j, c) in bins.cells.iter().enumerate() {
            let i = index[c] as usize;
            count[i] = bins.count[j];
            harm_v[i] = bins.harm[j];
        }
    } else {
        index.reserve(bins.cells.len() * (3 * query.k as usize * (query.k as usize + 1) + 1));
        for (j, &c) in bins.cells.iter().enumerate() {
            index.insert(c, region.len() as u32);
            region.push(c);
            count.push(bins.count[j]);
            harm_v.push(bins.harm[j]);
        }
    }

    // Neighbourhood sums by scattering each occupied cell's value over its k-ring
    // (grid distance is symmetric, so j ∈ disk(i) ⇔ i ∈ disk(j)).
    let mut lag = vec![0.0f64; region.len()];
    let mut buf = Vec::new();
    for j in 0..bins.cells.len() {
        let x = value(j);
        disk(bins.cells[j], query.k, &mut buf);
        for nb in &buf {
            let b = u64::from(*nb);
            let i = if fixed_region {
                match index.get(&b) {
                    Some(&i) => i,
                    None => continue,
                }
            } else {
                *index.entry(b).or_insert_with(|| {
                    region.push(b);
                    count.push(0);
                    harm_v.push(0.0);
                    lag.push(0.0);
                    (region.len() - 1) as u32
                })
            };
            lag[i as usize] += x;
        }
    }
    let n = region.len();
    let occupied_cells = count.iter().filter(|&&c| c > 0).count();

    // Σ_j w_ij: the k-ring members that are in the region.
    let n_occupied_default = if fixed_region { 0 } else { bins.cells.len() };
    let mut wsum = vec![0u32; n];
    for i in 0..n {
        disk(region[i], query.k, &mut buf);
        wsum[i] = if i < n_occupied_default {
            // an occupied cell's whole ring was added to the region above
            buf.len() as u32
        } else {
            buf.iter()
                .filter(|c| index.contains_key(&u64::from(**c)))
                .count() as u32
        };
    }

    let (sum, sum_sq) = match query.measure {
        Measure::Count => count.iter().fold((0.0, 0.0), |(s, q), &c| {
            let c = f64::from(c);
            (s + c, q + c * c)
        }),
        Measure::Harm => harm_v
            .iter()
            .fold((0.0, 0.0), |(s, q), &h| (s + h, q + h * h)),
    };
    let moments = RegionMoments::from_sums(n, sum, sum_sq);
    let z: Vec<Option<f64>> = (0..n)
        .map(|i| moments.z(lag[i], f64::from(wsum[i])))
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

    // Rank.
    let cmp = |a: &usize, b: &usize| -> Ordering {
        let (a, b) = (*a, *b);
        let by_z = || match (z[a], z[b]) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let by_count = || count[b].cmp(&count[a]);
        let by_harm = || harm_v[b].total_cmp(&harm_v[a]);
        match query.rank_by {
            RankBy::Z => by_z().then_with(by_count).then_with(by_harm),
            RankBy::Count => by_count().then_with(by_z).then_with(by_harm),
            RankBy::Harm => by_harm().then_with(by_z).then_with(by_count),
        }
        .then_with(|| region[a].cmp(&region[b]))
    };
    let mut order: Vec<usize> = (0..n).collect();
    let take = match query.limit {
        Limit::All => n,
        Limit::Top(t) => t.min(n),
    };
    if take < n && take > 0 {
        order.select_nth_unstable_by(take - 1, cmp);
        order.truncate(take);
    } else if take == 0 {
        order.clear();
    }
    order.sort_unstable_by(cmp);

    let cells = order
        .iter()
        .enumerate()
        .map(|(r, &i)| CellStat {
            cell: cell(region[i]),
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
        occupied_cells,
        moments,
        tests,
        bh_threshold: threshold,
        significant_hot,
        significant_cold,
        incidents,
        harm_total,
        exclusions,
        weight_sources: weights,
        import_ids: imports,
    })
}
