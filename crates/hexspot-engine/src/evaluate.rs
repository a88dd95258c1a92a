//! Did it work: the selected incidents before and after in a treated area T, its
//! control C, the displacement ring D around T and the ring's control DC, and their
//! weighted displacement difference ([`mod@crate::wdd`]).
//!
//! - D: the cells within B metres of T (cell centre to cell centre) that are not in T;
//!   without B, the cells within grid distance k of T.
//! - C: the cells given; without them, the rest of the study region S (the hotspot
//!   rule — occupied cells and their k-rings — over the incidents of both periods)
//!   minus T and D. Given control cells that fall in T are refused; those in D are
//!   moved out of C (and counted).
//! - DC: for a given control, its own ring by the same rule, outside T, D and C; for
//!   the default control, none (the rest of the region is the one control; its change
//!   is subtracted once, in the local term).
//! - Time weights: the periods' lengths relative to the after period's,
//!   `[before/after, 1]`, in months when both are whole months, else in days (1 and 1
//!   when equal). Area weights (when asked for): each area's exact area over T's,
//!   `[C/T, 1, DC/T, D/T]` (1 for an empty area, whose counts are 0).
//!
//! By crime type: the same test for each crime type of the filter (or of the data),
//! and their harm-weighted total (`wdd_harm`) over the total WDDs, each weighed by the
//! harm table's weight for its crime type (1 where it has none).

use h3o::{CellIndex, LatLng};
use rustc_hash::FxHashSet;
use thiserror::Error;

use crate::binning::{Bins, bin};
use crate::cancel::Cancel;
use crate::error::QueryError;
use crate::filter::{Exclusions, Filter, Period};
use crate::harm::HarmTable;
use crate::hotspots::{HotspotQuery, Limit, Measure, RankBy, StudyRegion};
use crate::query_types::{Alpha, K};
use crate::study_region::{disk, region_by_hash, region_by_ij};
use crate::table::IncidentTable;
use crate::types::Resolution;
use crate::wdd::{BeforeAfter, Estimate, HarmPart, Wdd, WddError, WddInput, wdd};

/// The widest displacement ring, in metres.
pub const MAX_DISPLACEMENT_M: f64 = 5_000.0;

/// Everything an evaluation asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluateQuery {
    /// Which incidents (its period is not used: `before` and `after` are).
    pub filter: Filter,
    /// Cell resolution (every cell given must be at it).
    pub resolution: Resolution,
    /// The k of the study-region rule and of the default ring.
    pub k: K,
    /// The treated cells.
    pub treated: Vec<CellIndex>,
    /// The control cells; `None`: the rest of the study region.
    pub control: Option<Vec<CellIndex>>,
    /// The ring's width B in metres; `None`: the k-ring.
    pub displacement_m: Option<f64>,
    /// The period before.
    pub before: Period,
    /// The period after.
    pub after: Period,
    /// Divide each area's counts by its area relative to the treated area's.
    pub area_weights: bool,
    /// Also test each crime type apart and give their harm-weighted total.
    pub by_crime_type: bool,
}

/// An evaluation that cannot run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvaluateError {
    /// No treated cell.
    #[error("no treated cells: give the treated area")]
    NoTreated,
    /// A cell at another resolution.
    #[error("cell {cell} is at resolution {found}, the evaluation at {res}")]
    Resolution {
        /// the cell
        cell: CellIndex,
        /// its resolution
        found: u8,
        /// the query's
        res: u8,
    },
    /// Control cells inside the treated area.
    #[error("{0} control cell(s) are treated cells: a control must lie outside the treated area")]
    ControlOverlap(usize),
    /// The periods overlap or are in the wrong order.
    #[error("the before period ({before}) must end before the after period ({after}) starts")]
    Periods {
        /// before, as `from..to`
        before: String,
        /// after, as `from..to`
        after: String,
    },
    /// A ring width that is not a number from 0 to [`MAX_DISPLACEMENT_M`].
    #[error("the displacement ring must be 0 to 5000 metres, got {0}")]
    Displacement(f64),
    /// The counts could not make a test.
    #[error(transparent)]
    Wdd(#[from] WddError),
    /// The query itself cannot run.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// How the control area was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlRule {
    /// The cells given.
    Given,
    /// The rest of the study region, minus the treated area and the ring.
    RestOfRegion,
}

/// How the periods' lengths were measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    /// Whole months.
    Months,
    /// Days.
    Days,
}

impl LengthUnit {
    /// `months` or `days`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            LengthUnit::Months => "months",
            LengthUnit::Days => "days",
        }
    }
}

/// One area's cells and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCounts {
    /// Its cells, ascending.
    pub cells: Vec<CellIndex>,
    /// Its exact area, km².
    pub area_km2: f64,
    /// Selected incidents before.
    pub before: u64,
    /// And after.
    pub after: u64,
}

/// One crime type's test.
#[derive(Debug, Clone, PartialEq)]
pub struct CrimeTypeWdd {
    /// The crime type.
    pub crime_type: String,
    /// Counts before and after, in the order T, C, D, DC.
    pub counts: [BeforeAfter; 4],
    /// Its test.
    pub wdd: Wdd,
    /// Its harm weight.
    pub weight: f64,
}

/// The answer to an [`EvaluateQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// T.
    pub treated: AreaCounts,
    /// C.
    pub control: AreaCounts,
    /// D.
    pub displacement: AreaCounts,
    /// DC.
    pub displacement_control: AreaCounts,
    /// How C was chosen.
    pub control_rule: ControlRule,
    /// Cells of the study region (default control only).
    pub region_cells: Option<usize>,
    /// Given control cells moved out of C because they lie in D.
    pub control_cells_in_ring: usize,
    /// Lengths of the periods, before and after.
    pub lengths: [u32; 2],
    /// Their unit.
    pub length_unit: LengthUnit,
    /// `[before/after, 1]`.
    pub time_weights: [f64; 2],
    /// `[C, T, DC, D]` (all 1 without area weights).
    pub area_weights: [f64; 4],
    /// The test.
    pub wdd: Wdd,
    /// Per crime type, when asked for.
    pub crime_types: Vec<CrimeTypeWdd>,
    /// Their harm-weighted total.
    pub harm_total: Option<Estimate>,
    /// Rows left out because the data could not answer the query (both periods).
    pub exclusions: Exclusions,
    /// The imports the counted incidents came from, ascending.
    pub import_ids: Vec<u32>,
}

fn sorted(cells: &[CellIndex]) -> Vec<u64> {
    let mut v: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn check_res(cells: &[CellIndex], res: Resolution) -> Result<(), EvaluateError> {
    match cells.iter().find(|c| c.resolution() != res.h3()) {
        Some(&cell) => Err(EvaluateError::Resolution {
            cell,
            found: u8::from(cell.resolution()),
            res: res.get(),
        }),
        None => Ok(()),
    }
}

/// The cells around `area` (sorted) by the ring rule, outside `outside` (sorted).
fn ring(area: &[u64], b: Option<f64>, k: K, outside: &[&[u64]]) -> Vec<u64> {
    let keep = |c: u64| outside.iter().all(|o| o.binary_search(&c).is_err());
    let mut out: FxHashSet<u64> = FxHashSet::default();
    let mut buf = Vec::new();
    match b {
        None => {
            for &c in area {
                disk(c, k.get(), &mut buf);
                out.extend(buf.iter().map(|&x| u64::from(x)).filter(|&x| keep(x)));
            }
        }
        Some(b) => {
            let Some(&first) = area.first() else {
                return Vec::new();
            };
            // the closest neighbouring centre bounds how many steps B can reach
            let first = CellIndex::try_from(first).expect("valid cells");
            let centre = LatLng::from(first);
            let step = first
                .grid_disk::<Vec<_>>(1)
                .into_iter()
                .filter(|c| *c != first)
                .map(|c| centre.distance_m(LatLng::from(c)))
                .fold(f64::INFINITY, f64::min);
            let steps = (b / (0.9 * step)).ceil() as u32 + 1;
            for &c in area {
                let cc = LatLng::from(CellIndex::try_from(c).expect("valid cells"));
                disk(c, steps, &mut buf);
                for x in &buf {
                    let xb = u64::from(*x);
                    if keep(xb) && cc.distance_m(LatLng::from(*x)) <= b {
                        out.insert(xb);
                    }
                }
            }
        }
    }
    let mut v: Vec<u64> = out.into_iter().collect();
    v.sort_unstable();
    v
}

fn cells_of(v: &[u64]) -> Vec<CellIndex> {
    v.iter()
        .map(|&c| CellIndex::try_from(c).expect("valid cells"))
        .collect()
}

fn area_km2(v: &[u64]) -> f64 {
    // folded from +0.0: an empty area is 0 km², not −0
    cells_of(v).iter().fold(0.0, |a, c| a + c.area_km2())
}

fn sum_in(bins: &Bins, area: &[u64]) -> u64 {
    area.iter()
        .filter_map(|c| bins.cells.binary_search(c).ok())
        .map(|j| u64::from(bins.count[j]))
        .sum()
}

fn add(e: &mut Exclusions, f: &Exclusions) {
    e.flag_not_recorded += f.flag_not_recorded;
    e.month_only_partial_period += f.month_only_partial_period;
    e.no_time_of_day += f.no_time_of_day;
}

/// The lengths of the periods, in months when both are whole months, else days.
fn lengths(before: Period, after: Period) -> ([u32; 2], LengthUnit) {
    let whole = |p: Period| {
        let (f, t) = (p.from().year_month(), p.to().year_month());
        (p.from() == f.first_day() && p.to() == t.last_day())
            .then(|| (t.index() - f.index() + 1) as u32)
    };
    match (whole(before), whole(after)) {
        (Some(b), Some(a)) => ([b, a], LengthUnit::Months),
        _ => {
            let days = |p: Period| (p.to().index() - p.from().index() + 1) as u32;
            ([days(before), days(after)], LengthUnit::Days)
        }
    }
}

/// Runs an evaluation.
///
/// # Errors
/// [`EvaluateError`]: no treated cells, cells at another resolution, a control that
/// overlaps the treated area, periods that overlap or run backwards, a ring width out
/// of range, or the query's own errors (unknown crime type or offence).
pub fn evaluate(
    table: &IncidentTable,
    query: &EvaluateQuery,
    harm: &HarmTable,
) -> Result<Evaluation, EvaluateError> {
    let res = query.resolution;
    if query.treated.is_empty() {
        return Err(EvaluateError::NoTreated);
    }
    check_res(&query.treated, res)?;
    if let Some(c) = &query.control {
        check_res(c, res)?;
    }
    if let Some(b) = query.displacement_m
        && !(b.is_finite() && (0.0..=MAX_DISPLACEMENT_M).contains(&b))
    {
        return Err(EvaluateError::Displacement(b));
    }
    if query.before.to() >= query.after.from() {
        let show = |p: Period| format!("{}..{}", p.from(), p.to());
        return Err(EvaluateError::Periods {
            before: show(query.before),
            after: show(query.after),
        });
    }
    query.filter.check(table)?;
    let treated = sorted(&query.treated);
    let ring_t = ring(&treated, query.displacement_m, query.k, &[&treated]);

    let period = |p: Period| Filter {
        period: Some(p),
        ..query.filter.clone()
    };
    let before = bin(
        table,
        &period(query.before),
        harm,
        res,
        None,
        &Cancel::never(),
    )?;
    let after = bin(
        table,
        &period(query.after),
        harm,
        res,
        None,
        &Cancel::never(),
    )?;
    let mut exclusions = Exclusions::default();
    add(&mut exclusions, &before.exclusions);
    add(&mut exclusions, &after.exclusions);
    let mut imports: Vec<u32> = before
        .imports
        .iter()
        .zip(&after.imports)
        .enumerate()
        .filter(|(_, (a, b))| **a || **b)
        .map(|(i, _)| i as u32)
        .collect();
    imports.dedup();

    let (control, control_rule, region_cells, moved) = match &query.control {
        Some(c) => {
            let c = sorted(c);
            let overlap = c
                .iter()
                .filter(|x| treated.binary_search(x).is_ok())
                .count();
            if overlap > 0 {
                return Err(EvaluateError::ControlOverlap(overlap));
            }
            let kept: Vec<u64> = c
                .iter()
                .copied()
                .filter(|x| ring_t.binary_search(x).is_err())
                .collect();
            let moved = c.len() - kept.len();
            (kept, ControlRule::Given, None, moved)
        }
        None => {
            let s = region(&before.bins, &after.bins, query);
            let n = s.len();
            let rest: Vec<u64> = s
                .into_iter()
                .filter(|x| treated.binary_search(x).is_err() && ring_t.binary_search(x).is_err())
                .collect();
            (rest, ControlRule::RestOfRegion, Some(n), 0)
        }
    };
    let ring_c = match control_rule {
        ControlRule::Given => ring(
            &control,
            query.displacement_m,
            query.k,
            &[&treated, &ring_t, &control],
        ),
        ControlRule::RestOfRegion => Vec::new(),
    };
    let areas = [&treated, &control, &ring_t, &ring_c];
    let counts = |b: &Bins, a: &Bins| -> [BeforeAfter; 4] {
        areas.map(|x| BeforeAfter::new(sum_in(b, x) as f64, sum_in(a, x) as f64))
    };
    let all = counts(&before.bins, &after.bins);
    let km2 = areas.map(|x| area_km2(x));
    let (lengths, length_unit) = lengths(query.before, query.after);
    let time_weights = [f64::from(lengths[0]) / f64::from(lengths[1]), 1.0];
    let rel = |i: usize| {
        if query.area_weights && km2[i] > 0.0 {
            km2[i] / km2[0]
        } else {
            1.0
        }
    };
    let area_weights = [rel(1), 1.0, rel(3), rel(2)];
    let input = |c: &[BeforeAfter; 4]| WddInput {
        time_weights,
        area_weights,
        ..WddInput::new(c[1], c[0]).with_displacement(c[3], c[2])
    };
    let result = wdd(&input(&all))?;

    let mut crime_types = Vec::new();
    let mut harm_total = None;
    if query.by_crime_type {
        let names: Vec<String> = if query.filter.crime_types.is_empty() {
            let mut v: Vec<String> = table
                .crime_type_counts()
                .into_iter()
                .map(|(n, _)| n.to_owned())
                .collect();
            v.sort_unstable();
            v
        } else {
            query.filter.crime_types.clone()
        };
        let mut parts = Vec::with_capacity(names.len());
        for name in names {
            let one = |p: Period| Filter {
                period: Some(p),
                crime_types: vec![name.clone()],
                ..query.filter.clone()
            };
            let b = bin(table, &one(query.before), harm, res, None, &Cancel::never())?;
            let a = bin(table, &one(query.after), harm, res, None, &Cancel::never())?;
            let c = counts(&b.bins, &a.bins);
            let w = wdd(&input(&c))?;
            let weight = harm.get(&name).unwrap_or(1.0);
            parts.push(HarmPart {
                estimate: w.total.estimate,
                se: w.total.se,
                weight,
            });
            crime_types.push(CrimeTypeWdd {
                crime_type: name,
                counts: c,
                wdd: w,
                weight,
            });
        }
        harm_total = Some(crate::wdd::wdd_harm(&parts)?);
    }

    let area = |i: usize| AreaCounts {
        cells: cells_of(areas[i]),
        area_km2: km2[i],
        before: all[i].before as u64,
        after: all[i].after as u64,
    };
    Ok(Evaluation {
        treated: area(0),
        control: area(1),
        displacement: area(2),
        displacement_control: area(3),
        control_rule,
        region_cells,
        control_cells_in_ring: moved,
        lengths,
        length_unit,
        time_weights,
        area_weights,
        wdd: result,
        crime_types,
        harm_total,
        exclusions,
        import_ids: imports,
    })
}

/// The study region over both periods' incidents: the hotspot rule on their merged
/// bins, built by the study-region builders.
fn region(before: &Bins, after: &Bins, query: &EvaluateQuery) -> Vec<u64> {
    let mut merged = Bins::default();
    let (mut i, mut j) = (0, 0);
    while i < before.cells.len() || j < after.cells.len() {
        let (a, b) = (before.cells.get(i), after.cells.get(j));
        let (cell, count, h) = match (a, b) {
            (Some(&x), Some(&y)) if x == y => {
                let r = (
                    x,
                    before.count[i] + after.count[j],
                    before.harm[i] + after.harm[j],
                );
                i += 1;
                j += 1;
                r
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                (x, before.count[i - 1], before.harm[i - 1])
            }
            (Some(&x), None) => {
                i += 1;
                (x, before.count[i - 1], before.harm[i - 1])
            }
            (_, Some(&y)) => {
                j += 1;
                (y, after.count[j - 1], after.harm[j - 1])
            }
            (None, None) => unreachable!("the loop stops when both are done"),
        };
        merged.cells.push(cell);
        merged.count.push(count);
        merged.harm.push(h);
    }
    let hq = HotspotQuery {
        filter: query.filter.clone(),
        resolution: query.resolution,
        k: query.k,
        measure: Measure::Count,
        region: StudyRegion::OccupiedWithRings,
        alpha: Alpha::default(),
        rank_by: RankBy::Z,
        limit: Limit::All,
        max_region_cells: usize::MAX,
    };
    let zero = |_: usize| 0.0;
    let from_ij = region_by_ij(&merged, &hq, None, &zero, &Cancel::never()).and_then(|r| {
        (0..r.len())
            .map(|i| r.cell(i))
            .collect::<Option<Vec<u64>>>()
    });
    let mut cells = match from_ij {
        Some(c) => c,
        None => region_by_hash(&merged, &hq, None, &zero, &Cancel::never()).cells,
    };
    cells.sort_unstable();
    cells
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
