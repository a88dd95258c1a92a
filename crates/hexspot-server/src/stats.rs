//! A query's statistics for every cell of its study region, computed once and shared by
//! every tile, `/api/v1/cells` and `/api/v1/hotspots` answer for that query.

use hexspot_engine::{
    BBox, CellStat, HarmTable, HotspotQuery, HotspotResult, IncidentTable, Limit, QueryError,
    hotspots,
};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Metres around the equator of the WGS84 ellipsoid (Web Mercator's sphere).
const EARTH_CIRCUMFERENCE_M: f64 = 2.0 * std::f64::consts::PI * 6_378_137.0;

pub use hexspot_tiles::{mercator, unit_y_to_lat};

type Point = GeomWithData<[f64; 2], u32>;

/// Cell centres in the unit square, tagged with their position, in the cells' order;
/// on every core (finding a centre is most of the cost of indexing a fine resolution).
fn centres(cells: &[CellStat]) -> Vec<Point> {
    cells
        .par_iter()
        .enumerate()
        // a centre takes well under a microsecond: not worth a task below this many
        .with_min_len(4096)
        .map(|(i, c)| {
            let ll = h3o::LatLng::from(c.cell);
            let i = u32::try_from(i).expect("fewer than 2^32 cells");
            GeomWithData::new(mercator(ll.lng(), ll.lat()), i)
        })
        .collect()
}

/// Every study-region cell of one query, ranked, with a spatial index of their centres.
#[derive(Debug)]
pub struct QueryStats {
    /// The query (its limit is [`Limit::All`]).
    pub query: HotspotQuery,
    /// The answer, every region cell in rank order.
    pub result: HotspotResult,
    index: RTree<Point>,
    /// A cell's vertices lie within this distance of its centre.
    radius_m: f64,
}

impl QueryStats {
    /// Runs `query` over every cell of its study region.
    ///
    /// # Errors
    /// [`QueryError`] from the engine (e.g. an unknown crime type).
    pub fn compute(
        table: &IncidentTable,
        query: &HotspotQuery,
        harm: &HarmTable,
    ) -> Result<Self, QueryError> {
        let mut query = query.clone();
        query.limit = Limit::All;
        let result = hotspots(table, &query, harm)?;
        let points = centres(&result.cells);
        // H3 edges vary about twofold over the globe; twice the mean edge bounds them
        let radius_m = 2.0 * query.resolution.h3().edge_length_m();
        Ok(Self {
            query,
            result,
            index: RTree::bulk_load(points),
            radius_m,
        })
    }

    /// Cells whose hexagon may reach into the unit-square box `[x0, y0, x1, y1]`
    /// (every cell that does, and some near it), in no particular order.
    #[must_use]
    pub fn cells_near(&self, b: [f64; 4]) -> Vec<&CellStat> {
        // the unit square's scale grows as 1/cos(latitude): pad by the widest
        let worst_lat = unit_y_to_lat(b[1]).abs().max(unit_y_to_lat(b[3]).abs());
        let pad = self.radius_m / (EARTH_CIRCUMFERENCE_M * worst_lat.to_radians().cos());
        let env = rstar::AABB::from_corners([b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]);
        self.index
            .locate_in_envelope(env)
            .map(|p| &self.result.cells[p.data as usize])
            .collect()
    }

    /// Cells whose centre lies inside `bbox`, in rank order.
    #[must_use]
    pub fn cells_in(&self, bbox: BBox) -> Vec<CellStat> {
        let [w, s, e, n] = bbox.to_array();
        let (a, b) = (mercator(w, n), mercator(e, s));
        let mut idx: Vec<u32> = self
            .index
            .locate_in_envelope(rstar::AABB::from_corners(a, b))
            .map(|p| p.data)
            .collect();
        idx.sort_unstable();
        idx.into_iter()
            .map(|i| self.result.cells[i as usize])
            .collect()
    }

    /// The result with only `cells` listed (the totals stay those of the whole region).
    #[must_use]
    pub fn result_with(&self, cells: Vec<CellStat>) -> HotspotResult {
        let r = &self.result;
        HotspotResult {
            cells,
            region_cells: r.region_cells,
            occupied_cells: r.occupied_cells,
            moments: r.moments,
            tests: r.tests,
            bh_threshold: r.bh_threshold,
            significant_hot: r.significant_hot,
            significant_cold: r.significant_cold,
            incidents: r.incidents,
            harm_total: r.harm_total,
            exclusions: r.exclusions,
            weight_sources: r.weight_sources,
            import_ids: r.import_ids.clone(),
        }
    }

    /// Weight in the cache: cells held.
    #[must_use]
    pub fn weight(&self) -> u32 {
        u32::try_from(self.result.cells.len()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_are_in_the_cells_order_whatever_the_threads() {
        let origin = h3o::LatLng::new(53.8, -1.55)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        // k = 60: 10,981 cells, several parallel chunks
        let cells: Vec<CellStat> = origin
            .grid_disk::<Vec<_>>(60)
            .into_iter()
            .map(|cell| CellStat {
                cell,
                count: 0,
                harm: 0.0,
                z: None,
                p: None,
                significant: false,
                rank: 0,
            })
            .collect();
        let got = centres(&cells);
        assert_eq!(got.len(), cells.len());
        for (i, (p, c)) in got.iter().zip(&cells).enumerate() {
            let ll = h3o::LatLng::from(c.cell);
            assert_eq!(p.data as usize, i);
            assert_eq!(*p.geom(), mercator(ll.lng(), ll.lat()));
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(one.install(|| centres(&cells)), got);
    }
}
