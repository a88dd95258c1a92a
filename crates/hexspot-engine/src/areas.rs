//! Areas (wards, districts, MSOAs): assigning incidents to polygons with an R-tree,
//! rates per resident, and the exact test for a change between two Poisson counts.

use rayon::prelude::*;

use crate::binning::CHUNK_ROWS;
use geo::{BoundingRect, Intersects, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::table::IncidentTable;

/// One area of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Its code, e.g. `E05001420`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The district it belongs to, where known.
    pub district: Option<String>,
    /// Its boundary (WGS84 degrees).
    pub shape: geo::MultiPolygon<f64>,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A set of areas indexed by their polygons' bounding boxes.
#[derive(Debug)]
pub struct AreaIndex {
    areas: Vec<Area>,
    tree: RTree<Entry>,
}

/// Marks an incident outside every area in [`Assignment::area`].
pub const OUTSIDE: u32 = u32::MAX;

impl AreaIndex {
    /// Indexes `areas` (one R-tree entry per polygon).
    #[must_use]
    pub fn new(areas: Vec<Area>) -> Self {
        let entries = areas
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.shape.iter().filter_map(move |p| {
                    let r = p.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                })
            })
            .collect();
        Self {
            areas,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The areas, in the order given.
    #[must_use]
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The area holding the point: inside a polygon (not in a hole) or on its boundary.
    /// A point on an edge two areas share is given to the first of them in the set's
    /// order, so it is counted exactly once.
    #[must_use]
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        let pt = Point::new(lon, lat);
        self.tree
            .locate_in_envelope_intersecting(AABB::from_point([lon, lat]))
            .map(|e| e.data)
            .filter(|&i| self.areas[i].shape.intersects(&pt))
            .min()
    }
}

/// Which area each incident lies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Per table row: the area's index, or [`OUTSIDE`].
    pub area: Vec<u32>,
    /// Incidents per area.
    pub per_area: Vec<usize>,
    /// Incidents outside every area (counted, never dropped silently).
    pub outside: usize,
    /// For each month of the table's range, whether any incident in one of the areas
    /// falls in it: a month with none is a gap in the data for this set, not zeros
    /// (another force's file for that month says nothing about these areas).
    pub months_held: Vec<bool>,
}

/// Assigns every incident to its area, on two threads for large tables.
#[must_use]
pub fn assign(table: &IncidentTable, index: &AreaIndex) -> Assignment {
    let locate = |range: std::ops::Range<usize>| -> Vec<u32> {
        // rows are sorted by cell, so repeated locations (police.uk snaps incidents to
        // shared map points) come together: each is located once
        let mut last: Option<((f64, f64), u32)> = None;
        range
            .map(|i| {
                let at = (table.lon[i], table.lat[i]);
                match last {
                    Some((p, a)) if p == at => a,
                    _ => {
                        let a = index.locate(at.0, at.1).map_or(OUTSIDE, |a| a as u32);
                        last = Some((at, a));
                        a
                    }
                }
            })
            .collect()
    };
    let n = table.len();
    let area: Vec<u32> = (0..n.div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .flat_map_iter(|c| locate(c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n)))
        .collect();
    let mut per_area = vec![0; index.areas.len()];
    let mut outside = 0;
    for &a in &area {
        match a {
            OUTSIDE => outside += 1,
            a => per_area[a as usize] += 1,
        }
    }
    let months_held = table.months_held_where(|i| area[i] != OUTSIDE);
    Assignment {
        area,
        per_area,
        outside,
        months_held,
    }
}

/// Incidents per 1,000 residents; `None` without a population.
#[must_use]
pub fn rate_per_1000(count: f64, population: Option<f64>) -> Option<f64> {
    population.filter(|&p| p > 0.0).map(|p| count / p * 1000.0)
}

fn ln_binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    let (k, n) = (k as f64, n as f64);
    let ln_choose = libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0);
    let term = |x: f64, q: f64| {
        if x == 0.0 { 0.0 } else { x * q.ln() }
    };
    ln_choose + term(k, p) + term(n - k, 1.0 - p)
}

/// Two-sided exact binomial test of `k` successes in `n` trials against probability
/// `p`: the total probability of every outcome no more likely than `k` (with a relative
/// tolerance of 1e-7, as scipy's `binomtest` does).
#[must_use]
pub fn binomial_two_sided_p(k: u64, n: u64, p: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let observed = ln_binomial_pmf(k, n, p);
    let limit = observed + (1.0 + 1e-7f64).ln();
    let total: f64 = (0..=n)
        .map(|i| ln_binomial_pmf(i, n, p))
        .filter(|&l| l <= limit)
        .map(f64::exp)
        .sum();
    total.min(1.0)
}

/// The exact test for a change between two Poisson counts over periods of equal length:
/// conditional on their sum, the current count is Binomial(sum, ½) when the rate has not
/// changed. `None` when both are zero (nothing to test).
#[must_use]
pub fn poisson_change_p(current: u64, previous: u64) -> Option<f64> {
    let n = current + previous;
    (n > 0).then(|| binomial_two_sided_p(current, n, 0.5))
}

/// Districts from their areas: one area per district, the union of its areas'
/// polygons, coded and named by the district, in the order districts first appear.
///
/// # Errors
/// The code of the first area with no district: districts cannot be derived without one.
pub fn dissolve_by_district(areas: &[Area]) -> Result<Vec<Area>, String> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: std::collections::HashMap<&str, Vec<&geo::Polygon<f64>>> =
        std::collections::HashMap::new();
    for a in areas {
        let d = a.district.as_deref().ok_or_else(|| a.code.clone())?;
        let g = groups.entry(d).or_insert_with(|| {
            order.push(d);
            Vec::new()
        });
        g.extend(a.shape.iter());
    }
    Ok(order
        .into_iter()
        .map(|d| Area {
            code: d.to_owned(),
            name: d.to_owned(),
            district: Some(d.to_owned()),
            shape: geo::unary_union(groups[d].iter().copied()),
        })
        .collect())
}
