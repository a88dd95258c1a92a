//! Area comparison for Community Safety Partnerships: counts, harm and rates per 1,000
//! residents per area and per district, each against the previous period of equal
//! length with the exact test for a change between two Poisson counts.
//!
//! *Boundary*: incidents are placed in areas by an [`Assignment`] made once per table
//! and area set; this module only filters and counts.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::areas::{AreaIndex, Assignment, OUTSIDE, poisson_change_p, rate_per_1000};
use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Period, Verdict};
use crate::harm::{HarmTable, ResolvedHarm};
use crate::table::IncidentTable;
use crate::types::{Day, YearMonth};

/// How the previous period is chosen, for outputs (see [`previous_period`]).
pub const PREVIOUS_PERIOD_RULE: &str = "the previous period is as long as the current one \
     and ends the day before it starts: the same number of whole calendar months when the \
     current period is whole months (from the 1st of a month to the last day of a month), \
     otherwise the same number of days";

/// An area's residents, and whether the number is an estimate (e.g. areal weighting
/// from other areas) rather than a published count for that area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopulationValue {
    /// Residents.
    pub value: f64,
    /// Whether it was estimated.
    pub estimated: bool,
}

/// A comparison the engine cannot run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CompareError {
    /// The filter could not be applied (e.g. an unknown crime type).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The filter has no period: a comparison needs one to find the previous period.
    #[error("a comparison needs a period (from and to) to compare with the one before it")]
    NoPeriod,
    /// The population slice does not have one entry per area.
    #[error("{values} population values for {areas} areas: one per area is needed")]
    Population {
        /// areas in the index
        areas: usize,
        /// population values given
        values: usize,
    },
    /// The assignment was made for another table or another set of areas.
    #[error(
        "the assignment is for {assigned_rows} rows and {assigned_areas} areas, but the table has {rows} rows and the index {areas} areas"
    )]
    Assignment {
        /// rows in the table
        rows: usize,
        /// rows the assignment covers
        assigned_rows: usize,
        /// areas in the index
        areas: usize,
        /// areas the assignment counts
        assigned_areas: usize,
    },
    /// An area index past the end of the set.
    #[error("there is no area {area}: the set has {areas}")]
    Area {
        /// the index asked for
        area: usize,
        /// areas in the set
        areas: usize,
    },
}

/// What areas (or districts) are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaRankBy {
    /// Incidents per 1,000 residents, highest first (then count, then code or name).
    RatePer1000,
    /// Incidents, most first (then code or name).
    Count,
}

impl AreaRankBy {
    /// The field name ranked by: `rate_per_1000` or `count`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::RatePer1000 => "rate_per_1000",
            Self::Count => "count",
        }
    }
}

impl fmt::Display for AreaRankBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One area in a [`Comparison`].
#[derive(Debug, Clone, PartialEq)]
pub struct AreaRow {
    /// Its position in [`AreaIndex::areas`].
    pub index: usize,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its district, where known.
    pub district: Option<String>,
    /// Incidents in the current period.
    pub count: u64,
    /// Their harm.
    pub harm: f64,
    /// Residents, where known.
    pub population: Option<f64>,
    /// Whether the population is an estimate.
    pub population_estimated: bool,
    /// Incidents per 1,000 residents (`None` without a positive population).
    pub rate_per_1000: Option<f64>,
    /// Harm per 1,000 residents.
    pub harm_per_1000: Option<f64>,
    /// 1 = first by [`Comparison::rank_by`]; ties by count, then code. Unique.
    pub rank: usize,
    /// This area's share of its district's incidents (`None` with no district or a
    /// district with none).
    pub district_share: Option<f64>,
    /// Incidents in the previous period (`None` when the data does not cover it).
    pub previous_count: Option<u64>,
    /// `count − previous_count`.
    pub change: Option<i64>,
    /// The change as a percentage of the previous count (`None` when that is 0).
    pub change_pct: Option<f64>,
    /// Two-sided p of the exact test for a change ([`poisson_change_p`]); `None` when
    /// both counts are 0 or the previous period is not covered.
    pub change_p: Option<f64>,
}

/// One district in a [`Comparison`]: the sum of its areas.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictRow {
    /// The district's name, as the areas give it.
    pub name: String,
    /// Areas in it.
    pub areas: usize,
    /// Incidents in the current period.
    pub count: u64,
    /// Their harm.
    pub harm: f64,
    /// Residents: the sum over its areas, `None` if any of them lacks a population.
    pub population: Option<f64>,
    /// Whether any of its areas' populations is an estimate.
    pub population_estimated: bool,
    /// Incidents per 1,000 residents.
    pub rate_per_1000: Option<f64>,
    /// Harm per 1,000 residents.
    pub harm_per_1000: Option<f64>,
    /// 1 = first among districts by [`Comparison::district_rank_by`]; ties by count,
    /// then name.
    pub rank: usize,
    /// Incidents in the previous period.
    pub previous_count: Option<u64>,
    /// `count − previous_count`.
    pub change: Option<i64>,
    /// The change as a percentage of the previous count.
    pub change_pct: Option<f64>,
    /// Two-sided p of the exact test for a change.
    pub change_p: Option<f64>,
}

/// Areas and districts compared over one period and against the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The current period.
    pub period: Period,
    /// One row per area, in the index's order (see [`sort_rows`]).
    pub rows: Vec<AreaRow>,
    /// One row per district named by any area, by name. Areas with no district are in
    /// none.
    pub districts: Vec<DistrictRow>,
    /// Incidents the filter kept in the current period that lie in an area.
    pub total_count: u64,
    /// Their harm.
    pub total_harm: f64,
    /// Incidents the filter kept in the current period that lie in no area.
    pub outside: u64,
    /// Incidents in an area in the previous period (`None` when not covered).
    pub previous_total: Option<u64>,
    /// Incidents in no area in the previous period (`None` when not covered).
    pub previous_outside: Option<u64>,
    /// The previous period (`None` only when it would start before 1900).
    pub previous_period: Option<Period>,
    /// Whether the data covers the whole previous period.
    pub previous_covered: bool,
    /// Why the previous period is not compared, when it is not.
    pub previous_note: Option<String>,
    /// What the areas' ranks are by: the rate when every area with incidents has a
    /// population, otherwise the count.
    pub rank_by: AreaRankBy,
    /// The same rule over districts.
    pub district_rank_by: AreaRankBy,
    /// [`PREVIOUS_PERIOD_RULE`].
    pub previous_period_rule: &'static str,
    /// Rows of the current period left out because the data could not answer the
    /// filter.
    pub exclusions: Exclusions,
}

/// The previous period of equal length, ending the day before `current` starts.
///
/// If `current` is whole calendar months (it starts on the 1st of a month and ends on
/// the last day of a month) the previous period is the same number of whole months:
/// 2024-04-01..2024-06-30 → 2024-01-01..2024-03-31. Otherwise it is the same number of
/// days: 2024-03-11..2024-03-20 → 2024-03-01..2024-03-10. `None` when it would start
/// before 1900.
///
/// ```
/// use hexspot_engine::{Period, YearMonth, compare::previous_period};
/// let m = |s: &str| s.parse::<YearMonth>().unwrap();
/// let p = previous_period(Period::months(m("2024-04"), m("2024-06")).unwrap()).unwrap();
/// assert_eq!(p, Period::months(m("2024-01"), m("2024-03")).unwrap());
/// ```
#[must_use]
pub fn previous_period(current: Period) -> Option<Period> {
    let (from, to) = (current.from(), current.to());
    let (from_m, to_m) = (from.year_month(), to.year_month());
    if from == from_m.first_day() && to == to_m.last_day() {
        let months = to_m.index() - from_m.index() + 1;
        let first = YearMonth::from_index(from_m.index() - months).ok()?;
        let last = YearMonth::from_index(from_m.index() - 1).ok()?;
        Period::months(first, last).ok()
    } else {
        let days = to.index() - from.index() + 1;
        let first = Day::from_index(from.index() - days);
        let last = Day::from_index(from.index() - 1);
        // the months the engine stores start in 1900
        YearMonth::new(first.ymd().0, 1).ok()?;
        Period::new(first, last).ok()
    }
}

/// Why the data does not cover `previous`, or `None` when it does (`held`: the
/// assignment's [`Assignment::months_held`]).
fn not_covered(table: &IncidentTable, held: &[bool], previous: Option<Period>) -> Option<String> {
    let Some(p) = previous else {
        return Some("the previous period would start before 1900".into());
    };
    let span = format!("{} to {}", p.from(), p.to());
    match table.month_range() {
        None => Some(format!(
            "the data holds no incidents, so the previous period ({span}) is not covered"
        )),
        Some((first, _)) if first.first_day() > p.from() => Some(format!(
            "the previous period ({span}) starts before the data's first month ({first}); \
             a partly covered period is not compared"
        )),
        Some((first, _)) => {
            // a month with no incidents in any of the areas is a gap in the data, not a
            // count of zero
            let (lo, hi) = (p.from().year_month().index(), p.to().year_month().index());
            let gaps: Vec<String> = (lo..=hi)
                .filter(|&m| {
                    !held
                        .get((m - first.index()) as usize)
                        .copied()
                        .unwrap_or(false)
                })
                .filter_map(|m| YearMonth::from_index(m).ok())
                .map(|m| m.to_string())
                .collect();
            (!gaps.is_empty()).then(|| {
                format!(
                    "the data holds no incidents in any of the areas in {} of the previous period \
                     ({span}): a month with no data is a gap, not a count of zero, so it is not compared",
                    gaps.join(", ")
                )
            })
        }
    }
}

fn check_assignment(
    table: &IncidentTable,
    assignment: &Assignment,
    areas: usize,
) -> Result<(), CompareError> {
    if assignment.area.len() != table.len() || assignment.per_area.len() != areas {
        return Err(CompareError::Assignment {
            rows: table.len(),
            assigned_rows: assignment.area.len(),
            areas,
            assigned_areas: assignment.per_area.len(),
        });
    }
    Ok(())
}

/// Rate descending with `None` last.
fn rate_desc(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Ranks (1-based, unique) of items `(rate, count, tie-break name)`, and what they are
/// by: the rate when every item with incidents has one (and some item has one),
/// otherwise the count.
fn ranks(items: &[(Option<f64>, u64, &str)]) -> (Vec<usize>, AreaRankBy) {
    let by_rate = items.iter().any(|i| i.0.is_some())
        && items.iter().filter(|i| i.1 > 0).all(|i| i.0.is_some());
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, ca, na) = items[a];
        let (rb, cb, nb) = items[b];
        let first = if by_rate {
            rate_desc(ra, rb)
        } else {
            Ordering::Equal
        };
        first.then(cb.cmp(&ca)).then(na.cmp(nb))
    });
    let mut rank = vec![0; items.len()];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k + 1;
    }
    let by = if by_rate {
        AreaRankBy::RatePer1000
    } else {
        AreaRankBy::Count
    };
    (rank, by)
}

/// Change fields `(previous, change, change_pct, change_p)` for a count.
type ChangeFields = (Option<u64>, Option<i64>, Option<f64>, Option<f64>);

fn change(count: u64, previous: Option<u64>) -> ChangeFields {
    let Some(prev) = previous else {
        return (None, None, None, None);
    };
    let diff = count as i64 - prev as i64;
    let pct = (prev > 0).then(|| diff as f64 / prev as f64 * 100.0);
    (Some(prev), Some(diff), pct, poisson_change_p(count, prev))
}

/// Compares every area in `index` over `filter.period` and the previous period of equal
/// length ([`previous_period`]), with district roll-ups.
///
/// The same filter (crime types, offences, flags, time window, box) applies to both
/// periods; only the period differs. `assignment` must be [`crate::assign`]`(table,
/// index)`; `population[i]` belongs to `index.areas()[i]`. When the data's first month
/// starts after the previous period starts, the previous period is not covered: no
/// previous counts, changes or tests are given, and [`Comparison::previous_note`] says
/// why. Incidents in no area are counted in [`Comparison::outside`].
///
/// # Errors
/// [`CompareError::NoPeriod`] without a period; [`CompareError::Query`] for unknown
/// crime types or offences; [`CompareError::Population`] and
/// [`CompareError::Assignment`] when the slices do not match the table and areas.
pub fn compare(
    table: &IncidentTable,
    index: &AreaIndex,
    assignment: &Assignment,
    filter: &Filter,
    harm: &HarmTable,
    population: &[Option<PopulationValue>],
) -> Result<Comparison, CompareError> {
    let areas = index.areas();
    let n = areas.len();
    let period = filter.period.ok_or(CompareError::NoPeriod)?;
    if population.len() != n {
        return Err(CompareError::Population {
            areas: n,
            values: population.len(),
        });
    }
    check_assignment(table, assignment, n)?;
    let previous = previous_period(period);
    let previous_note = not_covered(table, &assignment.months_held, previous);
    let previous_covered = previous_note.is_none();
    let previous_filter = previous.filter(|_| previous_covered).map(|p| Filter {
        period: Some(p),
        ..filter.clone()
    });

    let current_cf = CompiledFilter::new(filter, table)?;
    let previous_cf = previous_filter
        .as_ref()
        .map(|f| CompiledFilter::new(f, table))
        .transpose()?;
    let rh = ResolvedHarm::new(harm, table);

    let mut count = vec![0u64; n];
    let mut harm_sum = vec![0.0f64; n];
    let mut prev = vec![0u64; n];
    let (mut outside, mut prev_outside) = (0u64, 0u64);
    let mut exclusions = Exclusions::default();
    for i in 0..table.len() {
        let a = assignment.area[i];
        match current_cf.test(table, i) {
            Verdict::Keep if a == OUTSIDE => outside += 1,
            Verdict::Keep => {
                count[a as usize] += 1;
                harm_sum[a as usize] += rh.weight(table, i).0;
            }
            Verdict::Drop => {}
            Verdict::Excluded(reason) => reason(&mut exclusions),
        }
        if let Some(cf) = &previous_cf
            && matches!(cf.test(table, i), Verdict::Keep)
        {
            match a {
                OUTSIDE => prev_outside += 1,
                a => prev[a as usize] += 1,
            }
        }
    }
    let previous_of = |c: u64| previous_covered.then_some(c);

    // districts, by name
    #[derive(Default)]
    struct Acc {
        areas: usize,
        count: u64,
        harm: f64,
        population: Option<f64>,
        missing_population: bool,
        estimated: bool,
        previous: u64,
    }
    let mut by_district: BTreeMap<&str, Acc> = BTreeMap::new();
    for (i, area) in areas.iter().enumerate() {
        let Some(d) = area.district.as_deref() else {
            continue;
        };
        let acc = by_district.entry(d).or_default();
        acc.areas += 1;
        acc.count += count[i];
        acc.harm += harm_sum[i];
        acc.previous += prev[i];
        match population[i] {
            Some(p) => {
                *acc.population.get_or_insert(0.0) += p.value;
                acc.estimated |= p.estimated;
            }
            None => acc.missing_population = true,
        }
    }

    let rate = |c: f64, p: Option<PopulationValue>| rate_per_1000(c, p.map(|p| p.value));
    let keys: Vec<(Option<f64>, u64, &str)> = (0..n)
        .map(|i| {
            (
                rate(count[i] as f64, population[i]),
                count[i],
                areas[i].code.as_str(),
            )
        })
        .collect();
    let (area_ranks, rank_by) = ranks(&keys);
    let rows = areas
        .iter()
        .enumerate()
        .map(|(i, area)| {
            let (previous_count, change, change_pct, change_p) =
                change(count[i], previous_of(prev[i]));
            let district_share = area
                .district
                .as_deref()
                .and_then(|d| by_district.get(d))
                .filter(|d| d.count > 0)
                .map(|d| count[i] as f64 / d.count as f64);
            AreaRow {
                index: i,
                code: area.code.clone(),
                name: area.name.clone(),
                district: area.district.clone(),
                count: count[i],
                harm: harm_sum[i],
                population: population[i].map(|p| p.value),
                population_estimated: population[i].is_some_and(|p| p.estimated),
                rate_per_1000: keys[i].0,
                harm_per_1000: rate(harm_sum[i], population[i]),
                rank: area_ranks[i],
                district_share,
                previous_count,
                change,
                change_pct,
                change_p,
            }
        })
        .collect();

    let district_population = |d: &Acc| d.population.filter(|_| !d.missing_population);
    let district_keys: Vec<(Option<f64>, u64, &str)> = by_district
        .iter()
        .map(|(name, d)| {
            (
                rate_per_1000(d.count as f64, district_population(d)),
                d.count,
                *name,
            )
        })
        .collect();
    let (district_ranks, district_rank_by) = ranks(&district_keys);
    let districts = by_district
        .iter()
        .zip(district_ranks)
        .zip(&district_keys)
        .map(|(((name, d), rank), key)| {
            let (previous_count, change, change_pct, change_p) =
                change(d.count, previous_of(d.previous));
            DistrictRow {
                name: (*name).to_owned(),
                areas: d.areas,
                count: d.count,
                harm: d.harm,
                population: district_population(d),
                population_estimated: d.estimated,
                rate_per_1000: key.0,
                harm_per_1000: rate_per_1000(d.harm, district_population(d)),
                rank,
                previous_count,
                change,
                change_pct,
                change_p,
            }
        })
        .collect();

    Ok(Comparison {
        period,
        rows,
        districts,
        total_count: count.iter().sum(),
        total_harm: harm_sum.iter().sum(),
        outside,
        previous_total: previous_of(prev.iter().sum()),
        previous_outside: previous_of(prev_outside),
        previous_period: previous,
        previous_covered,
        previous_note,
        rank_by,
        district_rank_by,
        previous_period_rule: PREVIOUS_PERIOD_RULE,
        exclusions,
    })
}

/// A column of [`AreaRow`] to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `code`
    Code,
    /// `name`
    Name,
    /// `district`
    District,
    /// `count`
    Count,
    /// `harm`
    Harm,
    /// `population`
    Population,
    /// `rate_per_1000`
    Rate,
    /// `harm_per_1000`
    HarmRate,
    /// `rank`
    Rank,
    /// `district_share`
    DistrictShare,
    /// `previous_count`
    PreviousCount,
    /// `change`
    Change,
    /// `change_pct`
    ChangePct,
    /// `change_p`
    ChangeP,
}

impl SortKey {
    /// Every key, in the order of [`AreaRow`]'s fields.
    pub const ALL: [SortKey; 14] = [
        Self::Code,
        Self::Name,
        Self::District,
        Self::Count,
        Self::Harm,
        Self::Population,
        Self::Rate,
        Self::HarmRate,
        Self::Rank,
        Self::DistrictShare,
        Self::PreviousCount,
        Self::Change,
        Self::ChangePct,
        Self::ChangeP,
    ];

    /// The field's name, as [`FromStr`] accepts it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::District => "district",
            Self::Count => "count",
            Self::Harm => "harm",
            Self::Population => "population",
            Self::Rate => "rate_per_1000",
            Self::HarmRate => "harm_per_1000",
            Self::Rank => "rank",
            Self::DistrictShare => "district_share",
            Self::PreviousCount => "previous_count",
            Self::Change => "change",
            Self::ChangePct => "change_pct",
            Self::ChangeP => "change_p",
        }
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sort key that is not one of [`SortKey::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSortKey(pub String);

impl fmt::Display for UnknownSortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a column to sort by: use one of ", self.0)?;
        for (i, k) in SortKey::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(k.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownSortKey {}

impl FromStr for SortKey {
    type Err = UnknownSortKey;

    /// Parses a field name (`rate_per_1000`, `change_p`, …), ignoring case and
    /// surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(want))
            .ok_or_else(|| UnknownSortKey(s.to_owned()))
    }
}

/// Compares two optional values, `None` last whichever the direction.
fn none_last<T>(
    a: Option<T>,
    b: Option<T>,
    descending: bool,
    cmp: fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if descending => cmp(&y, &x),
        (Some(x), Some(y)) => cmp(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts rows by one column, ascending or descending. Missing values (`None`) always
/// come last, in both directions; ties are broken by rank (best first).
pub fn sort_rows(rows: &mut [AreaRow], key: SortKey, descending: bool) {
    let by = |a: &AreaRow, b: &AreaRow| -> Ordering {
        let d = descending;
        match key {
            SortKey::Code => none_last(Some(&a.code), Some(&b.code), d, |x, y| x.cmp(y)),
            SortKey::Name => none_last(Some(&a.name), Some(&b.name), d, |x, y| x.cmp(y)),
            SortKey::District => {
                none_last(a.district.as_ref(), b.district.as_ref(), d, |x, y| x.cmp(y))
            }
            SortKey::Count => none_last(Some(a.count), Some(b.count), d, u64::cmp),
            SortKey::Harm => none_last(Some(a.harm), Some(b.harm), d, f64::total_cmp),
            SortKey::Population => none_last(a.population, b.population, d, f64::total_cmp),
            SortKey::Rate => none_last(a.rate_per_1000, b.rate_per_1000, d, f64::total_cmp),
            SortKey::HarmRate => none_last(a.harm_per_1000, b.harm_per_1000, d, f64::total_cmp),
            SortKey::Rank => none_last(Some(a.rank), Some(b.rank), d, usize::cmp),
            SortKey::DistrictShare => {
                none_last(a.district_share, b.district_share, d, f64::total_cmp)
            }
            SortKey::PreviousCount => none_last(a.previous_count, b.previous_count, d, u64::cmp),
            SortKey::Change => none_last(a.change, b.change, d, i64::cmp),
            SortKey::ChangePct => none_last(a.change_pct, b.change_pct, d, f64::total_cmp),
            SortKey::ChangeP => none_last(a.change_p, b.change_p, d, f64::total_cmp),
        }
    };
    rows.sort_by(|a, b| by(a, b).then(a.rank.cmp(&b.rank)));
}

/// One month of an area's series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthPoint {
    /// The month.
    pub month: YearMonth,
    /// The area's incidents that month.
    pub count: u64,
    /// Their harm.
    pub harm: f64,
    /// Whether the data holds any incident that month in any of the set's areas (of any
    /// type). When not, the month is a gap in the data and its zeros are not counts.
    pub in_data: bool,
}

/// One area over time and by crime type.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaProfile {
    /// The area's position in the index.
    pub area: usize,
    /// Every month of the table's month range, zeros included, with the filter applied
    /// except its period.
    pub monthly: Vec<MonthPoint>,
    /// `(crime type, incidents)` in the filter's period (all months without one), most
    /// first, then by name; types with none are left out.
    pub crime_types: Vec<(String, u64)>,
    /// The area's rows left out of `monthly` because the data could not answer the
    /// filter.
    pub exclusions: Exclusions,
}

/// The monthly series and the crime-type mix of one area (`area` indexes the areas the
/// assignment was made for).
///
/// # Errors
/// [`CompareError::Query`] for unknown crime types or offences;
/// [`CompareError::Area`] for an area past the end; [`CompareError::Assignment`] when
/// the assignment is for another table.
pub fn area_profile(
    table: &IncidentTable,
    assignment: &Assignment,
    area: usize,
    filter: &Filter,
    harm: &HarmTable,
) -> Result<AreaProfile, CompareError> {
    let areas = assignment.per_area.len();
    if area >= areas {
        return Err(CompareError::Area { area, areas });
    }
    check_assignment(table, assignment, areas)?;
    let all_months = Filter {
        period: None,
        ..filter.clone()
    };
    let series_cf = CompiledFilter::new(&all_months, table)?;
    let period_cf = CompiledFilter::new(filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let lo = table.months.map_or(0, |(lo, _)| lo);
    let mut monthly: Vec<MonthPoint> = assignment
        .months_held
        .iter()
        .copied()
        .zip(lo..)
        .map(|(in_data, m)| MonthPoint {
            month: YearMonth::from_index(m).expect("stored months are valid"),
            count: 0,
            harm: 0.0,
            in_data,
        })
        .collect();
    let mut by_type = vec![0u64; table.crime_types().len()];
    let mut exclusions = Exclusions::default();
    let target = area as u32;
    for i in (0..table.len()).filter(|&i| assignment.area[i] == target) {
        match series_cf.test(table, i) {
            Verdict::Keep => {
                let m = &mut monthly[(table.month[i] - lo) as usize];
                m.count += 1;
                m.harm += rh.weight(table, i).0;
            }
            Verdict::Drop => {}
            Verdict::Excluded(reason) => reason(&mut exclusions),
        }
        if matches!(period_cf.test(table, i), Verdict::Keep) {
            by_type[table.crime_type[i] as usize] += 1;
        }
    }
    let mut crime_types: Vec<(String, u64)> = table
        .crime_types()
        .names()
        .iter()
        .zip(by_type)
        .filter(|&(_, c)| c > 0)
        .map(|(n, c)| (n.clone(), c))
        .collect();
    crime_types.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(AreaProfile {
        area,
        monthly,
        crime_types,
        exclusions,
    })
}
