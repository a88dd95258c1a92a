//! Patrol plans: from ranked cells to a handful of patrol areas, when to be there, and
//! what share of the harm they hold; weekly profiles with their peak windows; and how
//! concentrated harm is over the study region.

use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::QueryError;
use crate::filter::{CompiledFilter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm};
use crate::hotspots::{CellStat, HotspotQuery, HotspotResult, Limit, hotspots};
use crate::table::{IncidentTable, NO_DAY, NO_TIME};
use crate::types::{Day, Resolution, Weekday};

/// Hours in a week; hour 0 is Monday 00:00.
pub const HOURS_PER_WEEK: usize = 168;

/// Length of a peak window, in hours.
pub const PEAK_WINDOW_HOURS: usize = 3;

/// Peak windows reported per area at most.
pub const MAX_PEAK_WINDOWS: usize = 3;

/// Counts and harm per hour of the week, for incidents with a date and a time of day;
/// those known only by month (or with no time) are counted apart.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyProfile {
    /// Incidents per hour of the week (0 = Monday 00:00–01:00).
    pub count: Vec<u32>,
    /// Harm per hour of the week.
    pub harm: Vec<f64>,
    /// Incidents with no time of day (not in the matrix).
    pub untimed_count: u32,
    /// Their harm.
    pub untimed_harm: f64,
}

impl Default for WeeklyProfile {
    fn default() -> Self {
        Self {
            count: vec![0; HOURS_PER_WEEK],
            harm: vec![0.0; HOURS_PER_WEEK],
            untimed_count: 0,
            untimed_harm: 0.0,
        }
    }
}

impl WeeklyProfile {
    /// Adds another profile.
    pub fn add(&mut self, o: &WeeklyProfile) {
        for h in 0..HOURS_PER_WEEK {
            self.count[h] += o.count[h];
            self.harm[h] += o.harm[h];
        }
        self.untimed_count += o.untimed_count;
        self.untimed_harm += o.untimed_harm;
    }

    /// Incidents with a time of day.
    #[must_use]
    pub fn timed_count(&self) -> u32 {
        self.count.iter().sum()
    }

    /// The 7 × 24 matrix of counts (Monday first).
    #[must_use]
    pub fn count_matrix(&self) -> Vec<Vec<u32>> {
        self.count.chunks(24).map(<[u32]>::to_vec).collect()
    }

    /// The 7 × 24 matrix of harm (Monday first).
    #[must_use]
    pub fn harm_matrix(&self) -> Vec<Vec<f64>> {
        self.harm.chunks(24).map(<[f64]>::to_vec).collect()
    }

    /// The blocks of [`PEAK_WINDOW_HOURS`] consecutive hours holding the most harm (ties:
    /// the most incidents, then the earliest start), up to `n`, none overlapping another.
    /// Blocks run across midnight and from Sunday into Monday. Blocks with no harm and
    /// no incidents are not peaks.
    #[must_use]
    pub fn peak_windows(&self, n: usize) -> Vec<PeakWindow> {
        let len = PEAK_WINDOW_HOURS;
        let block = |start: usize| {
            (0..len).fold((0u32, 0.0f64), |(c, h), i| {
                let hw = (start + i) % HOURS_PER_WEEK;
                (c + self.count[hw], h + self.harm[hw])
            })
        };
        let mut used = [false; HOURS_PER_WEEK];
        let mut out = Vec::new();
        while out.len() < n {
            let best = (0..HOURS_PER_WEEK)
                .filter(|&s| (0..len).all(|i| !used[(s + i) % HOURS_PER_WEEK]))
                .map(|s| (s, block(s)))
                .filter(|&(_, (c, h))| c > 0 || h > 0.0)
                .max_by(|a, b| {
                    (a.1.1)
                        .total_cmp(&b.1.1)
                        .then(a.1.0.cmp(&b.1.0))
                        .then(b.0.cmp(&a.0))
                });
            let Some((start, (count, harm))) = best else {
                break;
            };
            for i in 0..len {
                used[(start + i) % HOURS_PER_WEEK] = true;
            }
            out.push(PeakWindow {
                start,
                hours: len,
                count,
                harm,
            });
        }
        out
    }
}

/// A block of consecutive hours of the week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakWindow {
    /// First hour of the week (0 = Monday 00:00).
    pub start: usize,
    /// Length in hours.
    pub hours: usize,
    /// Incidents in it.
    pub count: u32,
    /// Harm in it.
    pub harm: f64,
}

impl PeakWindow {
    /// `fri 22:00–sat 01:00`: days as the `days` parameter spells them.
    #[must_use]
    pub fn describe(&self) -> String {
        let at = |h: usize| {
            let h = h % HOURS_PER_WEEK;
            format!("{} {:02}:00", Weekday::ALL[h / 24].short_name(), h % 24)
        };
        format!("{}–{}", at(self.start), at(self.start + self.hours))
    }
}

/// Weekly profiles of `cells` (all at `res`) for the rows `filter` keeps, in the order
/// of `cells`.
///
/// # Errors
/// [`QueryError`] for unknown crime types or offences in the filter.
pub fn weekly_profiles(
    table: &IncidentTable,
    query: &HotspotQuery,
    harm: &HarmTable,
    cells: &[CellIndex],
) -> Result<Vec<WeeklyProfile>, QueryError> {
    let cf = CompiledFilter::new(&query.filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let col = table.cells_at(query.resolution);
    let index: FxHashMap<u64, usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| (u64::from(*c), i))
        .collect();
    // the profile each of the column's cells feeds, if any
    let profile_of: Vec<Option<usize>> =
        col.cells().iter().map(|c| index.get(c).copied()).collect();
    let mut out = vec![WeeklyProfile::default(); cells.len()];
    for (i, &s) in col.slots().iter().enumerate() {
        let Some(slot) = profile_of[s as usize] else {
            continue;
        };
        if !matches!(cf.test(table, i), Verdict::Keep) {
            continue;
        }
        let (w, _) = rh.weight(table, i);
        let p = &mut out[slot];
        let (day, minute) = (table.day[i], table.minute[i]);
        if day == NO_DAY || minute == NO_TIME {
            p.untimed_count += 1;
            p.untimed_harm += w;
        } else {
            let h = Day::from_index(day).weekday().index() * 24 + usize::from(minute / 60);
            p.count[h] += 1;
            p.harm[h] += w;
        }
    }
    Ok(out)
}

/// How much patrol a plan may ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// At most this many cells.
    Cells(usize),
    /// At most this area, in km².
    AreaKm2(f64),
}

/// A patrol plan's question: the hotspot query (its ranking picks the cells; its limit
/// is ignored), the budget, and places never to send patrols to.
#[derive(Debug, Clone)]
pub struct PlanQuery {
    /// Filters, resolution, statistics and ranking.
    pub query: HotspotQuery,
    /// How much to pick.
    pub budget: Budget,
    /// Cells (at the query's resolution) left out of the plan.
    pub exclude: Vec<CellIndex>,
}

/// A suggested dose of patrol for an area (the Koper curve: short visits at
/// unpredictable times, in the hours that matter).
#[derive(Debug, Clone, PartialEq)]
pub struct Dose {
    /// Shortest visit, minutes.
    pub min_minutes: u32,
    /// Longest visit, minutes.
    pub max_minutes: u32,
    /// Visits a week: one in each peak window.
    pub visits_per_week: usize,
    /// For people.
    pub text: String,
}

/// Touching picked cells, merged into one place to patrol.
#[derive(Debug, Clone)]
pub struct PatrolArea {
    /// 1 = the area holding the best-ranked cell.
    pub rank: usize,
    /// Its cells, best-ranked first.
    pub cells: Vec<CellStat>,
    /// Its outline (WGS84, RFC 7946 winding).
    pub outline: geo::MultiPolygon<f64>,
    /// Area in m².
    pub area_m2: f64,
    /// Incidents.
    pub count: u32,
    /// Harm.
    pub harm: f64,
    /// Its harm over the harm of every incident the query counted.
    pub harm_share: f64,
    /// This area's share and every better-ranked area's.
    pub cumulative_harm_share: f64,
    /// Whether any of its cells is a significant Gi* hot spot.
    pub significant: bool,
    /// When incidents happen there.
    pub profile: WeeklyProfile,
    /// The busiest blocks of hours.
    pub peak_windows: Vec<PeakWindow>,
    /// How long and how often to visit.
    pub dose: Dose,
}

/// How concentrated harm is over the study region's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Concentration {
    /// Cells in the study region.
    pub cells: usize,
    /// The fewest cells that hold at least half of the harm (most harmful first).
    pub cells_for_half_harm: usize,
    /// The same as a share of the region's cells.
    pub share_of_cells_for_half_harm: f64,
    /// Concentration curve: (share of cells, share of harm) with cells taken most
    /// harmful first, at every 1 % of cells (and the first cell), from (0, 0) to (1, 1).
    pub curve: Vec<(f64, f64)>,
    /// Gini coefficient of harm over cells (0: even; (n − 1)/n: all in one cell).
    pub gini: f64,
}

/// How concentrated the harm values are.
#[must_use]
pub fn concentration(harm: &[f64]) -> Concentration {
    let n = harm.len();
    let mut sorted: Vec<f64> = harm.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = sorted.iter().sum();
    let mut curve = vec![(0.0, 0.0)];
    let mut cells_for_half = 0;
    let mut acc = 0.0;
    let mut next_pct = 1usize;
    for (i, v) in sorted.iter().enumerate() {
        acc += v;
        let k = i + 1;
        if cells_for_half == 0 && total > 0.0 && acc >= total / 2.0 {
            cells_for_half = k;
        }
        let share = k as f64 / n as f64;
        if k == 1 || k == n || share * 100.0 >= next_pct as f64 {
            curve.push((share, if total > 0.0 { acc / total } else { 0.0 }));
            while (next_pct as f64) <= share * 100.0 {
                next_pct += 1;
            }
        }
    }
    // Gini from the ascending Lorenz curve: 1 − 2 × area under it
    let gini = if n == 0 || total <= 0.0 {
        0.0
    } else {
        let mut area = 0.0;
        let mut prev = 0.0;
        let mut acc = 0.0;
        for v in sorted.iter().rev() {
            acc += v / total;
            area += (prev + acc) / 2.0 / n as f64;
            prev = acc;
        }
        1.0 - 2.0 * area
    };
    Concentration {
        cells: n,
        cells_for_half_harm: cells_for_half,
        share_of_cells_for_half_harm: if n == 0 {
            0.0
        } else {
            cells_for_half as f64 / n as f64
        },
        curve,
        gini,
    }
}

/// A patrol plan and the hotspot result it was cut from.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Patrol areas, best first.
    pub areas: Vec<PatrolArea>,
    /// Cells picked.
    pub cells: usize,
    /// Their area, m².
    pub area_m2: f64,
    /// Cells the ranking reached that were left out because they were excluded.
    pub excluded_cells: usize,
    /// Incidents and harm the plan's areas hold, and their share of the harm.
    pub count: u32,
    /// Harm in the plan's areas.
    pub harm: f64,
    /// Their share of all the query's harm.
    pub harm_share: f64,
    /// The study region's area, m²: its cells × the resolution's average cell area.
    pub region_area_m2: f64,
    /// How concentrated harm is over the study region.
    pub concentration: Concentration,
    /// The hotspot query's result, every cell ranked.
    pub result: HotspotResult,
}

impl Plan {
    /// The plan's area as a share of the study region's.
    #[must_use]
    pub fn share_of_region_area(&self) -> f64 {
        if self.region_area_m2 > 0.0 {
            self.area_m2 / self.region_area_m2
        } else {
            0.0
        }
    }
}

/// Picks cells in rank order, skipping empty and excluded ones, within the budget.
fn pick<'a>(
    ranked: &'a [CellStat],
    budget: Budget,
    exclude: &FxHashSet<u64>,
) -> (Vec<&'a CellStat>, usize) {
    let mut picked = Vec::new();
    let mut excluded = 0;
    let mut area = 0.0;
    for c in ranked {
        match budget {
            Budget::Cells(n) if picked.len() >= n => break,
            _ => {}
        }
        if c.count == 0 {
            continue;
        }
        if exclude.contains(&u64::from(c.cell)) {
            excluded += 1;
            continue;
        }
        if let Budget::AreaKm2(km2) = budget {
            let a = c.cell.area_km2();
            if area + a > km2 {
                break;
            }
            area += a;
        }
        picked.push(c);
    }
    (picked, excluded)
}

/// Groups cells that touch (share an edge) into areas, each in the cells' order.
fn touching_groups<'a>(cells: &[&'a CellStat]) -> Vec<Vec<&'a CellStat>> {
    let index: FxHashMap<CellIndex, usize> =
        cells.iter().enumerate().map(|(i, c)| (c.cell, i)).collect();
    let mut group = vec![usize::MAX; cells.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for start in 0..cells.len() {
        if group[start] != usize::MAX {
            continue;
        }
        let g = groups.len();
        group[start] = g;
        let mut members = vec![start];
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            for nb in cells[i].cell.grid_disk::<Vec<_>>(1) {
                if let Some(&j) = index.get(&nb)
                    && group[j] == usize::MAX
                {
                    group[j] = g;
                    members.push(j);
                    stack.push(j);
                }
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    groups
        .into_iter()
        .map(|m| m.into_iter().map(|i| cells[i]).collect())
        .collect()
}

fn dose(peaks: &[PeakWindow]) -> Dose {
    let (min_minutes, max_minutes) = (10, 15);
    let text = if peaks.is_empty() {
        format!(
            "{min_minutes}–{max_minutes} minute visits at random times (no times of day are known here)"
        )
    } else {
        format!(
            "one {min_minutes}–{max_minutes} minute visit at a random time in each peak window ({} a week: {})",
            peaks.len(),
            peaks
                .iter()
                .map(PeakWindow::describe)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Dose {
        min_minutes,
        max_minutes,
        visits_per_week: peaks.len(),
        text,
    }
}

/// Builds a patrol plan.
///
/// # Errors
/// [`QueryError`] as for [`hotspots`], and for an empty budget.
pub fn plan(table: &IncidentTable, q: &PlanQuery, harm: &HarmTable) -> Result<Plan, QueryError> {
    match q.budget {
        Budget::Cells(0) => return Err(QueryError::Budget("at least one cell".into())),
        Budget::AreaKm2(a) if !(a > 0.0 && a.is_finite()) => {
            return Err(QueryError::Budget(format!(
                "a positive area, got {} km²",
                crate::query_types::short_number(a)
            )));
        }
        _ => {}
    }
    let res: Resolution = q.query.resolution;
    if let Some(c) = q.exclude.iter().find(|c| c.resolution() != res.h3()) {
        return Err(QueryError::Region(format!(
            "excluded cell {c} is at resolution {}, the plan at {res}",
            u8::from(c.resolution())
        )));
    }
    let query = HotspotQuery {
        limit: Limit::All,
        ..q.query.clone()
    };
    let result = hotspots(table, &query, harm)?;
    let exclude: FxHashSet<u64> = q.exclude.iter().map(|c| u64::from(*c)).collect();
    let (picked, excluded_cells) = pick(&result.cells, q.budget, &exclude);
    let groups = touching_groups(&picked);
    let area_cells: Vec<CellIndex> = groups.iter().flatten().map(|c| c.cell).collect();
    let profiles = weekly_profiles(table, &query, harm, &area_cells)?;
    let mut profiles = profiles.into_iter();
    let mut areas = Vec::with_capacity(groups.len());
    let mut cumulative = 0.0;
    for (i, g) in groups.iter().enumerate() {
        let mut profile = WeeklyProfile::default();
        for p in profiles.by_ref().take(g.len()) {
            profile.add(&p);
        }
        let cells: Vec<CellIndex> = g.iter().map(|c| c.cell).collect();
        let count = g.iter().map(|c| c.count).sum();
        let harm_sum: f64 = g.iter().map(|c| c.harm).sum();
        let share = if result.harm_total > 0.0 {
            harm_sum / result.harm_total
        } else {
            0.0
        };
        cumulative += share;
        let peak_windows = profile.peak_windows(MAX_PEAK_WINDOWS);
        areas.push(PatrolArea {
            rank: i + 1,
            outline: crate::region::outline(&cells)?,
            area_m2: cells.iter().map(|c| c.area_m2()).sum(),
            cells: g.iter().map(|c| **c).collect(),
            count,
            harm: harm_sum,
            harm_share: share,
            cumulative_harm_share: cumulative,
            significant: g
                .iter()
                .any(|c| c.significant && c.z.is_some_and(|z| z > 0.0)),
            dose: dose(&peak_windows),
            peak_windows,
            profile,
        });
    }
    let harm_values: Vec<f64> = result.cells.iter().map(|c| c.harm).collect();
    let concentration = concentration(&harm_values);
    // the resolution's average cell area: exact areas cost ~1 µs a cell, and a res-10
    // region has hundreds of thousands (cells of one resolution differ little locally)
    let region_area_m2 = result.region_cells as f64 * res.average_cell_area_m2();
    Ok(Plan {
        cells: picked.len(),
        area_m2: areas.iter().map(|a| a.area_m2).sum(),
        excluded_cells,
        count: areas.iter().map(|a| a.count).sum(),
        harm: areas.iter().map(|a| a.harm).sum(),
        harm_share: cumulative,
        region_area_m2,
        concentration,
        areas,
        result,
    })
}
