//! The hotspot query: filter → bin → study region → Gi* → FDR → rank.

use h3o::CellIndex;
use rustc_hash::FxHashSet;

use crate::binning::{Binned, bin};
use crate::cancel::Cancel;
use crate::error::QueryError;
use crate::filter::{Exclusions, Filter};
use crate::harm::HarmTable;
use crate::query_types::{Alpha, K};
use crate::ranking::{desc_z, ord_f64, rank};
use crate::stats::{RegionMoments, bh_threshold, two_sided_p};
use crate::study_region::{cell, region_by_hash, region_by_ij};
use crate::table::IncidentTable;
use crate::types::Resolution;

/// Which value per cell Gi* is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "lowercase")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "lowercase")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub fn describe(&self, k: K) -> String {
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
    pub k: K,
    /// The value Gi* is computed on.
    pub measure: Measure,
    /// The study region.
    pub region: StudyRegion,
    /// FDR level for Benjamini–Hochberg.
    pub alpha: Alpha,
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
            k: K::default(),
            measure: Measure::Count,
            region: StudyRegion::OccupiedWithRings,
            alpha: Alpha::default(),
            rank_by: RankBy::Z,
            limit: Limit::Top(20),
            max_region_cells: usize::MAX,
        }
    }
}

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

/// The cells of a fixed study region, sorted and distinct (`None` for the default rule).
///
/// # Errors
/// [`QueryError::Region`] when a cell is not at `resolution`.
pub(crate) fn fixed_cells(
    region: &StudyRegion,
    resolution: Resolution,
) -> Result<Option<Vec<u64>>, QueryError> {
    match region {
        StudyRegion::OccupiedWithRings => Ok(None),
        StudyRegion::Cells { cells, .. } => {
            if let Some(c) = cells.iter().find(|c| c.resolution() != resolution.h3()) {
                return Err(QueryError::Region(format!(
                    "region cells are at resolution {}, the query at {}",
                    u8::from(c.resolution()),
                    resolution
                )));
            }
            let mut v: Vec<u64> = cells.iter().map(|c| u64::from(*c)).collect();
            v.sort_unstable();
            v.dedup();
            Ok(Some(v))
        }
    }
}

/// Runs a hotspot query.
///
/// # Errors
/// [`QueryError`] for unknown crime types or offences, a region given at another
/// resolution, or a study region larger than the query allows. (k and α were checked
/// when their [`K`] and [`Alpha`] were made.)
pub fn hotspots(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
) -> Result<HotspotResult, QueryError> {
    run(table, query, harm, true, &Cancel::never())
}

/// [`hotspots`] that stops with [`QueryError::Cancelled`] soon after `cancel` is set.
///
/// # Errors
/// As [`hotspots`], and [`QueryError::Cancelled`].
pub fn hotspots_cancellable(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
    cancel: &Cancel,
) -> Result<HotspotResult, QueryError> {
    run(table, query, harm, true, cancel)
}

/// [`hotspots`], choosing whether the local-IJ fast path may be used (tests compare both).
#[doc(hidden)]
pub fn hotspots_with(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
    allow_ij: bool,
) -> Result<HotspotResult, QueryError> {
    run(table, query, harm, allow_ij, &Cancel::never())
}

fn run(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
    allow_ij: bool,
    cancel: &Cancel,
) -> Result<HotspotResult, QueryError> {
    let fixed = fixed_cells(&query.region, query.resolution)?;
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
        cancel,
    )?;
    let value = |j: usize| match query.measure {
        Measure::Count => f64::from(bins.count[j]),
        Measure::Harm => bins.harm[j],
    };
    let by_ij = if allow_ij {
        region_by_ij(&bins, query, fixed.as_deref(), &value, cancel)
    } else {
        None
    };
    let region = match by_ij {
        Some(r) => r,
        None => region_by_hash(&bins, query, fixed.as_deref(), &value, cancel),
    };
    cancel.check()?;
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
    let threshold = bh_threshold(&p, query.alpha.get());
    cancel.check()?;
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
    cancel.check()?;
    let Some(order) = rank(&region, take, &keys, cancel) else {
        // a cell could not be recovered from IJ coordinates: answer the safe way
        return run(table, query, harm, false, cancel);
    };
    cancel.check()?;
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
