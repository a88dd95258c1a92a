//! Study regions from boundary polygons.

use h3o::CellIndex;
use h3o::geom::{ContainmentMode, TilerBuilder};

use crate::error::QueryError;
use crate::types::Resolution;

/// The cells at `res` that intersect any of the polygons (WGS84 degrees), sorted and
/// without duplicates: a complete cover, so no incident inside the boundary is lost.
///
/// # Errors
/// [`QueryError::Region`] when h3o rejects a polygon (e.g. non-finite coordinates).
pub fn cells_covering(
    polygons: &geo::MultiPolygon<f64>,
    res: Resolution,
) -> Result<Vec<CellIndex>, QueryError> {
    let mut tiler = TilerBuilder::new(res.h3())
        .containment_mode(ContainmentMode::IntersectsBoundary)
        .build();
    for p in polygons {
        tiler
            .add(p.clone())
            .map_err(|e| QueryError::Region(e.to_string()))?;
    }
    let mut cells: Vec<CellIndex> = tiler.into_coverage().collect();
    cells.sort_unstable();
    cells.dedup();
    Ok(cells)
}
