//! Population estimates for one set of areas (e.g. wards) from another's published
//! counts (e.g. MSOAs), by areal weighting through H3 cells.
//!
//! *Invariant*: the total is conserved — the estimates plus [`Estimates::unassigned`]
//! sum to the source populations given.

use geo::InteriorPoint;
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::areas::AreaIndex;
use crate::compare::PopulationValue;

/// The resolution to estimate at: res 10 cells average 0.015 km² (edge ≈ 66 m), so a
/// 2,000 km² county is about 135,000 cells — fine enough that a ward boundary cuts few
/// of them, coarse enough to take well under a second.
pub const RECOMMENDED_RESOLUTION: Resolution = Resolution::Ten;

/// One sentence describing the method, for outputs.
pub const METHOD: &str = "areal weighting through H3 cells: each source area's population \
     is spread evenly over the cells whose centres lie in it (an area too small to hold a \
     cell centre gives all of it to the area holding its interior point), and each \
     estimated area receives the population of the cells whose centres lie in it";

/// Populations estimated for a set of areas.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    /// Per target area, in the index's order: its estimate, or `None` when no source
    /// population reached it.
    pub population: Vec<Option<f64>>,
    /// Population in cells (or interior points) that lie in no target area.
    pub unassigned: f64,
    /// The H3 resolution used.
    pub resolution: Resolution,
    /// [`METHOD`].
    pub method: &'static str,
    /// Source areas (by position) that held no cell centre, or whose shape h3o could
    /// not tile, and so gave their whole population through their interior point.
    pub whole_areas: Vec<usize>,
}

impl Estimates {
    /// The estimates as populations marked as estimated, ready for
    /// [`crate::compare::compare`].
    #[must_use]
    pub fn values(&self) -> Vec<Option<PopulationValue>> {
        self.population
            .iter()
            .map(|p| {
                p.map(|value| PopulationValue {
                    value,
                    estimated: true,
                })
            })
            .collect()
    }
}

/// The cells at `res` whose centres lie in `shape`, sorted and without duplicates;
/// `None` when h3o rejects the shape.
fn centre_cells(shape: &geo::MultiPolygon<f64>, res: Resolution) -> Option<Vec<CellIndex>> {
    let mut tiler = TilerBuilder::new(res)
        .containment_mode(ContainmentMode::ContainsCentroid)
        .build();
    for p in shape {
        tiler.add(p.clone()).ok()?;
    }
    let mut cells: Vec<CellIndex> = tiler.into_coverage().collect();
    cells.sort_unstable();
    cells.dedup();
    Some(cells)
}

/// Where the cells of one source area go.
struct Tally {
    /// Cells per target area (`None`: in no target area), by target.
    per_target: Vec<(Option<usize>, u64)>,
    /// Cells in the source area.
    cells: u64,
}

/// The tally of one source area, or `None` when it holds no cell centre (or h3o
/// cannot tile it).
fn tally(shape: &geo::MultiPolygon<f64>, target: &AreaIndex, res: Resolution) -> Option<Tally> {
    let cells = centre_cells(shape, res).filter(|c| !c.is_empty())?;
    let mut per_target: FxHashMap<Option<usize>, u64> = FxHashMap::default();
    for &c in &cells {
        let ll = LatLng::from(c);
        *per_target
            .entry(target.locate(ll.lng(), ll.lat()))
            .or_default() += 1;
    }
    let mut per_target: Vec<(Option<usize>, u64)> = per_target.into_iter().collect();
    per_target.sort_unstable();
    Some(Tally {
        per_target,
        cells: cells.len() as u64,
    })
}

/// Estimates the population of each `target` area from `source` areas' populations
/// (`source_population[i]` belongs to `source.areas()[i]`; `None` and non-finite values
/// are skipped) by areal weighting through H3 cells at `res`.
///
/// Each source area's population is shared equally among the cells at `res` whose
/// centres lie inside it; each cell's share goes to the target area holding the cell's
/// centre ([`AreaIndex::locate`]), or to [`Estimates::unassigned`] when none does. A
/// source area holding no cell centre (a sliver smaller than a cell) gives its whole
/// population to the target area holding its interior point. So population is assumed
/// to be spread evenly over each source area, and the total is conserved:
/// `Σ population + unassigned = Σ source_population`.
///
/// Use [`RECOMMENDED_RESOLUTION`] (res 10, ≈ 0.015 km² a cell) unless there is a reason
/// not to: West Yorkshire's 299 MSOAs (≈ 2,000 km²) take a fraction of a second.
///
/// # Panics
/// When `source_population` does not have one entry per source area.
///
/// ```
/// use geo::{LineString, MultiPolygon, Polygon};
/// use hexspot_engine::{Area, AreaIndex};
/// use hexspot_engine::estimate::{RECOMMENDED_RESOLUTION, estimate_population};
/// let square = |code: &str, x0: f64, x1: f64| Area {
///     code: code.into(),
///     name: code.into(),
///     district: None,
///     shape: MultiPolygon(vec![Polygon::new(
///         LineString::from(vec![(x0, 53.80), (x1, 53.80), (x1, 53.82), (x0, 53.82), (x0, 53.80)]),
///         vec![],
///     )]),
/// };
/// let source = AreaIndex::new(vec![square("S", -1.56, -1.52)]);
/// let target = AreaIndex::new(vec![square("W", -1.56, -1.54), square("E", -1.54, -1.52)]);
/// let e = estimate_population(&source, &[Some(1000.0)], &target, RECOMMENDED_RESOLUTION);
/// let (w, east) = (e.population[0].unwrap(), e.population[1].unwrap());
/// assert!((w - 500.0).abs() < 50.0 && (w + east + e.unassigned - 1000.0).abs() < 1e-9);
/// ```
#[must_use]
pub fn estimate_population(
    source: &AreaIndex,
    source_population: &[Option<f64>],
    target: &AreaIndex,
    res: Resolution,
) -> Estimates {
    let sources = source.areas();
    assert_eq!(
        sources.len(),
        source_population.len(),
        "one population value per source area"
    );
    let work: Vec<(usize, f64)> = source_population
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.filter(|p| p.is_finite()).map(|p| (i, p)))
        .collect();
    // tiling dominates: one area a task, on every core
    let tallies: Vec<Option<Tally>> = work
        .par_iter()
        .map(|&(i, _)| tally(&sources[i].shape, target, res))
        .collect();

    let mut population: Vec<Option<f64>> = vec![None; target.areas().len()];
    let mut unassigned = 0.0;
    let mut whole_areas = Vec::new();
    let mut give = |t: Option<usize>, amount: f64| match t {
        Some(t) => *population[t].get_or_insert(0.0) += amount,
        None => unassigned += amount,
    };
    for (&(i, pop), tally) in work.iter().zip(tallies) {
        match tally {
            Some(tally) => {
                for (t, k) in tally.per_target {
                    give(t, pop * k as f64 / tally.cells as f64);
                }
            }
            None => {
                whole_areas.push(i);
                let t = sources[i]
                    .shape
                    .interior_point()
                    .and_then(|p| target.locate(p.x(), p.y()));
                give(t, pop);
            }
        }
    }
    Estimates {
        population,
        unassigned,
        resolution: res,
        method: METHOD,
        whole_areas,
    }
}
