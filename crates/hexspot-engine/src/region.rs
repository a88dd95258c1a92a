//! Study regions from boundary polygons.

use h3o::geom::{ContainmentMode, SolventBuilder, TilerBuilder};
use h3o::{CellIndex, LatLng};

use crate::error::QueryError;
use crate::types::Resolution;

/// How densely boundary lines are walked, as a fraction of the cell edge length.
const BOUNDARY_STEPS_PER_EDGE: f64 = 10.0;

/// The cells at `res` that cover the polygons (WGS84 degrees), sorted and without
/// duplicates: every cell whose centre lies inside, plus every cell the boundary passes
/// through (the boundary is walked in steps of a tenth of a cell edge). So no incident
/// inside the boundary is lost, and the answer takes milliseconds.
///
/// # Errors
/// [`QueryError::Region`] when h3o rejects a polygon (e.g. non-finite coordinates).
pub fn cells_covering(
    polygons: &geo::MultiPolygon<f64>,
    res: Resolution,
) -> Result<Vec<CellIndex>, QueryError> {
    let mut tiler = TilerBuilder::new(res.h3())
        .containment_mode(ContainmentMode::ContainsCentroid)
        .build();
    for p in polygons {
        tiler
            .add(p.clone())
            .map_err(|e| QueryError::Region(e.to_string()))?;
    }
    let mut cells: Vec<CellIndex> = tiler.into_coverage().collect();
    let step_m = res.h3().edge_length_m() / BOUNDARY_STEPS_PER_EDGE;
    for p in polygons {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for seg in ring.lines() {
                let (a, b) = (seg.start, seg.end);
                let len = haversine_m(a.x, a.y, b.x, b.y);
                let steps = (len / step_m).ceil().max(1.0) as usize;
                for s in 0..=steps {
                    let t = s as f64 / steps as f64;
                    let (lng, lat) = (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
                    let ll =
                        LatLng::new(lat, lng).map_err(|e| QueryError::Region(e.to_string()))?;
                    cells.push(ll.to_cell(res.h3()));
                }
            }
        }
    }
    cells.sort_unstable();
    cells.dedup();
    Ok(cells)
}

/// The outline of a set of cells at one resolution: their union as polygons (WGS84
/// degrees, exteriors counter-clockwise and holes clockwise, as RFC 7946 asks).
/// Duplicates are ignored.
///
/// # Errors
/// [`QueryError::Region`] when the cells are not all of one resolution.
pub fn outline(cells: &[CellIndex]) -> Result<geo::MultiPolygon<f64>, QueryError> {
    use geo::orient::{Direction, Orient};
    let mut unique = cells.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let shape = SolventBuilder::new()
        .build()
        .dissolve(unique)
        .map_err(|e| QueryError::Region(e.to_string()))?;
    Ok(shape.orient(Direction::Default))
}

/// The mean Earth radius, metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 points (mean Earth radius).
#[must_use]
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let a = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}
