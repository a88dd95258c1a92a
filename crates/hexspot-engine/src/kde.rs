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
//! bandwidth and the cell's own size.

use h3o::{CellIndex, LatLng};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use rustc_hash::FxHashMap;

use crate::binning::CHUNK_ROWS;
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
    occupied: Vec<u32>,
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
    kde_with(table, query, harm, true)
}

/// [`kde`], choosing whether the local-IJ fast path may be used (tests compare both).
#[doc(hidden)]
pub fn kde_with(
    table: &IncidentTable,
    query: &KdeQuery,
    harm: &HarmTable,
    allow_ij: bool,
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
                occupied: Vec::new(),
                exclusions: Exclusions::default(),
                imports: vec![false; table.max_import as usize + 1],
            };
            let range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows);
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
                if out.occupied.last() != Some(&slot) {
                    out.occupied.push(slot);
                }
            }
            out
        })
        .collect();
    let mut exclusions = Exclusions::default();
    let mut imports = vec![false; table.max_import as usize + 1];
    let mut occupied: Vec<u32> = Vec::new();
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
        occupied.extend(c.occupied);
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
    // points in cell order, the same point once (its rows' weights in row order)
    let mut keys: Vec<(u64, u64, u64, u32)> = raw
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                col.cells()[p.4 as usize],
                p.0.to_bits(),
                p.1.to_bits(),
                i as u32,
            )
        })
        .collect();
    keys.par_sort_unstable();
    let mut points: Vec<Weighed> = Vec::with_capacity(raw.len());
    let mut last: Option<(u64, u64, u64)> = None;
    for &(c, x, y, i) in &keys {
        let (lon, lat, w, n, slot) = raw[i as usize];
        if last == Some((c, x, y)) {
            let p = points.last_mut().expect("a point was pushed");
            p.w += w;
            p.n += n;
        } else {
            points.push(Weighed {
                unit: unit(lon, lat),
                w,
                n,
                slot,
            });
            last = Some((c, x, y));
        }
    }
    drop(keys);
    drop(raw);
    let n_points = points.len();

    occupied.par_sort_unstable();
    occupied.dedup();
    let occupied: Vec<u64> = occupied.iter().map(|&s| col.cells()[s as usize]).collect();
    let given: Option<Vec<u64>> = query.cells.as_ref().map(|cells| {
        let mut v: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    let by_ij = if allow_ij {
        by_ij(&points, &occupied, col.cells(), given.as_deref(), h)
    } else {
        None
    };
    let mut cells = match by_ij {
        Some(c) => c,
        None => by_rtree(&points, &occupied, given.as_deref(), h),
    };
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

/// The density contributions of the points `near` a centre `q`: (per m², incidents).
#[inline]
fn add(q: [f64; 3], p: &Weighed, h: f64, chord2: f64, acc: &mut (f64, u32)) {
    let g = p.unit;
    let ch2 = (g[0] - q[0]).powi(2) + (g[1] - q[1]).powi(2) + (g[2] - q[2]).powi(2);
    if ch2 >= chord2 {
        return;
    }
    // d = 2R·asin(x), x = chord/2 ≤ sin(h/2R) < 2e-3: asin's series to x⁷ is exact in
    // double precision there (the next term is below 1e-22 of the sum)
    let x2 = ch2 / 4.0;
    let s = 1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0 + x2 * (5.0 / 112.0)));
    let d2 = EARTH_RADIUS * EARTH_RADIUS * ch2 * s * s;
    let h2 = h * h;
    if d2 < h2 {
        let u = 1.0 - d2 / h2;
        acc.0 += p.w * 3.0 / (std::f64::consts::PI * h2) * u * u;
        acc.1 += p.n;
    }
}

fn chord2(m: f64) -> f64 {
    let c = 2.0 * (m / (2.0 * EARTH_RADIUS)).sin();
    // a hair wide: the exact test is on the distance
    c * c * (1.0 + 1e-9)
}

fn finish(cell: CellIndex, acc: (f64, u32), keep_all: bool) -> Option<KdeCell> {
    (keep_all || acc.1 > 0).then_some(KdeCell {
        cell,
        density_km2: acc.0 * 1e6,
        incidents: acc.1,
        rank: 0,
    })
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
fn by_rtree(points: &[Weighed], occupied: &[u64], given: Option<&[u64]>, h: f64) -> Vec<KdeCell> {
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
    let c2 = chord2(h);
    candidates
        .par_iter()
        .filter_map(|&c| {
            let cell = CellIndex::try_from(c).expect("candidates are valid cells");
            let ll = LatLng::from(cell);
            let q = unit(ll.lng(), ll.lat());
            let mut acc = (0.0, 0);
            for p in tree.locate_within_distance(q, c2) {
                add(q, &points[p.data.1 as usize], h, c2, &mut acc);
            }
            finish(cell, acc, given.is_some())
        })
        .collect()
}

/// The fast path, when every cell lies in one non-pentagon base cell: the candidate
/// cells and the occupied cells in local IJ coordinates; each candidate gathers the
/// points of the occupied cells in its ring whose centres are near enough. `None` when
/// the cells do not fit one frame.
fn by_ij(
    points: &[Weighed],
    occupied: &[u64],
    col_cells: &[u64],
    given: Option<&[u64]>,
    h: f64,
) -> Option<Vec<KdeCell>> {
    let cell = |c: u64| CellIndex::try_from(c).expect("valid cells");
    let first = given.and_then(|g| g.first()).or(occupied.first())?;
    let frame = ij::Frame::new(cell(*first))?;
    let (k, radius) = bounds(occupied, h);
    let offsets = ij::ring_offsets(k);
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
    let occ_unit: Vec<[f64; 3]> = occupied
        .par_iter()
        .map(|&c| {
            let ll = LatLng::from(cell(c));
            unit(ll.lng(), ll.lat())
        })
        .collect();
    let mut grid = ij::TileGrid::new();
    for (i, &(a, b)) in occ_ij.iter().enumerate() {
        grid.get_or_insert(a, b, || i as u32);
    }
    let cand: Vec<(i32, i32)> = match given {
        Some(g) => g
            .iter()
            .map(|&c| frame.ij(cell(c)))
            .collect::<Option<_>>()?,
        None => {
            let mut seen = ij::TileGrid::new();
            let mut v = Vec::new();
            for &(a, b) in &occ_ij {
                for &(di, dj) in &offsets {
                    let (x, y) = (a + di, b + dj);
                    seen.get_or_insert(x, y, || {
                        v.push((x, y));
                        0
                    });
                }
            }
            v
        }
    };
    let c2 = chord2(h);
    let reach2 = chord2(h + radius);
    let out: Option<Vec<Option<KdeCell>>> = cand
        .par_iter()
        .map(|&(a, b)| {
            let c = frame.cell((a, b))?;
            let ll = LatLng::from(c);
            let q = unit(ll.lng(), ll.lat());
            let mut acc = (0.0, 0);
            let mut near: Vec<u32> = Vec::with_capacity(offsets.len());
            let mut tile = None;
            for &(di, dj) in &offsets {
                let Some(o) = grid.peek(a + di, b + dj, &mut tile) else {
                    continue;
                };
                let u = occ_unit[o as usize];
                let d2 = (u[0] - q[0]).powi(2) + (u[1] - q[1]).powi(2) + (u[2] - q[2]).powi(2);
                if d2 < reach2 {
                    near.push(o);
                }
            }
            // the ring's order, then the points' (a fixed order: no thread changes it)
            for o in near {
                let o = o as usize;
                for p in &points[start[o]..start[o + 1]] {
                    add(q, p, h, c2, &mut acc);
                }
            }
            Some(finish(c, acc, given.is_some()))
        })
        .collect();
    Some(out?.into_iter().flatten().collect())
}

#[cfg(test)]
#[path = "kde_tests.rs"]
mod tests;
