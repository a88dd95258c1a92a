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
use crate::query_types::Bandwidth;
use crate::study_region::disk;
use crate::table::IncidentTable;
use crate::types::Resolution;

/// The Earth's mean radius used for distances, in metres.
pub const EARTH_RADIUS: f64 = 6_371_008.8;

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

struct Chunk {
    points: Vec<(f64, f64, f64, u32)>,
    occupied: Vec<u32>,
    exclusions: Exclusions,
    imports: Vec<bool>,
}

/// The grid distance from a cell within which every cell centre closer than `reach`
/// metres to any point of it lies: on a hex lattice of edge e, cells g steps apart have
/// centres at least 1.5·g·e apart; e is the cell's shortest edge, shrunk by 10 % for
/// neighbours a little smaller than it.
fn ring_bound(cell: CellIndex, h: f64) -> u32 {
    let centre = LatLng::from(cell);
    let b = cell.boundary();
    let v: Vec<LatLng> = b.iter().copied().collect();
    let circum = v.iter().map(|p| centre.distance_m(*p)).fold(0.0, f64::max);
    let edge = (0..v.len())
        .map(|i| v[i].distance_m(v[(i + 1) % v.len()]))
        .fold(f64::INFINITY, f64::min);
    ((h + circum) / (1.5 * edge * 0.9)).ceil() as u32
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
                    _ => out.points.push((lon, lat, w, 1)),
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
    let mut raw: Vec<(f64, f64, f64, u32)> = Vec::new();
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
    // the same point in runs that did not touch: one entry, weights in row order
    let mut at: FxHashMap<(u64, u64), usize> = FxHashMap::default();
    let mut points: Vec<Point> = Vec::with_capacity(raw.len());
    for (lon, lat, w, n) in raw {
        match at.entry((lon.to_bits(), lat.to_bits())) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let d = &mut points[*e.get()].data;
                d.0 += w;
                d.1 += n;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(points.len());
                points.push(GeomWithData::new(unit(lon, lat), (w, n)));
            }
        }
    }
    drop(at);
    let n_points = points.len();

    let candidates: Vec<u64> = match &query.cells {
        Some(cells) => {
            let mut v: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        None => {
            occupied.par_sort_unstable();
            occupied.dedup();
            let mut v: Vec<u64> = occupied
                .par_chunks(1024)
                .flat_map_iter(|chunk| {
                    let mut out = Vec::new();
                    let mut buf = Vec::new();
                    let mut bound: FxHashMap<u64, u32> = FxHashMap::default();
                    for &s in chunk {
                        let c = col.cells()[s as usize];
                        let cell = CellIndex::try_from(c).expect("cell columns hold valid cells");
                        // cells vary slowly: one bound per resolution-3 ancestor
                        let key = cell.parent(h3o::Resolution::Three).map_or(c, u64::from);
                        let k = *bound.entry(key).or_insert_with(|| ring_bound(cell, h));
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

    let tree = RTree::bulk_load(points);
    let chord = 2.0 * (h / (2.0 * EARTH_RADIUS)).sin();
    let keep_all = query.cells.is_some();
    let mut cells: Vec<KdeCell> = candidates
        .par_iter()
        .filter_map(|&c| {
            let cell = CellIndex::try_from(c).expect("candidates are valid cells");
            let ll = LatLng::from(cell);
            let q = unit(ll.lng(), ll.lat());
            let mut d = 0.0;
            let mut near = 0u32;
            for p in tree.locate_within_distance(q, chord * chord) {
                let g = p.geom();
                let ch =
                    ((g[0] - q[0]).powi(2) + (g[1] - q[1]).powi(2) + (g[2] - q[2]).powi(2)).sqrt();
                let dist = 2.0 * EARTH_RADIUS * (ch / 2.0).min(1.0).asin();
                if dist < h {
                    d += p.data.0 * quartic(dist, h);
                    near += p.data.1;
                }
            }
            (keep_all || near > 0).then_some(KdeCell {
                cell,
                density_km2: d * 1e6,
                incidents: near,
                rank: 0,
            })
        })
        .collect();
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

#[cfg(test)]
#[path = "kde_tests.rs"]
mod tests;
