//! Emerging hot spots (after ArcGIS Pro's Emerging Hot Spot Analysis): each study-region
//! cell's space-time Gi* series ([`crate::space_time`]) and its Mann-Kendall trend
//! ([`mod@crate::mann_kendall`]) give one of sixteen categories, or `no_pattern`.
//!
//! The rules, in the product brief's precedence (H hot slices, C cold slices of T;
//! "≥ 90 %" is `10·H ≥ 9·T` in integers). If the final slice is hot, the first that
//! holds: `new_hot` (H = 1); `consecutive_hot` (the hot slices are one unbroken run
//! ending at the final slice, at least 2 long, H < 90 %); `intensifying_hot` (H ≥ 90 %,
//! trend up); `persistent_hot` (H ≥ 90 %, no trend); `diminishing_hot` (H ≥ 90 %, trend
//! down); `oscillating_hot` (H < 90 %, C ≥ 1); `sporadic_hot` (H < 90 %, C = 0). If the
//! final slice is cold, the same with hot ↔ cold and up ↔ down. Otherwise
//! `historical_hot` (H ≥ 90 %), `historical_cold` (C ≥ 90 %), else `no_pattern`. A cell
//! whose z series has an undefined value is `no_pattern` and counted apart.

use h3o::CellIndex;
use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::harm::HarmTable;
use crate::mann_kendall::{MannKendall, mann_kendall};
use crate::query_types::Alpha;
use crate::space_time::{
    SliceState, SpaceTimeCube, SpaceTimeError, SpaceTimeQuery, cube_cancellable,
};

/// A cell's Mann-Kendall trend at the trend level α: `Up` when p ≤ α and S > 0, `Down`
/// when p ≤ α and S < 0, else `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trend {
    /// Significant upward trend.
    Up,
    /// Significant downward trend.
    Down,
    /// Neither.
    None,
}

impl Trend {
    /// The trend of a Mann-Kendall result at level `alpha`.
    #[must_use]
    pub fn of(mk: &MannKendall, alpha: Alpha) -> Self {
        if mk.p <= alpha.get() {
            match mk.s.signum() {
                1 => Trend::Up,
                -1 => Trend::Down,
                _ => Trend::None,
            }
        } else {
            Trend::None
        }
    }

    /// Name as written in outputs (`up`, `down`, `none`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::None => "none",
        }
    }
}

/// An emerging hot spot category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Category {
    NewHot,
    ConsecutiveHot,
    IntensifyingHot,
    PersistentHot,
    DiminishingHot,
    SporadicHot,
    OscillatingHot,
    HistoricalHot,
    NewCold,
    ConsecutiveCold,
    IntensifyingCold,
    PersistentCold,
    DiminishingCold,
    SporadicCold,
    OscillatingCold,
    HistoricalCold,
    NoPattern,
}

impl Category {
    /// Every category, hot ones first, `no_pattern` last (the order outputs list them).
    pub const ALL: [Category; 17] = [
        Category::NewHot,
        Category::ConsecutiveHot,
        Category::IntensifyingHot,
        Category::PersistentHot,
        Category::DiminishingHot,
        Category::SporadicHot,
        Category::OscillatingHot,
        Category::HistoricalHot,
        Category::NewCold,
        Category::ConsecutiveCold,
        Category::IntensifyingCold,
        Category::PersistentCold,
        Category::DiminishingCold,
        Category::SporadicCold,
        Category::OscillatingCold,
        Category::HistoricalCold,
        Category::NoPattern,
    ];

    /// Name as written in outputs (`new_hot`, …, `no_pattern`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Category::NewHot => "new_hot",
            Category::ConsecutiveHot => "consecutive_hot",
            Category::IntensifyingHot => "intensifying_hot",
            Category::PersistentHot => "persistent_hot",
            Category::DiminishingHot => "diminishing_hot",
            Category::SporadicHot => "sporadic_hot",
            Category::OscillatingHot => "oscillating_hot",
            Category::HistoricalHot => "historical_hot",
            Category::NewCold => "new_cold",
            Category::ConsecutiveCold => "consecutive_cold",
            Category::IntensifyingCold => "intensifying_cold",
            Category::PersistentCold => "persistent_cold",
            Category::DiminishingCold => "diminishing_cold",
            Category::SporadicCold => "sporadic_cold",
            Category::OscillatingCold => "oscillating_cold",
            Category::HistoricalCold => "historical_cold",
            Category::NoPattern => "no_pattern",
        }
    }

    /// The rule, one line, for legends and outputs.
    #[must_use]
    pub fn rule(self) -> &'static str {
        match self {
            Category::NewHot => "final slice hot, and no other slice hot",
            Category::ConsecutiveHot => {
                "final slice hot; the hot slices are one unbroken run of at least 2 ending at it, fewer than 90 % of slices"
            }
            Category::IntensifyingHot => {
                "final slice hot; at least 90 % of slices hot; significant upward trend in z"
            }
            Category::PersistentHot => {
                "final slice hot; at least 90 % of slices hot; no significant trend in z"
            }
            Category::DiminishingHot => {
                "final slice hot; at least 90 % of slices hot; significant downward trend in z"
            }
            Category::SporadicHot => {
                "final slice hot; fewer than 90 % of slices hot, not one run; never cold"
            }
            Category::OscillatingHot => {
                "final slice hot; fewer than 90 % of slices hot, not one run; at least one cold slice"
            }
            Category::HistoricalHot => "final slice not hot or cold; at least 90 % of slices hot",
            Category::NewCold => "final slice cold, and no other slice cold",
            Category::ConsecutiveCold => {
                "final slice cold; the cold slices are one unbroken run of at least 2 ending at it, fewer than 90 % of slices"
            }
            Category::IntensifyingCold => {
                "final slice cold; at least 90 % of slices cold; significant downward trend in z"
            }
            Category::PersistentCold => {
                "final slice cold; at least 90 % of slices cold; no significant trend in z"
            }
            Category::DiminishingCold => {
                "final slice cold; at least 90 % of slices cold; significant upward trend in z"
            }
            Category::SporadicCold => {
                "final slice cold; fewer than 90 % of slices cold, not one run; never hot"
            }
            Category::OscillatingCold => {
                "final slice cold; fewer than 90 % of slices cold, not one run; at least one hot slice"
            }
            Category::HistoricalCold => "final slice not hot or cold; at least 90 % of slices cold",
            Category::NoPattern => {
                "none of the above, or a z series with an undefined value (counted apart)"
            }
        }
    }
}

/// Whether `count` of `total` slices is at least 90 %: `10·count ≥ 9·total`.
#[must_use]
pub fn at_least_90_percent(count: usize, total: usize) -> bool {
    10 * count >= 9 * total
}

/// The category of one cell's slice states (oldest first) and trend.
///
/// ```
/// use hexspot_engine::emerging::{Category, Trend, classify};
/// use hexspot_engine::space_time::SliceState::{Cold, Hot, NotSignificant as N};
/// assert_eq!(classify(&[N, N, N, Hot], Trend::None), Category::NewHot);
/// assert_eq!(classify(&[Cold, N, Hot, Hot], Trend::Up), Category::ConsecutiveHot);
/// assert_eq!(classify(&[Hot, N, Hot, N], Trend::None), Category::NoPattern);
/// ```
#[must_use]
pub fn classify(states: &[SliceState], trend: Trend) -> Category {
    let t = states.len();
    let hot = states.iter().filter(|s| **s == SliceState::Hot).count();
    let cold = states.iter().filter(|s| **s == SliceState::Cold).count();
    // (this side, the other side, trend towards this side, away from it)
    let pick = |side: SliceState, n_side: usize, n_other: usize, towards: Trend, away: Trend| {
        let run = states.iter().rev().take_while(|s| **s == side).count();
        let cats = if side == SliceState::Hot {
            &Category::ALL[..8]
        } else {
            &Category::ALL[8..16]
        };
        let most = at_least_90_percent(n_side, t);
        if n_side == 1 {
            cats[0]
        } else if run == n_side && run >= 2 && !most {
            cats[1]
        } else if most && trend == towards {
            cats[2]
        } else if most && trend == Trend::None {
            cats[3]
        } else if most && trend == away {
            cats[4]
        } else if n_other == 0 {
            cats[5]
        } else {
            cats[6]
        }
    };
    match states.last() {
        Some(SliceState::Hot) => pick(SliceState::Hot, hot, cold, Trend::Up, Trend::Down),
        Some(SliceState::Cold) => pick(SliceState::Cold, cold, hot, Trend::Down, Trend::Up),
        _ if t > 0 && at_least_90_percent(hot, t) => Category::HistoricalHot,
        _ if t > 0 && at_least_90_percent(cold, t) => Category::HistoricalCold,
        _ => Category::NoPattern,
    }
}

/// An emerging hot spot query: the space-time cube's and the trend's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingQuery {
    /// The cube: filters, period, slices, time lag, resolution, k, measure, region, α.
    pub cube: SpaceTimeQuery,
    /// The Mann-Kendall level for a trend.
    pub trend_alpha: Alpha,
}

impl EmergingQuery {
    /// The query with every setting at the CLI's default — k 1, count, the occupied
    /// cells and their rings, α 0.05, one-month slices, time lag 1, trend α 0.05, no
    /// limit on the region — for `filter` (whose period is the cube's) at `resolution`.
    #[must_use]
    pub fn with_defaults(
        filter: crate::filter::Filter,
        resolution: crate::types::Resolution,
    ) -> Self {
        let q = crate::hotspots::HotspotQuery {
            filter,
            resolution,
            ..crate::hotspots::HotspotQuery::default()
        };
        Self {
            cube: SpaceTimeQuery::from_hotspot(
                q,
                crate::query_types::SliceMonths::default(),
                crate::query_types::TimeLag::default(),
            ),
            trend_alpha: Alpha::default(),
        }
    }
}

/// One study-region cell's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingCell {
    /// The cell.
    pub cell: CellIndex,
    /// Its category.
    pub category: Category,
    /// Hot slices.
    pub hot_slices: usize,
    /// Cold slices.
    pub cold_slices: usize,
    /// z of the final slice.
    pub final_z: Option<f64>,
    /// Mann-Kendall on the z series (`None` where a z is undefined).
    pub mk: Option<MannKendall>,
    /// The trend (`None` where a z is undefined).
    pub trend: Option<Trend>,
    /// Selected incidents per slice, oldest first.
    pub counts: Vec<u32>,
    /// The measure per slice (equal to the counts for `count`).
    pub values: Vec<f64>,
    /// Space-time Gi* z per slice.
    pub z: Vec<Option<f64>>,
    /// Per slice: hot, cold or neither.
    pub states: Vec<SliceState>,
}

/// The answer to an [`EmergingQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingResult {
    /// The cube it came from (its cells in the same order as [`Self::cells`]).
    pub cube: SpaceTimeCube,
    /// Every study-region cell, in ascending H3 index order.
    pub cells: Vec<EmergingCell>,
    /// Cells per category, in [`Category::ALL`]'s order.
    pub totals: [usize; 17],
    /// Of the `no_pattern` cells, those with an undefined z in their series.
    pub undefined: usize,
}

impl EmergingResult {
    /// The number of cells of a category.
    #[must_use]
    pub fn total(&self, c: Category) -> usize {
        self.totals[Category::ALL
            .iter()
            .position(|x| *x == c)
            .expect("every category is listed")]
    }
}

/// Runs an emerging hot spot query: the space-time cube, then per cell the
/// Mann-Kendall trend of its z series and its category.
///
/// # Errors
/// [`SpaceTimeError`] when the period is not whole slices, has fewer than 4, or holds a
/// gap month, and for the query errors of the cube.
pub fn emerging(
    table: &crate::table::IncidentTable,
    query: &EmergingQuery,
    harm: &HarmTable,
) -> Result<EmergingResult, SpaceTimeError> {
    emerging_cancellable(table, query, harm, &Cancel::never())
}

/// [`emerging`] that stops with [`crate::QueryError::Cancelled`] soon after `cancel` is
/// set.
///
/// # Errors
/// As [`emerging`], and [`crate::QueryError::Cancelled`].
pub fn emerging_cancellable(
    table: &crate::table::IncidentTable,
    query: &EmergingQuery,
    harm: &HarmTable,
    cancel: &Cancel,
) -> Result<EmergingResult, SpaceTimeError> {
    let cube = cube_cancellable(table, &query.cube, harm, cancel)?;
    let t = cube.slices.len();
    let cells: Vec<EmergingCell> = cube
        .cells
        .par_iter()
        .enumerate()
        .map(|(i, &cell)| {
            let r = i * t..(i + 1) * t;
            let z = cube.z[r.clone()].to_vec();
            let states = cube.states[r.clone()].to_vec();
            let series: Option<Vec<f64>> = z.iter().copied().collect();
            let mk = series.as_deref().and_then(|s| mann_kendall(s).ok());
            let trend = mk.as_ref().map(|m| Trend::of(m, query.trend_alpha));
            let category = trend.map_or(Category::NoPattern, |tr| classify(&states, tr));
            EmergingCell {
                cell,
                category,
                hot_slices: states.iter().filter(|s| **s == SliceState::Hot).count(),
                cold_slices: states.iter().filter(|s| **s == SliceState::Cold).count(),
                final_z: z.last().copied().flatten(),
                mk,
                trend,
                counts: cube.counts[r.clone()].to_vec(),
                values: cube.values[r].to_vec(),
                z,
                states,
            }
        })
        .collect();
    let mut totals = [0usize; 17];
    for c in &cells {
        totals[c.category as usize] += 1;
    }
    let undefined = cells.iter().filter(|c| c.trend.is_none()).count();
    Ok(EmergingResult {
        cube,
        cells,
        totals,
        undefined,
    })
}

#[cfg(test)]
#[path = "emerging_tests.rs"]
mod tests;
