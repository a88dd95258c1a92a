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
//! row by row, and each sums, row by row of its ring, one contiguous run of points
//! laid out in grid order (see `by_ij`); elsewhere an R-tree answers (`by_rtree`).

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
use crate::query_types::Bandwidth;
use crate::region::EARTH_RADIUS_M as EARTH_RADIUS;
use crate::study_region::disk;
use crate::table::IncidentTable;
use crate::types::Resolution;

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

fn unit(lon: f64, lat: f64) -> [f64; 3] {
    let (p, l) = (lat.to_radians(), lon.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

/// A point: its unit vector, summed weight and incidents.
type Point = GeomWithData<[f64; 3], (f64, u32)>;

/// A distinct point: its unit vector, summed weight, incidents and cell slot.
#[derive(Clone, Copy)]
struct Weighed {
    unit: [f64; 3],
    w: f64,
    n: u32,
    slot: u32,
}

struct Chunk {
    points: Vec<(f64, f64, f64, u32, u32)>,
    exclusions: Exclusions,
    imports: Vec<bool>,
}

/// The grid distance from a cell within which every cell centre closer than `reach`
/// metres to any point of it lies: on a hex lattice of edge e, cells g steps apart have
/// centres at least 1.5·g·e apart; e is the cell's shortest edge, shrunk by 10 % for
/// neighbours a little smaller than it.
fn ring_bound(cell: CellIndex, h: f64) -> (u32, f64) {
    let centre = LatLng::from(cell);
    let b = cell.boundary();
    let v: Vec<LatLng> = b.iter().copied().collect();
    let circum = v.iter().map(|p| centre.distance_m(*p)).fold(0.0, f64::max);
    let edge = (0..v.len())
        .map(|i| v[i].distance_m(v[(i + 1) % v.len()]))
        .fold(f64::INFINITY, f64::min);
    let radius = circum * 1.1;
    (((h + radius) / (1.5 * edge * 0.9)).ceil() as u32, radius)
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
    let cf = CompiledFilter::new(&query.filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let col = table.cells_at(query.resolution);
    let slots = col.slots();
    let rows = table.len();
    // the selected incidents as weighted points, a run of rows at one point merged
    let chunks: Vec<Chunk> = (0..rows.div_ceil(CHUNK_ROWS).max(1))
        .into_par_iter()
        .map(|c| {
            let mut out = Chunk {
                points: Vec::new(),
                exclusions: Exclusions::default(),
                imports: vec![false; table.max_import as usize + 1],
            };
            let mut range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows);
            if cancel.is_cancelled() {
                range.end = range.start;
            }
            for (i, &slot) in slots.iter().enumerate().take(range.end).skip(range.start) {
                match cf.test(table, i) {
                    Verdict::Keep => {}
                    Verdict::Drop => continue,
                    Verdict::Excluded(count) => {
                        count(&mut out.exclusions);
                        continue;
                    }
                }
                let w = match query.measure {
                    Measure::Count => 1.0,
                    Measure::Harm => rh.weight(table, i).0,
                };
                out.imports[table.import[i] as usize] = true;
                let (lon, lat) = (table.lon[i], table.lat[i]);
                match out.points.last_mut() {
                    Some(p) if p.0 == lon && p.1 == lat => {
                        p.2 += w;
                        p.3 += 1;
                    }
                    _ => out.points.push((lon, lat, w, 1, slot)),
                }
            }
            out
        })
        .collect();
    cancel.check()?;
    let mut exclusions = Exclusions::default();
    let mut imports = vec![false; table.max_import as usize + 1];
    let mut raw: Vec<(f64, f64, f64, u32, u32)> = Vec::new();
    for c in chunks {
        let (e, f) = (&mut exclusions, &c.exclusions);
        e.flag_not_recorded += f.flag_not_recorded;
        e.month_only_partial_period += f.month_only_partial_period;
        e.no_time_of_day += f.no_time_of_day;
        e.outside_region += f.outside_region;
        for (a, b) in imports.iter_mut().zip(&c.imports) {
            *a |= b;
        }
        raw.extend(c.points);
    }
    let incidents: usize = raw.iter().map(|p| p.3 as usize).sum();
    let weight_total: f64 = raw.iter().map(|p| p.2).sum();
    let import_ids = imports
        .iter()
        .enumerate()
        .filter(|(_, b)| **b)
        .map(|(i, _)| i as u32)
        .collect();
    // points in cell order, the same point once (its rows' weights in row order): the
    // points counted into their slots (slots ascend with the cells), each slot's run
    // then sorted by coordinates and row
    let n_slots = col.cells().len();
    let mut at = vec![0u32; n_slots + 1];
    for p in &raw {
        at[p.4 as usize + 1] += 1;
    }
    for s in 0..n_slots {
        at[s + 1] += at[s];
    }
    let mut order = vec![0u32; raw.len()];
    let mut next = at.clone();
    for (i, p) in raw.iter().enumerate() {
        let s = p.4 as usize;
        order[next[s] as usize] = i as u32;
        next[s] += 1;
    }
    drop(next);
    order
        .par_chunk_by_mut(|&x, &y| raw[x as usize].4 == raw[y as usize].4)
        .for_each(|run| {
            run.sort_unstable_by_key(|&i| {
                let p = &raw[i as usize];
                (p.0.to_bits(), p.1.to_bits(), i)
            });
        });
    let mut merged: Vec<(f64, f64, f64, u32, u32)> = Vec::with_capacity(raw.len());
    for &i in &order {
        let q = raw[i as usize];
        match merged.last_mut() {
            Some(p)
                if p.4 == q.4
                    && p.0.to_bits() == q.0.to_bits()
                    && p.1.to_bits() == q.1.to_bits() =>
            {
                p.2 += q.2;
                p.3 += q.3;
            }
            _ => merged.push(q),
        }
    }
    drop(order);
    drop(raw);
    let points: Vec<Weighed> = merged
        .par_iter()
        .map(|&(lon, lat, w, n, slot)| Weighed {
            unit: unit(lon, lat),
            w,
            n,
            slot,
        })
        .collect();
    drop(merged);
    let n_points = points.len();
    let occupied: Vec<u64> = (0..n_slots)
        .filter(|&s| at[s + 1] > at[s])
        .map(|s| col.cells()[s])
        .collect();
    drop(at);
    let given: Option<Vec<u64>> = query.cells.as_ref().map(|cells| {
        let mut v: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    let by_ij = if allow_ij {
        by_ij(&points, &occupied, col.cells(), given.as_deref(), h, cancel)
    } else {
        None
    };
    let mut cells = match by_ij {
        Some(c) => c,
        None => by_rtree(&points, &occupied, given.as_deref(), h, cancel),
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
        points: n_points,
        weight_total,
        exclusions,
        import_ids,
    })
}

/// The kernel's constants for one bandwidth.
#[derive(Clone, Copy)]
struct Kernel {
    /// h².
    h2: f64,
    /// 1/h².
    inv_h2: f64,
    /// The squared chord between unit vectors a hair more than h apart.
    chord2: f64,
    /// 3/(π h²), per km².
    scale_km2: f64,
}

impl Kernel {
    fn new(h: f64) -> Self {
        let h2 = h * h;
        Self {
            h2,
            inv_h2: 1.0 / h2,
            chord2: chord2(h),
            scale_km2: 3.0 / (std::f64::consts::PI * h2) * 1e6,
        }
    }

    /// Adds a point's contribution to a centre `q`'s sums: (Σ w·(1 − d²/h²)², incidents).
    #[inline]
    fn add(&self, q: [f64; 3], p: &Weighed, acc: &mut (f64, u32)) {
        let (x, n) = self.term(q, p.unit, p.w, p.n);
        acc.0 += x;
        acc.1 += n;
    }

    /// One point's terms of [`Kernel::add`], without branches: a point at d ≥ h gives
    /// exactly (0, 0), so any superset of the points within h may be fed in.
    #[inline]
    fn term(&self, q: [f64; 3], g: [f64; 3], w: f64, n: u32) -> (f64, u32) {
        let ch2 = (g[0] - q[0]).powi(2) + (g[1] - q[1]).powi(2) + (g[2] - q[2]).powi(2);
        // d = 2R·asin(x), x = chord/2: where d is near h ≤ 20 km, x < 2e-3 and asin's
        // series to x⁷ is exact in double precision (the next term is below 1e-20 of
        // the sum); the series increases with x, so a farther point's d is above h too
        let x2 = ch2 / 4.0;
        let s = 1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0 + x2 * (5.0 / 112.0)));
        let d2 = EARTH_RADIUS * EARTH_RADIUS * ch2 * s * s;
        let hit = d2 < self.h2;
        let u = 1.0 - d2 * self.inv_h2;
        (f64::from(u8::from(hit)) * (w * u * u), u32::from(hit) * n)
    }

    /// The cell's density from its sums; `None` for a cell no point reaches unless
    /// `keep_all`.
    fn finish(&self, cell: CellIndex, acc: (f64, u32), keep_all: bool) -> Option<KdeCell> {
        (keep_all || acc.1 > 0).then_some(KdeCell {
            cell,
            density_km2: acc.0 * self.scale_km2,
            incidents: acc.1,
            rank: 0,
        })
    }
}

fn chord2(m: f64) -> f64 {
    let c = 2.0 * (m / (2.0 * EARTH_RADIUS)).sin();
    // a hair wide: the exact test is on the distance
    c * c * (1.0 + 1e-9)
}

/// Per resolution-3 ancestor of the occupied cells: the ring bound and its largest cell
/// radius.
fn bounds(occupied: &[u64], h: f64) -> (u32, f64) {
    let mut seen: FxHashMap<u64, ()> = FxHashMap::default();
    let mut k = 0;
    let mut radius: f64 = 0.0;
    for &c in occupied {
        let cell = CellIndex::try_from(c).expect("cell columns hold valid cells");
        let key = cell.parent(h3o::Resolution::Three).map_or(c, u64::from);
        if seen.insert(key, ()).is_none() {
            let (kr, r) = ring_bound(cell, h);
            k = k.max(kr);
            radius = radius.max(r);
        }
    }
    (k, radius)
}

/// The general path: candidate cells from each occupied cell's k-ring, the points in an
/// R-tree of unit vectors.
/// When `cancel` is set it stops early with a partial answer: the caller checks it.
fn by_rtree(
    points: &[Weighed],
    occupied: &[u64],
    given: Option<&[u64]>,
    h: f64,
    cancel: &Cancel,
) -> Vec<KdeCell> {
    let candidates: Vec<u64> = match given {
        Some(g) => g.to_vec(),
        None => {
            let (k, _) = bounds(occupied, h);
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
            let ll = LatLng::from(cell);
            let q = unit(ll.lng(), ll.lat());
            let mut acc = (0.0, 0);
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
/// the ring bound k. The candidates are the grid's cells with an occupied cell within
/// k, found row by row; each candidate gathers the points of the occupied cells in its
/// k-ring whose centres are near enough, in the ring's order. `None` when the cells do
/// not fit one frame or the grid would be too large. When `cancel` is set it stops
/// early with a partial answer: the caller checks it.
fn by_ij(
    points: &[Weighed],
    occupied: &[u64],
    col_cells: &[u64],
    given: Option<&[u64]>,
    h: f64,
    cancel: &Cancel,
) -> Option<Vec<KdeCell>> {
    let cell = |c: u64| CellIndex::try_from(c).expect("valid cells");
    let first = given.and_then(|g| g.first()).or(occupied.first())?;
    let frame = ij::Frame::new(cell(*first))?;
    let (k, radius) = bounds(occupied, h);
    let rows = ij::ring_rows(k);
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
        .map(|&c| frame.ij(cell(c)))
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
    let cand: Vec<(i32, i32)> = match given {
        Some(g) => g
            .iter()
            .map(|&c| frame.ij(cell(c)))
            .collect::<Option<_>>()?,
        None => grid
            .rows()
            .into_par_iter()
            .flat_map_iter(|a| candidate_row(&grid, &rows, a))
            .collect(),
    };
    // the occupied cells renumbered in grid order (row by row), their points laid out
    // in that order: the cells of a run of one row are a run of points
    let by_rank = grid.renumber();
    let mut run = Vec::with_capacity(by_rank.len() + 1);
    let mut order: Vec<u32> = Vec::with_capacity(points.len());
    for &o in &by_rank {
        run.push(order.len());
        let o = o as usize;
        order.extend(start[o] as u32..start[o + 1] as u32);
    }
    run.push(order.len());
    let laid: Vec<([f64; 3], f64)> = order
        .par_iter()
        .map(|&i| (points[i as usize].unit, points[i as usize].w))
        .collect();
    let laid_n: Vec<u32> = order.par_iter().map(|&i| points[i as usize].n).collect();
    drop(order);
    // the candidates' centres (an occupied cell's own index, the others' from IJ), then
    // the occupied cells' from theirs where they are candidates
    let centres: Vec<(CellIndex, [f64; 3])> = cand
        .par_iter()
        .map(|&(a, b)| {
            let c = match grid.get(a, b) {
                Some(r) => cell(occupied[by_rank[r as usize] as usize]),
                None => frame.cell((a, b))?,
            };
            let ll = LatLng::from(c);
            Some((c, unit(ll.lng(), ll.lat())))
        })
        .collect::<Option<_>>()?;
    let mut occ_unit: Vec<Option<[f64; 3]>> = vec![None; by_rank.len()];
    for (&(a, b), &(_, q)) in cand.iter().zip(&centres) {
        if let Some(r) = grid.get(a, b) {
            occ_unit[r as usize] = Some(q);
        }
    }
    let occ_unit: Vec<[f64; 3]> = occ_unit
        .into_par_iter()
        .zip(&by_rank)
        .map(|(u, &o)| {
            u.unwrap_or_else(|| {
                let ll = LatLng::from(cell(occupied[o as usize]));
                unit(ll.lng(), ll.lat())
            })
        })
        .collect();
    let kernel = Kernel::new(h);
    let reach2 = chord2(h + radius);
    let near = |u: [f64; 3], q: [f64; 3]| {
        (u[0] - q[0]).powi(2) + (u[1] - q[1]).powi(2) + (u[2] - q[2]).powi(2) < reach2
    };
    Some(
        cand.par_iter()
            .zip(&centres)
            .filter_map(|(&(a, b), &(c, q))| {
                if cancel.is_cancelled() {
                    return None;
                }
                let mut acc = (0.0, 0);
                // the ring's rows in order, each summed in a fixed order (no thread
                // changes it); in each of its rows, the points of the cells from the first to
                // the last whose centre is within h + radius (the exact test is the
                // kernel's)
                for &(di, lo, hi) in &rows {
                    let row = grid.row(a + di, b + lo, b + hi);
                    let mut cells = row.iter().filter(|&&r| r != ij::DenseGrid::EMPTY);
                    let Some(&from) = cells.find(|&&r| near(occ_unit[r as usize], q)) else {
                        continue;
                    };
                    let to = cells
                        .rfind(|&&r| near(occ_unit[r as usize], q))
                        .map_or(from, |&r| r) as usize;
                    // summed in registers, two lanes (the chain of adds is the bound)
                    let span = run[from as usize]..run[to + 1];
                    let (pts, ns) = (&laid[span.clone()], &laid_n[span]);
                    let mut sum = [0.0; 2];
                    let mut count = [0; 2];
                    let mut pairs = pts.chunks_exact(2).zip(ns.chunks_exact(2));
                    for (p, n) in &mut pairs {
                        let a = kernel.term(q, p[0].0, p[0].1, n[0]);
                        let b = kernel.term(q, p[1].0, p[1].1, n[1]);
                        sum = [sum[0] + a.0, sum[1] + b.0];
                        count = [count[0] + a.1, count[1] + b.1];
                    }
                    if pts.len() % 2 == 1 {
                        let (&(g, w), &n) = (pts.last().expect("odd"), ns.last().expect("odd"));
                        let a = kernel.term(q, g, w, n);
                        sum[0] += a.0;
                        count[0] += a.1;
                    }
                    acc.0 += sum[0] + sum[1];
                    acc.1 += count[0] + count[1];
                }
                kernel.finish(c, acc, given.is_some())
            })
            .collect(),
    )
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
