//! Backtests: which way of ranking cells would have caught the most of the next
//! period's crime, over rolling-origin folds.
//!
//! The last fold's test window ends at `to`; each earlier fold is shifted back by the
//! test window's M months; each fold trains on the L months before its test window.
//! Per fold, one study region S — the hotspot rule (occupied cells and their k-rings)
//! over the training period's selected incidents — is shared by every method, so their
//! PAIs share one A. The methods score the cells of S from the training period:
//! `count` (incidents), `harm` (summed harm), `gistar` (the hotspot pipeline's Gi* z on
//! the query's measure) and `kde` (the [`mod@crate::kde`] density at the cell centres, 0
//! where no incident lies within h). Each method's ranking is scored by
//! [`crate::forecast`]; per method the figures' means over the folds where they are
//! defined, and its mean curve.
//!
//! A fold whose training or test months fall outside the data, or hold a month in which
//! the data have no incident at all (a gap, not zeros), is refused with its months
//! named: its figures would mean nothing. A fold with no test incidents is kept and
//! flagged (its ratios are undefined and left out of the means); one with fewer than
//! [`FEW_TEST_INCIDENTS`] is flagged as a caution.

use h3o::CellIndex;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::binning::bin;
use crate::cancel::Cancel;
use crate::error::QueryError;
use crate::filter::{Exclusions, Filter, Period};
use crate::forecast::{CurvePoint, FoldCells, FoldScore, score};
use crate::harm::HarmTable;
use crate::hotspots::{HotspotQuery, HotspotResult, Limit, Measure, RankBy, StudyRegion, hotspots};
use crate::kde::{KdeQuery, Windows, kde};
use crate::plan::Budget;
use crate::query_types::{Alpha, Bandwidth, Folds, K, WindowMonths};
use crate::table::IncidentTable;
use crate::types::{Resolution, YearMonth};

/// Folds with fewer test incidents than this are flagged: their figures swing widely.
pub const FEW_TEST_INCIDENTS: u64 = 30;

/// A way of scoring cells from the training period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "lowercase")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    /// Training incidents in the cell.
    Count,
    /// Their summed harm.
    Harm,
    /// The cell's Gi* z over the study region.
    Gistar,
    /// Kernel density at the cell's centre.
    Kde,
}

impl Method {
    /// Every method, in the order outputs list them.
    pub const ALL: [Method; 4] = [Method::Count, Method::Harm, Method::Gistar, Method::Kde];

    /// Name as used in parameters.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::Count => "count",
            Method::Harm => "harm",
            Method::Gistar => "gistar",
            Method::Kde => "kde",
        }
    }

    /// Name for people (`Gi*`, `KDE`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Method::Count => "count",
            Method::Harm => "harm",
            Method::Gistar => "Gi*",
            Method::Kde => "KDE",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "count" => Ok(Method::Count),
            "harm" => Ok(Method::Harm),
            "gistar" => Ok(Method::Gistar),
            "kde" => Ok(Method::Kde),
            _ => Err(format!(
                "{s:?} is not a method: use count, harm, gistar or kde"
            )),
        }
    }
}

/// Everything a backtest asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestQuery {
    /// Which incidents (its period is not used: each fold sets its own).
    pub filter: Filter,
    /// Cell resolution.
    pub resolution: Resolution,
    /// The k-ring of the study region rule and of Gi*.
    pub k: K,
    /// The value Gi* and KDE weigh (count or harm).
    pub measure: Measure,
    /// The methods, each once, in the order given.
    pub methods: Vec<Method>,
    /// L: training months before each test window.
    pub train_months: WindowMonths,
    /// M: months of each test window (and the shift between folds).
    pub test_months: WindowMonths,
    /// How many folds.
    pub folds: Folds,
    /// The last fold's last test month.
    pub to: YearMonth,
    /// How many cells each method picks.
    pub budget: Budget,
    /// KDE's bandwidth.
    pub bandwidth: Bandwidth,
    /// The curves run over the top 1 … this many cells.
    pub curve_cells: usize,
}

/// A fold's windows, each `[first, last]` month inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldWindow {
    /// Training months.
    pub train: (YearMonth, YearMonth),
    /// Test months.
    pub test: (YearMonth, YearMonth),
}

/// A backtest that cannot run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BacktestError {
    /// No method was given.
    #[error("a backtest needs at least one method: count, harm, gistar or kde")]
    NoMethods,
    /// The budget allows nothing.
    #[error("the budget must allow something: {0}")]
    Budget(String),
    /// A fold's months are not all inside the data.
    #[error(
        "fold {fold} needs {first} to {last}, but the data hold {data_first} to {data_last}: use fewer folds, fewer training months or an earlier end"
    )]
    OutsideData {
        /// 1-based fold, oldest first.
        fold: usize,
        /// its first training month
        first: YearMonth,
        /// its last test month
        last: YearMonth,
        /// the data's first month
        data_first: YearMonth,
        /// the data's last month
        data_last: YearMonth,
    },
    /// The table holds no rows.
    #[error("the data hold no incidents")]
    NoData,
    /// Months of a fold with no incident at all in the data.
    #[error(
        "fold {fold}: the data hold no incident at all in {}: a gap in the data, not zeros (import those months, or choose other folds)",
        months.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Gap {
        /// 1-based fold, oldest first.
        fold: usize,
        /// the gap months, ascending
        months: Vec<YearMonth>,
    },
    /// The query itself cannot run.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// One method's figures on one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodFold {
    /// The method.
    pub method: Method,
    /// Its figures.
    pub score: FoldScore,
    /// Its curve over the top cells.
    pub curve: Vec<CurvePoint>,
    /// The cells it chose, best first.
    pub chosen: Vec<CellIndex>,
}

/// One fold's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    /// Its windows.
    pub window: FoldWindow,
    /// Cells of its study region S.
    pub region_cells: usize,
    /// S's area, km² (exact cell areas).
    pub region_area_km2: f64,
    /// Every training incident (all inside S, which is built from them).
    pub train_incidents: u64,
    /// Every test incident, inside S or not.
    pub test_incidents: u64,
    /// Test incidents outside S.
    pub test_outside_region: u64,
    /// Per method, in the query's order.
    pub methods: Vec<MethodFold>,
}

impl Fold {
    /// No test incidents: every ratio undefined.
    #[must_use]
    pub fn no_test_incidents(&self) -> bool {
        self.test_incidents == 0
    }

    /// Fewer than [`FEW_TEST_INCIDENTS`] test incidents.
    #[must_use]
    pub fn few_test_incidents(&self) -> bool {
        self.test_incidents < FEW_TEST_INCIDENTS
    }
}

/// A mean over folds, with how many folds had the figure defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean {
    /// The mean, `None` when no fold had it.
    pub mean: Option<f64>,
    /// Folds it is over.
    pub folds: usize,
}

impl Mean {
    fn of(values: impl Iterator<Item = Option<f64>>) -> Self {
        let (sum, n) = values
            .flatten()
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        Self {
            mean: (n > 0).then(|| sum / n as f64),
            folds: n,
        }
    }
}

/// A mean curve point: the top `cells` cells, averaged over folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCurvePoint {
    /// Cells taken.
    pub cells: usize,
    /// Mean share of S's area.
    pub area_share: f64,
    /// Mean hit rate.
    pub hit_rate: Mean,
    /// Mean PAI.
    pub pai: Mean,
}

/// One method's means over the folds.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSummary {
    /// The method.
    pub method: Method,
    /// Mean cells chosen.
    pub cells: f64,
    /// Mean hit rate.
    pub hit_rate: Mean,
    /// Mean share of S's area, a/A.
    pub area_share: Mean,
    /// Mean a, km².
    pub a_km2: f64,
    /// Mean PAI.
    pub pai: Mean,
    /// Mean PEI.
    pub pei: Mean,
    /// Mean RRI.
    pub rri: Mean,
    /// Mean harm capture.
    pub harm_capture: Mean,
    /// Folds whose cut-off fell on a tie.
    pub ties: usize,
    /// The mean curve.
    pub curve: Vec<MeanCurvePoint>,
}

/// The answer to a [`BacktestQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestResult {
    /// The folds, oldest first.
    pub folds: Vec<Fold>,
    /// Per method, in the query's order.
    pub summaries: Vec<MethodSummary>,
    /// The methods by mean PAI, best first (those with no mean PAI last).
    pub ranking: Vec<Method>,
    /// Training rows left out because the data could not answer the query (every fold).
    pub exclusions: Exclusions,
    /// The imports the counted incidents came from, ascending.
    pub import_ids: Vec<u32>,
}

impl BacktestResult {
    /// The summary of `method`.
    #[must_use]
    pub fn summary(&self, method: Method) -> Option<&MethodSummary> {
        self.summaries.iter().find(|s| s.method == method)
    }
}

/// The folds' windows, oldest first: fold F's test window ends at `to`, each earlier
/// one M months before, and each trains on the L months before its test window.
///
/// ```
/// use hexspot_engine::backtest::fold_windows;
/// use hexspot_engine::{Folds, WindowMonths, YearMonth};
/// let w = fold_windows(
///     "2022-10".parse().unwrap(),
///     WindowMonths::new(12).unwrap(),
///     WindowMonths::new(1).unwrap(),
///     Folds::new(2).unwrap(),
/// );
/// assert_eq!(w[1].test.0.to_string(), "2022-10");
/// assert_eq!(w[0].train.0.to_string(), "2021-09");
/// ```
#[must_use]
pub fn fold_windows(
    to: YearMonth,
    train: WindowMonths,
    test: WindowMonths,
    folds: Folds,
) -> Vec<FoldWindow> {
    let (l, m, f) = (train.get() as i32, test.get() as i32, folds.get() as i32);
    let month = |i: i32| YearMonth::from_index(i).expect("months near valid months are valid");
    (0..f)
        .map(|fold| {
            let test_last = to.index() - (f - 1 - fold) * m;
            let test_first = test_last - m + 1;
            FoldWindow {
                train: (month(test_first - l), month(test_first - 1)),
                test: (month(test_first), month(test_last)),
            }
        })
        .collect()
}

fn with_period(filter: &Filter, (first, last): (YearMonth, YearMonth)) -> Filter {
    Filter {
        period: Some(Period::months(first, last).expect("a window is first ≤ last")),
        ..filter.clone()
    }
}

/// Checks every fold's months against the data: inside it, and no gap month.
fn check_months(table: &IncidentTable, windows: &[FoldWindow]) -> Result<(), BacktestError> {
    let (lo, hi) = table.month_range().ok_or(BacktestError::NoData)?;
    let held = table.months_held_where(|_| true);
    for (i, w) in windows.iter().enumerate() {
        let (first, last) = (w.train.0, w.test.1);
        if first < lo || last > hi {
            return Err(BacktestError::OutsideData {
                fold: i + 1,
                first,
                last,
                data_first: lo,
                data_last: hi,
            });
        }
        let gaps: Vec<YearMonth> = (first.index()..=last.index())
            .filter(|&m| !held[(m - lo.index()) as usize])
            .map(|m| YearMonth::from_index(m).expect("a month of the data"))
            .collect();
        if !gaps.is_empty() {
            return Err(BacktestError::Gap {
                fold: i + 1,
                months: gaps,
            });
        }
    }
    Ok(())
}

/// Exact cell areas, remembered across folds (their regions overlap).
fn areas(cache: &mut FxHashMap<u64, f64>, cells: &[u64]) -> Vec<f64> {
    let missing: Vec<u64> = cells
        .iter()
        .copied()
        .filter(|c| !cache.contains_key(c))
        .collect();
    let found: Vec<(u64, f64)> = missing
        .par_iter()
        .map(|&c| {
            let cell = CellIndex::try_from(c).expect("region cells are valid");
            (c, cell.area_km2())
        })
        .collect();
    cache.extend(found);
    cells.iter().map(|c| cache[c]).collect()
}

/// Runs a backtest.
///
/// # Errors
/// [`BacktestError`]: no method, an empty budget, a fold outside the data or with a gap
/// month, or the query's own errors (unknown crime type or offence).
pub fn backtest(
    table: &IncidentTable,
    query: &BacktestQuery,
    harm: &HarmTable,
) -> Result<BacktestResult, BacktestError> {
    if query.methods.is_empty() {
        return Err(BacktestError::NoMethods);
    }
    match query.budget {
        Budget::Cells(0) => return Err(BacktestError::Budget("at least one cell".into())),
        Budget::AreaKm2(a) if !(a > 0.0 && a.is_finite()) => {
            return Err(BacktestError::Budget(format!(
                "a positive area, got {} km²",
                crate::query_types::short_number(a)
            )));
        }
        _ => {}
    }
    query.filter.check(table)?;
    let windows = fold_windows(query.to, query.train_months, query.test_months, query.folds);
    check_months(table, &windows)?;
    let mut methods = query.methods.clone();
    {
        let mut seen = Vec::new();
        methods.retain(|m| {
            let first = !seen.contains(m);
            seen.push(*m);
            first
        });
    }
    // every fold's training hotspots first: their regions are the cells KDE evaluates
    let trained: Vec<HotspotResult> = windows
        .iter()
        .map(|w| {
            let hq = HotspotQuery {
                filter: with_period(&query.filter, w.train),
                resolution: query.resolution,
                k: query.k,
                measure: query.measure,
                region: StudyRegion::OccupiedWithRings,
                alpha: Alpha::default(),
                rank_by: RankBy::Z,
                limit: Limit::All,
                max_region_cells: usize::MAX,
            };
            hotspots(table, &hq, harm)
        })
        .collect::<Result<_, _>>()?;
    // every fold's KDE from one pass over the training months' points, a sum a month
    // at the cells of every fold's region
    let kde_windows = match (
        methods.contains(&Method::Kde),
        windows.first(),
        windows.last(),
    ) {
        (true, Some(first), Some(last)) => {
            let cells: Vec<u64> = trained
                .iter()
                .flat_map(|hr| hr.cells.iter().map(|c| u64::from(c.cell)))
                .collect();
            Windows::new(
                table,
                &query.filter,
                (first.train.0, last.train.1),
                &cells,
                query.resolution,
                query.bandwidth,
                query.measure,
                harm,
            )?
        }
        _ => None,
    };
    let mut area_cache = FxHashMap::default();
    let mut folds = Vec::with_capacity(windows.len());
    let mut exclusions = Exclusions::default();
    let mut imports: Vec<u32> = Vec::new();
    for (w, hr) in windows.iter().zip(trained) {
        let train_filter = with_period(&query.filter, w.train);
        let e = &hr.exclusions;
        exclusions.flag_not_recorded += e.flag_not_recorded;
        exclusions.month_only_partial_period += e.month_only_partial_period;
        exclusions.no_time_of_day += e.no_time_of_day;
        imports.extend(&hr.import_ids);
        let mut stats = hr.cells;
        stats.sort_unstable_by_key(|c| c.cell);
        let cells: Vec<u64> = stats.iter().map(|c| u64::from(c.cell)).collect();
        let area_km2 = areas(&mut area_cache, &cells);
        let train_count: Vec<u32> = stats.iter().map(|c| c.count).collect();
        let test = bin(
            table,
            &with_period(&query.filter, w.test),
            harm,
            query.resolution,
            None,
            &Cancel::never(),
        )?;
        imports.extend(
            test.imports
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .map(|(i, _)| i as u32),
        );
        let mut test_count = vec![0u32; cells.len()];
        let mut test_harm = vec![0.0f64; cells.len()];
        for (j, c) in test.bins.cells.iter().enumerate() {
            if let Ok(i) = cells.binary_search(c) {
                test_count[i] = test.bins.count[j];
                test_harm[i] = test.bins.harm[j];
            }
        }
        let test_total: u64 = test.bins.count.iter().map(|&c| u64::from(c)).sum();
        let inside: u64 = test_count.iter().map(|&c| u64::from(c)).sum();
        let fold_cells = FoldCells {
            cells: &cells,
            area_km2: &area_km2,
            train_count: &train_count,
            test_count: &test_count,
            test_harm: &test_harm,
            train_total: hr.incidents as u64,
            test_total,
            test_harm_total: test.bins.harm.iter().sum(),
        };
        let mut per_method = Vec::with_capacity(methods.len());
        for &m in &methods {
            let scores: Vec<Option<f64>> = match m {
                Method::Count => stats.iter().map(|c| Some(f64::from(c.count))).collect(),
                Method::Harm => stats.iter().map(|c| Some(c.harm)).collect(),
                Method::Gistar => stats.iter().map(|c| c.z).collect(),
                Method::Kde => {
                    let region: Vec<CellIndex> = stats.iter().map(|c| c.cell).collect();
                    match kde_windows
                        .as_ref()
                        .and_then(|k| k.densities(w.train, &region))
                    {
                        Some(d) => d.into_iter().map(Some).collect(),
                        None => {
                            let kq = KdeQuery {
                                filter: train_filter.clone(),
                                resolution: query.resolution,
                                bandwidth: query.bandwidth,
                                measure: query.measure,
                                cells: Some(region),
                            };
                            let kr = kde(table, &kq, harm)?;
                            let mut d = vec![Some(0.0); cells.len()];
                            for c in &kr.cells {
                                if let Ok(i) = cells.binary_search(&u64::from(c.cell)) {
                                    d[i] = Some(c.density_km2);
                                }
                            }
                            d
                        }
                    }
                }
            };
            let (s, curve) = score(&fold_cells, &scores, query.budget, query.curve_cells);
            let order = crate::forecast::rank(&cells, &scores);
            let chosen = order[..s.cells].iter().map(|&i| stats[i].cell).collect();
            per_method.push(MethodFold {
                method: m,
                score: s,
                curve,
                chosen,
            });
        }
        folds.push(Fold {
            window: *w,
            region_cells: cells.len(),
            region_area_km2: area_km2.iter().sum(),
            train_incidents: hr.incidents as u64,
            test_incidents: test_total,
            test_outside_region: test_total - inside,
            methods: per_method,
        });
    }
    let summaries: Vec<MethodSummary> = methods
        .iter()
        .enumerate()
        .map(|(mi, &m)| summarise(m, &folds, mi, query.curve_cells))
        .collect();
    let mut ranking: Vec<(Method, Option<f64>)> =
        summaries.iter().map(|s| (s.method, s.pai.mean)).collect();
    ranking.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    imports.sort_unstable();
    imports.dedup();
    Ok(BacktestResult {
        folds,
        summaries,
        ranking: ranking.into_iter().map(|(m, _)| m).collect(),
        exclusions,
        import_ids: imports,
    })
}

fn summarise(method: Method, folds: &[Fold], mi: usize, curve_cells: usize) -> MethodSummary {
    let scores: Vec<&FoldScore> = folds.iter().map(|f| &f.methods[mi].score).collect();
    let nf = folds.len().max(1) as f64;
    let curve = (0..curve_cells)
        .map_while(|k| {
            let points: Vec<&CurvePoint> = folds
                .iter()
                .filter_map(|f| f.methods[mi].curve.get(k))
                .collect();
            (!points.is_empty()).then(|| MeanCurvePoint {
                cells: k + 1,
                area_share: points.iter().map(|p| p.area_share).sum::<f64>() / points.len() as f64,
                hit_rate: Mean::of(points.iter().map(|p| p.hit_rate)),
                pai: Mean::of(points.iter().map(|p| p.pai)),
            })
        })
        .collect();
    MethodSummary {
        method,
        cells: scores.iter().map(|s| s.cells as f64).sum::<f64>() / nf,
        hit_rate: Mean::of(scores.iter().map(|s| s.hit_rate)),
        area_share: Mean::of(
            scores
                .iter()
                .map(|s| (s.area_total_km2 > 0.0).then(|| s.a_km2 / s.area_total_km2)),
        ),
        a_km2: scores.iter().map(|s| s.a_km2).sum::<f64>() / nf,
        pai: Mean::of(scores.iter().map(|s| s.pai)),
        pei: Mean::of(scores.iter().map(|s| s.pei)),
        rri: Mean::of(scores.iter().map(|s| s.rri)),
        harm_capture: Mean::of(scores.iter().map(|s| s.harm_capture)),
        ties: scores.iter().filter(|s| s.tie).count(),
        curve,
    }
}

#[cfg(test)]
#[path = "backtest_tests.rs"]
mod tests;
