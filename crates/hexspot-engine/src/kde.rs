//! Kernel density (quartic kernel) at H3 cell centres:
//! `D(c) = Σ_p w_p · 3/(π h²) · (1 − d²/h²)²` over incidents p with d < h, d the
//! haversine distance in metres (R = 6,371,008.8 m) from p to the centre c, h the
//! bandwidth, w_p the incident's weight (1, or its harm). D is per m², reported per km².
//!
//! The cells are every cell of the resolution whose centre lies within h of an incident
//! (or a given set). Incidents at one point (police.uk's shared map points) are weighed
//! once, their weights summed. The points sit in an R-tree of unit vectors: the chord
//! between two unit vectors is a monotone function of their great-circle distance, so
//! one query finds exactly the points within h, and `d = 2R·asin(chord/2)` is the
//! haversine distance itself (`sin²(d/2R)` is the haversine formula's `a` = chord²/4).
//! Candidate cells come from each occupied cell's k-ring, with k bounded from the
//! bandwidth and the cell's own size. Where every cell lies in one base cell (any one
//! force's data) the occupied cells sit on a dense local-IJ grid: candidates are found
//! row by row, and each sums, row by row of the disk of lattice cells within reach
//! (`disk_rows`), one contiguous run of points laid out in grid order (see `by_ij`);
//! elsewhere an R-tree answers (`by_rtree`). The table's distinct points are laid out
//! in grid order once per resolution (the `points` module's index, kept with the
//! table), so a query only weighs its rows and gathers its points (`by_index`). A
//! backtest's training windows share one
//! such layout, a sum a month (`Windows`).

use std::borrow::Cow;

use h3o::{CellIndex, LatLng};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use rustc_hash::FxHashMap;

use crate::binning::CHUNK_ROWS;
use crate::cancel::Cancel;
use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm};
use crate::hotspots::Measure;
use crate::ij;
use crate::points::{PointIndex, centre, unit};
use crate::query_types::Bandwidth;
use crate::region::EARTH_RADIUS_M as EARTH_RADIUS;
use crate::study_region::{cell as valid, disk};
use crate::table::IncidentTable;
use crate::types::{Resolution, YearMonth};

/// Everything a kernel density query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct KdeQuery {
    /// Which incidents.
    pub filter: Filter,
    /// The resolution of the cells whose centres are evaluated.
    pub resolution: Resolution,
    /// The bandwidth h.
    pub bandwidth: Bandwidth,
    /// Each incident's weight: 1 (`count`) or its harm.
    pub measure: Measure,
    /// The cells to evaluate, at the resolution; `None`: every cell whose centre lies
    /// within h of a selected incident.
    pub cells: Option<Vec<CellIndex>>,
}

/// One cell's density.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KdeCell {
    /// The cell.
    pub cell: CellIndex,
    /// Density at its centre, incidents (or harm) per km².
    pub density_km2: f64,
    /// Incidents within h of its centre.
    pub incidents: u32,
    /// 1-based rank: density descending, then H3 index ascending.
    pub rank: usize,
}

/// The answer to a [`KdeQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct KdeResult {
    /// The cells, ranked.
    pub cells: Vec<KdeCell>,
    /// Selected incidents.
    pub incidents: usize,
    /// Distinct points they lie at.
    pub points: usize,
    /// Their summed weight.
    pub weight_total: f64,
    /// Rows left out because the data could not answer the query.
    pub exclusions: Exclusions,
    /// The imports the selected incidents came from, ascending.
    pub import_ids: Vec<u32>,
}

/// The quartic kernel per m² at distance `d` from a point, bandwidth `h` (0 at d ≥ h).
///
/// ```
/// use hexspot_engine::kde::quartic;
/// let h = 100.0;
/// assert_eq!(quartic(0.0, h), 3.0 / (std::f64::consts::PI * h * h));
/// assert_eq!(quartic(h, h), 0.0);
/// ```
#[must_use]
#[inline]
pub fn quartic(d: f64, h: f64) -> f64 {
    if d >= h {
        return 0.0;
    }
    let u = 1.0 - (d * d) / (h * h);
    3.0 / (std::f64::consts::PI * h * h) * u * u
}

/// A point: its unit vector, summed weight and incidents.
type Point = GeomWithData<[f64; 3], (f64, u32)>;

/// A distinct point: its unit vector, summed weight and incidents.
#[derive(Clone, Copy)]
struct Weighed {
    unit: [f64; 3],
    w: f64,
    n: u32,
}

/// A selected point: where, its rows' summed weight, how many rows, its cell's slot,
/// and its month (the table's month index) where months are kept apart, else 0.
#[derive(Clone, Copy, Default)]
struct Raw {
    lon: f64,
    lat: f64,
    w: f64,
    n: u32,
    slot: u32,
    month: i32,
}

impl Raw {
    /// What makes two points of one cell the same point.
    fn key(&self) -> (u64, u64, i32) {
        (self.lon.to_bits(), self.lat.to_bits(), self.month)
    }
}

/// What [`weigh`] gathered: a `T` per chunk of rows, in row order, and the tallies.
struct Selected<T> {
    chunks: Vec<T>,
    exclusions: Exclusions,
    import_ids: Vec<u32>,
}

/// Each row's weight under a measure: 1, or its harm.
struct Weigh {
    measure: Measure,
    harm: ResolvedHarm,
}

impl Weigh {
    fn new(measure: Measure, harm: &HarmTable, table: &IncidentTable) -> Self {
        Self {
            measure,
            harm: ResolvedHarm::new(harm, table),
        }
    }

    #[inline]
    fn of(&self, table: &IncidentTable, i: usize) -> f64 {
        match self.measure {
            Measure::Count => 1.0,
            Measure::Harm => self.harm.weight(table, i).0,
        }
    }
}

/// The rows `cf` selects, chunk by chunk of [`CHUNK_ROWS`] in parallel: `visit` sees
/// each selected row and its weight, in row order within its chunk's `init(range)`.
/// Stops early (empty chunks) when `cancel` is set; the caller checks it.
fn weigh<T: Send>(
    table: &IncidentTable,
    cf: &CompiledFilter,
    weight: &Weigh,
    cancel: &Cancel,
    init: impl Fn(std::ops::Range<usize>) -> T + Sync,
    visit: impl Fn(&mut T, usize, f64) + Sync,
) -> Result<Selected<T>, QueryError> {
    let rows = table.len();
    let parts: Vec<(T, Exclusions, Vec<bool>)> = (0..rows.div_ceil(CHUNK_ROWS).max(1))
        .into_par_iter()
        .map(|c| {
            let mut range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows);
            let mut out = init(range.clone());
            let mut exclusions = Exclusions::default();
            let mut imports = vec![false; table.max_import as usize + 1];
            if cancel.is_cancelled() {
                range.end = range.start;
            }
            for i in range {
                match cf.test(table, i) {
                    Verdict::Keep => {}
                    Verdict::Drop => continue,
                    Verdict::Excluded(count) => {
                        count(&mut exclusions);
                        continue;
                    }
                }
                imports[table.import[i] as usize] = true;
                visit(&mut out, i, weight.of(table, i));
            }
            (out, exclusions, imports)
        })
        .collect();
    cancel.check()?;
    let mut exclusions = Exclusions::default();
    let mut imports = vec![false; table.max_import as usize + 1];
    let mut chunks = Vec::with_capacity(parts.len());
    for (t, f, seen) in parts {
        let e = &mut exclusions;
        e.flag_not_recorded += f.flag_not_recorded;
        e.month_only_partial_period += f.month_only_partial_period;
        e.no_time_of_day += f.no_time_of_day;
        e.outside_region += f.outside_region;
        for (a, b) in imports.iter_mut().zip(&seen) {
            *a |= b;
        }
        chunks.push(t);
    }
    let import_ids = imports
        .iter()
        .enumerate()
        .filter(|(_, b)| **b)
        .map(|(i, _)| i as u32)
        .collect();
    Ok(Selected {
        chunks,
        exclusions,
        import_ids,
    })
}

/// The grid distance from a cell within which every cell centre closer than `reach`
/// metres to any point of it lies: on a hex lattice of edge e, cells g steps apart have
/// centres at least 1.5·g·e apart; e is the cell's shortest edge, shrunk by 10 % for
/// neighbours a little smaller than it. Also the cell's radius (grown by 10 %) and that
/// shrunk edge.
fn ring_bound(cell: CellIndex, h: f64) -> (u32, f64, f64) {
    let centre = LatLng::from(cell);
    let b = cell.boundary();
    let v: Vec<LatLng> = b.iter().copied().collect();
    let circum = v.iter().map(|p| centre.distance_m(*p)).fold(0.0, f64::max);
    let edge = (0..v.len())
        .map(|i| v[i].distance_m(v[(i + 1) % v.len()]))
        .fold(f64::INFINITY, f64::min)
        * 0.9;
    let radius = circum * 1.1;
    (((h + radius) / (1.5 * edge)).ceil() as u32, radius, edge)
}

/// The rows of the k-ring that can hold a cell whose centre is within `reach` metres
/// of the ring's centre, on the lattice [`ring_bound`] assumes (edge at least `edge`):
/// neighbours' centres are √3·edge apart and the offset (di, dj) lies
/// √3·edge·√(di² + dj² − di·dj) away (the unit steps are (±1, 0), (0, ±1), ±(1, 1)).
/// The disk has about 0.6 of the hexagon's cells, so a candidate visits that many fewer.
fn disk_rows(k: u32, reach: f64, edge: f64) -> Vec<(i32, i32, i32)> {
    let r = reach / (3f64.sqrt() * edge);
    ij::ring_rows(k)
        .into_iter()
        .filter_map(|(di, lo, hi)| {
            let d = f64::from(di);
            let half = r * r - 0.75 * d * d;
            if half < 0.0 {
                return None;
            }
            let half = half.sqrt();
            // a hair wide, so that rounding never drops a cell on the rim
            let (a, b) = (
                (d / 2.0 - half - 1e-9).ceil(),
                (d / 2.0 + half + 1e-9).floor(),
            );
            let (lo, hi) = (lo.max(a as i32), hi.min(b as i32));
            (lo <= hi).then_some((di, lo, hi))
        })
        .collect()
}

/// Runs a kernel density query.
///
/// # Errors
/// [`QueryError`] for unknown crime types or offences, or cells given at another
/// resolution.
pub fn kde(
    table: &IncidentTable,
    query: &KdeQuery,
    harm: &HarmTable,
) -> Result<KdeResult, QueryError> {
    run(table, query, harm, true, &Cancel::never())
}

/// [`kde`] that stops with [`QueryError::Cancelled`] soon after `cancel` is set.
///
/// # Errors
/// As [`kde`], and [`QueryError::Cancelled`].
pub fn kde_cancellable(
    table: &IncidentTable,
    query: &KdeQuery,
    harm: &HarmTable,
    cancel: &Cancel,
) -> Result<KdeResult, QueryError> {
    run(table, query, harm, true, cancel)
}

/// [`kde`], choosing whether the local-IJ fast path may be used (tests compare both).
#[doc(hidden)]
pub fn kde_with(
    table: &IncidentTable,
    query: &KdeQuery,
    harm: &HarmTable,
    allow_ij: bool,
) -> Result<KdeResult, QueryError> {
    run(table, query, harm, allow_ij, &Cancel::never())
}

fn run(
    table: &IncidentTable,
    query: &KdeQuery,
    harm: &HarmTable,
    allow_ij: bool,
    cancel: &Cancel,
) -> Result<KdeResult, QueryError> {
    if let Some(c) = query
        .cells
        .iter()
        .flatten()
        .find(|c| c.resolution() != query.resolution.h3())
    {
        return Err(QueryError::Region(format!(
            "cells are at resolution {}, the query at {}",
            u8::from(c.resolution()),
            query.resolution
        )));
    }
    let h = query.bandwidth.metres();
    let col = table.cells_at(query.resolution);
    let given: Option<Vec<u64>> = query.cells.as_ref().map(|cells| {
        let mut v: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    let indexed = match allow_ij
        .then(|| table.points_at(query.resolution))
        .flatten()
    {
        Some(index) => by_index(table, index, query, harm, given.as_deref(), cancel)?,
        None => None,
    };
    let (mut cells, (incidents, points, weight_total), exclusions, import_ids) = match indexed {
        Some(x) => x,
        None => {
            let sel = select(
                table,
                &query.filter,
                query.resolution,
                query.measure,
                harm,
                false,
                cancel,
            )?;
            let by_ij = if allow_ij {
                by_ij(
                    &sel.points,
                    &sel.occupied,
                    col.cells(),
                    given.as_deref(),
                    h,
                    cancel,
                )
            } else {
                None
            };
            let cells = match by_ij {
                Some(c) => c,
                None => by_rtree(&sel.points, &sel.occupied, given.as_deref(), h, cancel),
            };
            let tally = (sel.incidents, sel.points.len(), sel.weight_total);
            (cells, tally, sel.exclusions, sel.import_ids)
        }
    };
    cancel.check()?;
    cells.par_sort_unstable_by(|a, b| {
        b.density_km2
            .total_cmp(&a.density_km2)
            .then(a.cell.cmp(&b.cell))
    });
    for (i, c) in cells.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    Ok(KdeResult {
        cells,
        incidents,
        points,
        weight_total,
        exclusions,
        import_ids,
    })
}

/// What a density found and tallied: the cells, (incidents, points, summed weight),
/// the rows left out and the imports used.
type Found = (Vec<KdeCell>, (usize, usize, f64), Exclusions, Vec<u32>);

/// The fast path over the table's [`PointIndex`]: the filter weighs the rows, the
/// index's points gather them, and [`Layout`] sums them at the candidates. `None`
/// when the grid would be too large or a given cell lies outside the index's frame.
/// When `cancel` is set it stops early with a partial answer: the caller checks it.
fn by_index(
    table: &IncidentTable,
    index: &PointIndex,
    query: &KdeQuery,
    harm: &HarmTable,
    given: Option<&[u64]>,
    cancel: &Cancel,
) -> Result<Option<Found>, QueryError> {
    let cf = CompiledFilter::new(&query.filter, table)?;
    let weights = weigh(
        table,
        &cf,
        &Weigh::new(query.measure, harm, table),
        cancel,
        |range| vec![f64::NAN; range.len()],
        |w: &mut Vec<f64>, i, x| w[i % CHUNK_ROWS] = x,
    )?;
    let chunks = &weights.chunks;
    let col = table.cells_at(query.resolution);
    let h = query.bandwidth.metres();
    let Some((layout, tally)) = Layout::from_index(
        index,
        col.cells(),
        |r| chunks[r / CHUNK_ROWS][r % CHUNK_ROWS],
        h,
    ) else {
        return Ok(None);
    };
    let Some(cand) = layout.candidates(given) else {
        return Ok(None);
    };
    let Some(centres) = layout.centres(&cand) else {
        return Ok(None);
    };
    let cells = layout.densities(&cand, &centres, &layout.laid.w, given.is_some(), cancel);
    Ok(Some((cells, tally, weights.exclusions, weights.import_ids)))
}

/// The incidents a filter selects, as weighted points.
struct Selection {
    /// In cell order (by slot), each point once (once a month where asked), its rows'
    /// weights summed in row order.
    points: Vec<Raw>,
    /// The cells holding a point, ascending.
    occupied: Vec<u64>,
    incidents: usize,
    weight_total: f64,
    exclusions: Exclusions,
    import_ids: Vec<u32>,
}

/// Selects the filter's incidents as points at the resolution; `by_month` keeps a
/// point's months apart (a point a month).
fn select(
    table: &IncidentTable,
    filter: &Filter,
    resolution: Resolution,
    measure: Measure,
    harm: &HarmTable,
    by_month: bool,
    cancel: &Cancel,
) -> Result<Selection, QueryError> {
    let cf = CompiledFilter::new(filter, table)?;
    let col = table.cells_at(resolution);
    let slots = col.slots();
    // the selected incidents as weighted points, a run of rows at one point merged
    let rows = weigh(
        table,
        &cf,
        &Weigh::new(measure, harm, table),
        cancel,
        |_| Vec::new(),
        |points: &mut Vec<Raw>, i, w| {
            let (lon, lat) = (table.lon[i], table.lat[i]);
            let month = if by_month { table.month[i] } else { 0 };
            match points.last_mut() {
                Some(p) if p.lon == lon && p.lat == lat && p.month == month => {
                    p.w += w;
                    p.n += 1;
                }
                _ => points.push(Raw {
                    lon,
                    lat,
                    w,
                    n: 1,
                    slot: slots[i],
                    month,
                }),
            }
        },
    )?;
    let (exclusions, import_ids) = (rows.exclusions, rows.import_ids);
    let raw: Vec<Raw> = rows.chunks.into_iter().flatten().collect();
    let incidents: usize = raw.iter().map(|p| p.n as usize).sum();
    let weight_total: f64 = raw.iter().map(|p| p.w).sum();
    // points in cell order, the same point once (its rows' weights in row order):
    // scattered into their slots in row order (slots ascend with the cells), each
    // slot's run then sorted in place by coordinates (stably: rows stay in order) and
    // merged
    let n_slots = col.cells().len();
    let mut at = vec![0u32; n_slots + 1];
    for p in &raw {
        at[p.slot as usize + 1] += 1;
    }
    for s in 0..n_slots {
        at[s + 1] += at[s];
    }
    let mut sorted = vec![Raw::default(); raw.len()];
    let mut next = at.clone();
    for p in &raw {
        let s = p.slot as usize;
        sorted[next[s] as usize] = *p;
        next[s] += 1;
    }
    drop(next);
    drop(raw);
    sorted
        .par_chunk_by_mut(|x, y| x.slot == y.slot)
        .for_each(|run| run.sort_by_key(Raw::key));
    let mut points: Vec<Raw> = Vec::with_capacity(sorted.len());
    for q in sorted {
        match points.last_mut() {
            Some(p) if p.slot == q.slot && p.key() == q.key() => {
                p.w += q.w;
                p.n += q.n;
            }
            _ => points.push(q),
        }
    }
    let occupied: Vec<u64> = (0..n_slots)
        .filter(|&s| at[s + 1] > at[s])
        .map(|s| col.cells()[s])
        .collect();
    Ok(Selection {
        points,
        occupied,
        incidents,
        weight_total,
        exclusions,
        import_ids,
    })
}

/// Bandwidths up to this many metres leave the arc correction's c⁶ and c⁸ terms out.
const SHORT_H_M: f64 = 1_000.0;

/// The kernel's constants for one bandwidth.
#[derive(Clone, Copy)]
struct Kernel {
    /// R²/h²: a squared chord times this (and the arc correction) is d²/h².
    r2_inv_h2: f64,
    /// The arc correction's terms times R²/h² (see [`Kernel::term`]).
    c4: f64,
    c6: f64,
    c8: f64,
    /// Whether the chords are long enough (h above [`SHORT_H_M`]) for the c⁶ and c⁸
    /// terms to matter.
    long: bool,
    /// The squared chord between unit vectors a hair more than h apart.
    chord2: f64,
    /// 3/(π h²), per km².
    scale_km2: f64,
}

impl Kernel {
    fn new(h: f64) -> Self {
        let h2 = h * h;
        let k = EARTH_RADIUS * EARTH_RADIUS / h2;
        Self {
            r2_inv_h2: k,
            c4: k / 12.0,
            c6: k / 90.0,
            c8: k / 560.0,
            long: h > SHORT_H_M,
            chord2: chord2(h),
            scale_km2: 3.0 / (std::f64::consts::PI * h2) * 1e6,
        }
    }

    /// Adds a point's contribution to a centre `q`'s sums: (Σ w·(1 − d²/h²)², incidents).
    #[inline]
    fn add(&self, q: [f64; 3], p: &Weighed, acc: &mut (f64, f64)) {
        let (x, n) = self.term(q, p.unit, p.w, f64::from(p.n));
        acc.0 += x;
        acc.1 += n;
    }

    /// One point's terms of [`Kernel::add`]: a point at d ≥ h gives exactly (0, 0), so
    /// any superset of the points within h may be fed in. The incidents are counted in
    /// a double, exact far beyond any table's size.
    #[inline]
    fn term(&self, q: [f64; 3], g: [f64; 3], w: f64, n: f64) -> (f64, f64) {
        if self.long {
            self.term_with::<true>(q, g, w, n)
        } else {
            self.term_with::<false>(q, g, w, n)
        }
    }

    /// [`Kernel::term`] with the c⁶ and c⁸ terms (`LONG`) or without.
    #[inline]
    fn term_with<const LONG: bool>(&self, q: [f64; 3], g: [f64; 3], w: f64, n: f64) -> (f64, f64) {
        let (dx, dy, dz) = (g[0] - q[0], g[1] - q[1], g[2] - q[2]);
        let ch2 = dx * dx + dy * dy + dz * dz;
        // d = 2R·asin(c/2) for the chord c, so (d/R)² = 4·asin²(c/2) = c² + c⁴/12 +
        // c⁶/90 + c⁸/560 + …: where d is near h ≤ 20 km, c < 4e-3 and the terms kept
        // are exact in double precision (the next is below 1e-21 of the sum); where
        // h ≤ 1 km the c⁶ term is below 1e-17 of the sum and left out too. The series
        // increases with c, so a farther point's d is above h too. d²/h²:
        let r = if LONG {
            ch2 * (self.r2_inv_h2 + ch2 * (self.c4 + ch2 * (self.c6 + ch2 * self.c8)))
        } else {
            ch2 * (self.r2_inv_h2 + ch2 * self.c4)
        };
        // a select, not a branch, so that the lanes stay in step
        let u = 1.0 - r;
        if r < 1.0 { (w * u * u, n) } else { (0.0, 0.0) }
    }

    /// The cell's density from its sums; `None` for a cell no point reaches unless
    /// `keep_all`.
    fn finish(&self, cell: CellIndex, acc: (f64, f64), keep_all: bool) -> Option<KdeCell> {
        (keep_all || acc.1 > 0.0).then_some(KdeCell {
            cell,
            density_km2: acc.0 * self.scale_km2,
            incidents: acc.1 as u32,
            rank: 0,
        })
    }

    /// The sums over a run of laid-out points weighing `w`, four lanes at a time (the
    /// lanes are independent chains, added in a fixed order, so the answer does not
    /// depend on threads or on the instructions the compiler chose).
    #[inline]
    fn span(
        &self,
        q: [f64; 3],
        p: &Laid<'_>,
        w: &[f64],
        span: std::ops::Range<usize>,
    ) -> (f64, f64) {
        if self.long {
            self.span_with::<true>(q, p, w, span)
        } else {
            self.span_with::<false>(q, p, w, span)
        }
    }

    /// [`Kernel::span`] with [`Kernel::term_with`]'s `LONG`.
    #[inline]
    fn span_with<const LONG: bool>(
        &self,
        q: [f64; 3],
        p: &Laid<'_>,
        w: &[f64],
        span: std::ops::Range<usize>,
    ) -> (f64, f64) {
        let (x, y, z) = (&p.x[span.clone()], &p.y[span.clone()], &p.z[span.clone()]);
        let (w, n) = (&w[span.clone()], &p.n[span]);
        let mut sum = [0.0; 4];
        let mut count = [0.0; 4];
        let (xc, yc, zc) = (x.chunks_exact(4), y.chunks_exact(4), z.chunks_exact(4));
        let (wc, nc) = (w.chunks_exact(4), n.chunks_exact(4));
        let tail = x.len() - xc.remainder().len();
        for ((((x, y), z), w), n) in xc.zip(yc).zip(zc).zip(wc).zip(nc) {
            for l in 0..4 {
                let (a, b) = self.term_with::<LONG>(q, [x[l], y[l], z[l]], w[l], n[l]);
                sum[l] += a;
                count[l] += b;
            }
        }
        for (l, i) in (tail..x.len()).enumerate() {
            let (a, b) = self.term_with::<LONG>(q, [x[i], y[i], z[i]], w[i], n[i]);
            sum[l] += a;
            count[l] += b;
        }
        (
            (sum[0] + sum[1]) + (sum[2] + sum[3]),
            (count[0] + count[1]) + (count[2] + count[3]),
        )
    }
}

/// Points laid out by column (unit vector, weight, incidents, month), for
/// [`Kernel::span`].
/// The unit vectors may be borrowed from a [`PointIndex`] whose every point is laid.
struct Laid<'a> {
    x: Cow<'a, [f64]>,
    y: Cow<'a, [f64]>,
    z: Cow<'a, [f64]>,
    w: Vec<f64>,
    n: Vec<f64>,
    month: Vec<i32>,
}

impl Laid<'_> {
    /// The points of the cells `cells` (indices into `start`, whose consecutive pairs
    /// bound each cell's run of `points`), in that order.
    fn new(points: &[Raw], cells: &[u32], start: &[usize]) -> Self {
        fn col<T: Send>(
            points: &[Raw],
            cells: &[u32],
            start: &[usize],
            f: impl Fn(&Raw) -> T + Sync,
        ) -> Vec<T> {
            cells
                .par_iter()
                .flat_map_iter(|&o| {
                    points[start[o as usize]..start[o as usize + 1]]
                        .iter()
                        .map(&f)
                })
                .collect()
        }
        let units = col(points, cells, start, |p| unit(p.lon, p.lat));
        Self {
            x: Cow::Owned(units.par_iter().map(|u| u[0]).collect()),
            y: Cow::Owned(units.par_iter().map(|u| u[1]).collect()),
            z: Cow::Owned(units.par_iter().map(|u| u[2]).collect()),
            w: col(points, cells, start, |p| p.w),
            n: col(points, cells, start, |p| f64::from(p.n)),
            month: col(points, cells, start, |p| p.month),
        }
    }
}

fn chord2(m: f64) -> f64 {
    let c = 2.0 * (m / (2.0 * EARTH_RADIUS)).sin();
    // a hair wide: the exact test is on the distance
    c * c * (1.0 + 1e-9)
}

/// Per resolution-3 ancestor of the occupied cells: the ring bound, its largest cell
/// radius and its shortest (shrunk) edge.
fn bounds(occupied: &[u64], h: f64) -> (u32, f64, f64) {
    let mut seen: FxHashMap<u64, ()> = FxHashMap::default();
    let mut k = 0;
    let mut radius: f64 = 0.0;
    let mut edge = f64::INFINITY;
    for &c in occupied {
        let cell = CellIndex::try_from(c).expect("cell columns hold valid cells");
        let key = cell.parent(h3o::Resolution::Three).map_or(c, u64::from);
        if seen.insert(key, ()).is_none() {
            let (kr, r, e) = ring_bound(cell, h);
            k = k.max(kr);
            radius = radius.max(r);
            edge = edge.min(e);
        }
    }
    (k, radius, edge)
}

/// The general path: candidate cells from each occupied cell's k-ring, the points in an
/// R-tree of unit vectors.
/// When `cancel` is set it stops early with a partial answer: the caller checks it.
fn by_rtree(
    points: &[Raw],
    occupied: &[u64],
    given: Option<&[u64]>,
    h: f64,
    cancel: &Cancel,
) -> Vec<KdeCell> {
    let candidates: Vec<u64> = match given {
        Some(g) => g.to_vec(),
        None => {
            let (k, _, _) = bounds(occupied, h);
            let mut v: Vec<u64> = occupied
                .par_chunks(1024)
                .flat_map_iter(|chunk| {
                    let mut out = Vec::new();
                    let mut buf = Vec::new();
                    for &c in chunk {
                        disk(c, k, &mut buf);
                        out.extend(buf.iter().map(|x| u64::from(*x)));
                    }
                    out
                })
                .collect();
            v.par_sort_unstable();
            v.dedup();
            v
        }
    };
    let points: Vec<Weighed> = points
        .par_iter()
        .map(|p| Weighed {
            unit: unit(p.lon, p.lat),
            w: p.w,
            n: p.n,
        })
        .collect();
    let tree: RTree<Point> = RTree::bulk_load(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new(p.unit, (p.w, i as u32)))
            .collect(),
    );
    let kernel = Kernel::new(h);
    let c2 = kernel.chord2;
    candidates
        .par_iter()
        .filter_map(|&c| {
            if cancel.is_cancelled() {
                return None;
            }
            let cell = CellIndex::try_from(c).expect("candidates are valid cells");
            let q = centre(cell);
            let mut acc = (0.0, 0.0);
            for p in tree.locate_within_distance(q, c2) {
                kernel.add(q, &points[p.data.1 as usize], &mut acc);
            }
            kernel.finish(cell, acc, given.is_some())
        })
        .collect()
}

/// The largest IJ rectangle the fast path lays out densely: 16 slots per occupied cell,
/// and never less than 4M slots (16 MB); data spread more thinly than that (a few
/// points far apart at a fine resolution) takes the R-tree path.
fn max_grid_slots(occupied: usize) -> usize {
    occupied.saturating_mul(16).max(1 << 22)
}

/// The fast path, when every cell lies in one non-pentagon base cell: the occupied
/// cells on a dense grid of local IJ coordinates over their bounding box widened by
/// the ring bound k. The candidates are the grid's cells with an occupied cell in
/// their disk ([`disk_rows`]), found row by row; each candidate gathers the points of
/// the occupied cells in its disk whose centres are near enough, row by row. `None` when the cells do
/// not fit one frame or the grid would be too large. When `cancel` is set it stops
/// early with a partial answer: the caller checks it.
fn by_ij(
    points: &[Raw],
    occupied: &[u64],
    col_cells: &[u64],
    given: Option<&[u64]>,
    h: f64,
    cancel: &Cancel,
) -> Option<Vec<KdeCell>> {
    let anchor = given.and_then(|g| g.first()).or(occupied.first())?;
    let layout = Layout::new(points, occupied, col_cells, *anchor, h)?;
    let cand = layout.candidates(given)?;
    let centres = layout.centres(&cand)?;
    Some(layout.densities(&cand, &centres, &layout.laid.w, given.is_some(), cancel))
}

/// The points of the occupied cells laid out on the dense IJ grid, ready to be summed
/// at any candidate centres (see [`by_ij`]).
struct Layout<'a> {
    frame: ij::Frame,
    grid: ij::DenseGrid,
    /// The disk's rows, as offsets.
    rows: Vec<(i32, i32, i32)>,
    /// The occupied cells in grid order (row by row): the cell of each rank.
    rank_cell: Vec<u64>,
    /// Each rank's first point in `laid`, and one past the last rank's last.
    run: Vec<usize>,
    laid: Laid<'a>,
    /// Each rank's centre.
    occ_unit: Vec<[f64; 3]>,
    kernel: Kernel,
    /// The squared chord within which an occupied cell's centre may hold a point within
    /// h of a centre.
    reach2: f64,
}

impl Layout<'_> {
    /// `None` when the occupied cells do not fit one frame around `anchor` or the grid
    /// would be too large.
    fn new(
        points: &[Raw],
        occupied: &[u64],
        col_cells: &[u64],
        anchor: u64,
        h: f64,
    ) -> Option<Self> {
        let frame = ij::Frame::new(valid(anchor))?;
        let (k, radius, edge) = bounds(occupied, h);
        let rows = disk_rows(k, h + radius, edge);
        // points are in cell order: each occupied cell's run
        let mut start = Vec::with_capacity(occupied.len() + 1);
        let mut at = 0;
        for &c in occupied {
            start.push(at);
            while at < points.len() && col_cells[points[at].slot as usize] == c {
                at += 1;
            }
        }
        start.push(at);
        let occ_ij: Vec<(i32, i32)> = occupied
            .par_iter()
            .map(|&c| frame.ij(valid(c)))
            .collect::<Option<_>>()?;
        let mut grid = {
            let ki = k as i32;
            let (mut i, mut j) = ((i32::MAX, i32::MIN), (i32::MAX, i32::MIN));
            for &(a, b) in &occ_ij {
                i = (i.0.min(a), i.1.max(a));
                j = (j.0.min(b), j.1.max(b));
            }
            if occ_ij.is_empty() {
                (i, j) = ((0, -1), (0, -1));
            }
            let mut g = ij::DenseGrid::new(
                (i.0.saturating_sub(ki), i.1.saturating_add(ki)),
                (j.0.saturating_sub(ki), j.1.saturating_add(ki)),
                max_grid_slots(occupied.len()),
            )?;
            for (o, &(a, b)) in occ_ij.iter().enumerate() {
                g.set(a, b, o as u32);
            }
            g
        };
        // the occupied cells renumbered in grid order (row by row), their points laid
        // out in that order: the cells of a run of one row are a run of points
        let by_rank = grid.renumber();
        let mut run = Vec::with_capacity(by_rank.len() + 1);
        run.push(0);
        for &o in &by_rank {
            let o = o as usize;
            run.push(run.last().expect("not empty") + start[o + 1] - start[o]);
        }
        let laid = Laid::new(points, &by_rank, &start);
        let occ_unit = by_rank
            .par_iter()
            .map(|&o| centre(valid(occupied[o as usize])))
            .collect();
        Some(Self {
            frame,
            grid,
            rows,
            rank_cell: by_rank.iter().map(|&o| occupied[o as usize]).collect(),
            run,
            laid,
            occ_unit,
            kernel: Kernel::new(h),
            reach2: chord2(h + radius),
        })
    }

    /// The layout of the points a filter selects, from the table's [`PointIndex`]:
    /// each point's rows weighed (`weight_of(row)`, NaN where not selected), the points
    /// with a selected row kept, in the index's grid order. Also the selected incidents,
    /// distinct points and summed weight. `None` when the grid would be too large.
    fn from_index<'i>(
        index: &'i PointIndex,
        col_cells: &[u64],
        weight_of: impl Fn(usize) -> f64 + Sync,
        h: f64,
    ) -> Option<(Layout<'i>, (usize, usize, f64))> {
        let points = index.x.len();
        // each point's Σ w and n over its selected rows, rows in order
        let (w, n): (Vec<f64>, Vec<f64>) = (0..points)
            .into_par_iter()
            .map(|p| {
                let rows =
                    &index.rows[index.row_start[p] as usize..index.row_start[p + 1] as usize];
                let mut acc = (0.0, 0.0);
                for &r in rows {
                    let w = weight_of(r as usize);
                    if !w.is_nan() {
                        acc.0 += w;
                        acc.1 += 1.0;
                    }
                }
                acc
            })
            .unzip();
        // the index's ranks holding a kept point, and their runs of kept points
        let per_rank: Vec<u32> = (0..index.slot.len())
            .into_par_iter()
            .map(|r| {
                let span = index.point_start[r] as usize..index.point_start[r + 1] as usize;
                n[span].iter().filter(|&&x| x > 0.0).count() as u32
            })
            .collect();
        let ranks: Vec<u32> = (0..per_rank.len() as u32)
            .filter(|&r| per_rank[r as usize] > 0)
            .collect();
        let mut run = Vec::with_capacity(ranks.len() + 1);
        run.push(0);
        for &r in &ranks {
            run.push(run.last().expect("not empty") + per_rank[r as usize] as usize);
        }
        let rank_cell: Vec<u64> = ranks
            .iter()
            .map(|&r| col_cells[index.slot[r as usize] as usize])
            .collect();
        let (k, radius, edge) = bounds(&rank_cell, h);
        let mut grid = {
            let ki = k as i32;
            let (mut i, mut j) = ((0, -1), (0, -1));
            if let Some(&first) = ranks.first() {
                let (a, b) = index.ij[first as usize];
                (i, j) = ((a, a), (b, b));
            }
            for &r in &ranks {
                let (a, b) = index.ij[r as usize];
                i = (i.0.min(a), i.1.max(a));
                j = (j.0.min(b), j.1.max(b));
            }
            ij::DenseGrid::new(
                (i.0.saturating_sub(ki), i.1.saturating_add(ki)),
                (j.0.saturating_sub(ki), j.1.saturating_add(ki)),
                max_grid_slots(ranks.len()),
            )?
        };
        for (o, &r) in ranks.iter().enumerate() {
            let (a, b) = index.ij[r as usize];
            grid.set(a, b, o as u32);
        }
        // every point kept (no filter): the index's own vectors, else a copy of the kept
        let laid = if run.last() == Some(&points) {
            Laid {
                x: Cow::Borrowed(&index.x),
                y: Cow::Borrowed(&index.y),
                z: Cow::Borrowed(&index.z),
                w,
                n,
                month: Vec::new(),
            }
        } else {
            let kept: Vec<u32> = (0..points as u32)
                .into_par_iter()
                .filter(|&p| n[p as usize] > 0.0)
                .collect();
            let gather =
                |v: &[f64]| -> Vec<f64> { kept.par_iter().map(|&p| v[p as usize]).collect() };
            Laid {
                x: Cow::Owned(gather(&index.x)),
                y: Cow::Owned(gather(&index.y)),
                z: Cow::Owned(gather(&index.z)),
                w: gather(&w),
                n: gather(&n),
                month: Vec::new(),
            }
        };
        let incidents = laid.n.iter().sum::<f64>() as usize;
        let laid_points = laid.n.len();
        let weight_total = laid.w.iter().sum();
        Some((
            Layout {
                frame: index.frame,
                grid,
                rows: disk_rows(k, h + radius, edge),
                occ_unit: ranks.iter().map(|&r| index.centre[r as usize]).collect(),
                rank_cell,
                run,
                laid,
                kernel: Kernel::new(h),
                reach2: chord2(h + radius),
            },
            (incidents, laid_points, weight_total),
        ))
    }

    /// The candidates: `given`'s IJ (`None` when one is outside the frame), or every
    /// grid cell with an occupied cell within the disk.
    fn candidates(&self, given: Option<&[u64]>) -> Option<Vec<(i32, i32)>> {
        match given {
            Some(g) => g.iter().map(|&c| self.frame.ij(valid(c))).collect(),
            None => Some(
                self.grid
                    .rows()
                    .into_par_iter()
                    .flat_map_iter(|a| candidate_row(&self.grid, &self.rows, a))
                    .collect(),
            ),
        }
    }

    /// The candidates' cells and centres (an occupied cell's from its rank, the others'
    /// from IJ).
    fn centres(&self, cand: &[(i32, i32)]) -> Option<Vec<(CellIndex, [f64; 3])>> {
        cand.par_iter()
            .map(|&(a, b)| match self.grid.get(a, b) {
                Some(r) => Some((valid(self.rank_cell[r as usize]), self.occ_unit[r as usize])),
                None => {
                    let c = self.frame.cell((a, b))?;
                    Some((c, centre(c)))
                }
            })
            .collect()
    }

    /// The density at each candidate, the laid-out points weighing `w` (in `laid`'s
    /// order); cells no point reaches are left out unless `keep_all`.
    fn densities(
        &self,
        cand: &[(i32, i32)],
        centres: &[(CellIndex, [f64; 3])],
        w: &[f64],
        keep_all: bool,
        cancel: &Cancel,
    ) -> Vec<KdeCell> {
        let near = |u: [f64; 3], q: [f64; 3]| {
            (u[0] - q[0]).powi(2) + (u[1] - q[1]).powi(2) + (u[2] - q[2]).powi(2) < self.reach2
        };
        cand.par_iter()
            .zip(centres)
            .filter_map(|(&(a, b), &(c, q))| {
                if cancel.is_cancelled() {
                    return None;
                }
                let mut acc = (0.0, 0.0);
                // the disk's rows in order, each summed in a fixed order (no thread
                // changes it); in each of its rows, the points of the cells from the
                // first to the last whose centre is within h + radius (the exact test
                // is the kernel's)
                for &(di, lo, hi) in &self.rows {
                    let row = self.grid.row(a + di, b + lo, b + hi);
                    let mut cells = row.iter().filter(|&&r| r != ij::DenseGrid::EMPTY);
                    let Some(&from) = cells.find(|&&r| near(self.occ_unit[r as usize], q)) else {
                        continue;
                    };
                    let to = cells
                        .rfind(|&&r| near(self.occ_unit[r as usize], q))
                        .map_or(from, |&r| r) as usize;
                    let span = self.run[from as usize]..self.run[to + 1];
                    let (sum, count) = self.kernel.span(q, &self.laid, w, span);
                    acc.0 += sum;
                    acc.1 += count;
                }
                self.kernel.finish(c, acc, keep_all)
            })
            .collect()
    }
}

impl Layout<'_> {
    /// At each candidate, the kernel sums (before the constant) of each month
    /// `first..first + months` apart, oldest first: one pass over the points.
    fn monthly(
        &self,
        cand: &[(i32, i32)],
        centres: &[(CellIndex, [f64; 3])],
        first: i32,
        months: usize,
    ) -> Vec<f64> {
        let near = |u: [f64; 3], q: [f64; 3]| {
            (u[0] - q[0]).powi(2) + (u[1] - q[1]).powi(2) + (u[2] - q[2]).powi(2) < self.reach2
        };
        let p = &self.laid;
        cand.par_iter()
            .zip(centres)
            .flat_map_iter(|(&(a, b), &(_, q))| {
                let mut acc = vec![0.0; months];
                for &(di, lo, hi) in &self.rows {
                    let row = self.grid.row(a + di, b + lo, b + hi);
                    let mut cells = row.iter().filter(|&&r| r != ij::DenseGrid::EMPTY);
                    let Some(&from) = cells.find(|&&r| near(self.occ_unit[r as usize], q)) else {
                        continue;
                    };
                    let to = cells
                        .rfind(|&&r| near(self.occ_unit[r as usize], q))
                        .map_or(from, |&r| r) as usize;
                    for i in self.run[from as usize]..self.run[to + 1] {
                        let m = (p.month[i] - first) as usize;
                        let (t, _) = self.kernel.term(q, [p.x[i], p.y[i], p.z[i]], p.w[i], 0.0);
                        if let Some(x) = acc.get_mut(m) {
                            *x += t;
                        }
                    }
                }
                acc
            })
            .collect()
    }
}

/// Kernel densities of several periods' incidents at once (a backtest's training
/// windows): every month's points are selected, merged (a point a month) and laid out
/// once; a window then sums the points of its months with the others weighing 0, which
/// adds exact zeros, so each window's density is its own [`kde`]'s up to the order of
/// summation.
pub(crate) struct Windows {
    /// The cells evaluated, ascending.
    cells: Vec<u64>,
    /// The first month's index.
    first: i32,
    months: usize,
    /// Per cell, each month's kernel sum (before the constant), oldest first.
    sums: Vec<f64>,
    scale_km2: f64,
}

impl Windows {
    /// The densities at `cells` (every cell any window asks for) of the points `filter`
    /// selects in months `first..=last`, each month apart; `None` where they do not fit
    /// the local-IJ path (the caller then runs [`kde`] a window).
    ///
    /// # Errors
    /// [`QueryError`] for unknown crime types or offences.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        table: &IncidentTable,
        filter: &Filter,
        (first, last): (YearMonth, YearMonth),
        cells: &[u64],
        resolution: Resolution,
        bandwidth: Bandwidth,
        measure: Measure,
        harm: &HarmTable,
    ) -> Result<Option<Self>, QueryError> {
        let filter = Filter {
            period: Some(crate::filter::Period::months(first, last).expect("first ≤ last")),
            ..filter.clone()
        };
        let sel = select(
            table,
            &filter,
            resolution,
            measure,
            harm,
            true,
            &Cancel::never(),
        )?;
        let col = table.cells_at(resolution);
        let Some(&anchor) = sel.occupied.first() else {
            return Ok(None);
        };
        let h = bandwidth.metres();
        let Some(layout) = Layout::new(&sel.points, &sel.occupied, col.cells(), anchor, h) else {
            return Ok(None);
        };
        let mut cells = cells.to_vec();
        cells.sort_unstable();
        cells.dedup();
        let Some(cand) = layout.candidates(Some(&cells)) else {
            return Ok(None);
        };
        let Some(centres) = layout.centres(&cand) else {
            return Ok(None);
        };
        let months = (last.index() - first.index() + 1) as usize;
        let sums = layout.monthly(&cand, &centres, first.index(), months);
        Ok(Some(Self {
            cells,
            first: first.index(),
            months,
            sums,
            scale_km2: layout.kernel.scale_km2,
        }))
    }

    /// The density (per km²) at each of `cells` of the incidents in months
    /// `first..=last`, 0 where none is within h; `None` when a cell or month was not
    /// prepared.
    pub(crate) fn densities(
        &self,
        (first, last): (YearMonth, YearMonth),
        cells: &[CellIndex],
    ) -> Option<Vec<f64>> {
        let a = usize::try_from(first.index() - self.first).ok()?;
        let b = usize::try_from(last.index() - self.first).ok()?;
        if b >= self.months || a > b {
            return None;
        }
        cells
            .iter()
            .map(|&c| {
                let i = self.cells.binary_search(&u64::from(c)).ok()?;
                let m = &self.sums[i * self.months..(i + 1) * self.months];
                Some(m[a..=b].iter().sum::<f64>() * self.scale_km2)
            })
            .collect()
    }
}

/// The cells of grid row `a` with an occupied cell within the ring `rows`: each
/// occupied cell (i, j) of row a + di makes candidates of j − hi ..= j − lo.
fn candidate_row(grid: &ij::DenseGrid, rows: &[(i32, i32, i32)], a: i32) -> Vec<(i32, i32)> {
    let (j0, width) = grid.columns();
    let last = j0 + width as i32 - 1;
    // +1 where a run of candidates starts, −1 after it ends
    let mut edge = vec![0i32; width + 1];
    for &(di, lo, hi) in rows {
        let row = grid.row(a + di, j0, last);
        for (x, &o) in row.iter().enumerate() {
            if o == ij::DenseGrid::EMPTY {
                continue;
            }
            let j = j0 + x as i32;
            let (from, to) = ((j - hi).max(j0), (j - lo).min(last));
            if from <= to {
                edge[(from - j0) as usize] += 1;
                edge[(to - j0) as usize + 1] -= 1;
            }
        }
    }
    let mut out = Vec::new();
    let mut depth = 0;
    for (x, e) in edge[..width].iter().enumerate() {
        depth += e;
        if depth > 0 {
            out.push((a, j0 + x as i32));
        }
    }
    out
}

#[cfg(test)]
#[path = "kde_tests.rs"]
mod tests;
