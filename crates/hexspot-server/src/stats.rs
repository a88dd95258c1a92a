//! A query's statistics for every cell of its study region, computed once and shared by
//! every tile, `/api/v1/cells` and `/api/v1/hotspots` answer for that query.

use h3o::CellIndex;
use hexspot_engine::{
    BBox, Cancel, CellStat, EmergingCell, EmergingQuery, EmergingResult, HarmTable, HotspotQuery,
    HotspotResult, IncidentTable, KdeCell, KdeQuery, KdeResult, Limit, QueryError, Resolution,
    SpaceTimeError, emerging_cancellable, hotspots_cancellable, kde,
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
fn centres(n: usize, cell: impl Fn(usize) -> CellIndex + Sync) -> Vec<Point> {
    (0..n)
        .into_par_iter()
        // a centre takes well under a microsecond: not worth a task below this many
        .with_min_len(4096)
        .map(|i| {
            let ll = h3o::LatLng::from(cell(i));
            let i = u32::try_from(i).expect("fewer than 2^32 cells");
            GeomWithData::new(mercator(ll.lng(), ll.lat()), i)
        })
        .collect()
}

/// A spatial index of one resolution's cells by their centres, answering with the
/// cells' positions in the list it was built from.
#[derive(Debug)]
pub struct CentreIndex {
    tree: RTree<Point>,
    /// A cell's vertices lie within this distance of its centre.
    radius_m: f64,
}

impl CentreIndex {
    /// Indexes `n` cells at `res`, the `i`-th being `cell(i)`.
    #[must_use]
    pub fn build(n: usize, cell: impl Fn(usize) -> CellIndex + Sync, res: Resolution) -> Self {
        Self {
            tree: RTree::bulk_load(centres(n, cell)),
            // H3 edges vary about twofold over the globe; twice the mean edge bounds them
            radius_m: 2.0 * res.h3().edge_length_m(),
        }
    }

    /// Bytes the index holds (its leaves and, about a quarter more, its inner nodes).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.tree.size() * std::mem::size_of::<rstar::RTreeNode<Point>>() * 5 / 4
    }

    /// Positions of the cells whose hexagon may reach into the unit-square box
    /// `[x0, y0, x1, y1]` (every cell that does, and some near it), in no order.
    #[must_use]
    pub fn near(&self, b: [f64; 4]) -> Vec<usize> {
        // the unit square's scale grows as 1/cos(latitude): pad by the widest
        let worst_lat = unit_y_to_lat(b[1]).abs().max(unit_y_to_lat(b[3]).abs());
        let pad = self.radius_m / (EARTH_CIRCUMFERENCE_M * worst_lat.to_radians().cos());
        let env = rstar::AABB::from_corners([b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]);
        self.tree
            .locate_in_envelope(env)
            .map(|p| p.data as usize)
            .collect()
    }

    /// Positions of the cells whose centre lies inside `bbox`, ascending.
    #[must_use]
    pub fn inside(&self, bbox: BBox) -> Vec<usize> {
        let [w, s, e, n] = bbox.to_array();
        let (a, b) = (mercator(w, n), mercator(e, s));
        let mut idx: Vec<usize> = self
            .tree
            .locate_in_envelope(rstar::AABB::from_corners(a, b))
            .map(|p| p.data as usize)
            .collect();
        idx.sort_unstable();
        idx
    }
}

/// Every study-region cell of one query, ranked, with a spatial index of their centres.
#[derive(Debug)]
pub struct QueryStats {
    /// The query (its limit is [`Limit::All`]).
    pub query: HotspotQuery,
    /// The answer, every region cell in rank order.
    pub result: HotspotResult,
    index: CentreIndex,
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
        cancel: &Cancel,
    ) -> Result<Self, QueryError> {
        let mut query = query.clone();
        query.limit = Limit::All;
        let result = hotspots_cancellable(table, &query, harm, cancel)?;
        cancel.check()?;
        let cells = &result.cells;
        let index = CentreIndex::build(cells.len(), |i| cells[i].cell, query.resolution);
        Ok(Self {
            query,
            result,
            index,
        })
    }

    /// Cells whose hexagon may reach into the unit-square box `[x0, y0, x1, y1]`
    /// (every cell that does, and some near it), in no particular order.
    #[must_use]
    pub fn cells_near(&self, b: [f64; 4]) -> Vec<&CellStat> {
        self.index
            .near(b)
            .into_iter()
            .map(|i| &self.result.cells[i])
            .collect()
    }

    /// Cells whose centre lies inside `bbox`, in rank order.
    #[must_use]
    pub fn cells_in(&self, bbox: BBox) -> Vec<CellStat> {
        self.index
            .inside(bbox)
            .into_iter()
            .map(|i| self.result.cells[i])
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

    /// Weight in the cache: the bytes held.
    #[must_use]
    pub fn weight(&self) -> u32 {
        let n = self.result.cells.len() * std::mem::size_of::<CellStat>() + self.index.bytes();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// One emerging hot spot query's answer for every study-region cell, with a spatial
/// index of their centres: shared by its tiles and `/api/v1/emerging`.
#[derive(Debug)]
pub struct EmergingStats {
    /// The query.
    pub query: EmergingQuery,
    /// The answer, cells in ascending H3 order.
    pub result: EmergingResult,
    index: CentreIndex,
}

impl EmergingStats {
    /// Builds the query's space-time cube and classifies every cell.
    ///
    /// # Errors
    /// [`SpaceTimeError`] from the engine (gaps, too few slices, unknown crime type …).
    pub fn compute(
        table: &IncidentTable,
        query: &EmergingQuery,
        harm: &HarmTable,
        cancel: &Cancel,
    ) -> Result<Self, SpaceTimeError> {
        let result = emerging_cancellable(table, query, harm, cancel)?;
        cancel.check().map_err(QueryError::from)?;
        let cells = &result.cells;
        let index = CentreIndex::build(cells.len(), |i| cells[i].cell, query.cube.resolution);
        Ok(Self {
            query: query.clone(),
            result,
            index,
        })
    }

    /// Cells whose hexagon may reach into the unit-square box, in no particular order.
    #[must_use]
    pub fn cells_near(&self, b: [f64; 4]) -> Vec<&EmergingCell> {
        self.index
            .near(b)
            .into_iter()
            .map(|i| &self.result.cells[i])
            .collect()
    }

    /// Weight in the cache: the bytes held (per cell its answer, and per slice its
    /// count, value, z, p and state twice over: in the cube and in the cell).
    #[must_use]
    pub fn weight(&self) -> u32 {
        let per_bin = 2 * (4 + 8 + 2 * std::mem::size_of::<Option<f64>>() + 1);
        let slices = self.result.cube.slices.len();
        let n = self.result.cells.len() * (std::mem::size_of::<EmergingCell>() + slices * per_bin)
            + self.index.bytes();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// One kernel density query's answer with a spatial index of its cells' centres:
/// shared by its tiles and `/api/v1/kde`.
#[derive(Debug)]
pub struct KdeStats {
    /// The query.
    pub query: KdeQuery,
    /// The answer, cells ranked by density.
    pub result: KdeResult,
    index: CentreIndex,
}

impl KdeStats {
    /// Computes the density at every cell centre within the bandwidth of an incident.
    ///
    /// # Errors
    /// [`QueryError`] from the engine.
    pub fn compute(
        table: &IncidentTable,
        query: &KdeQuery,
        harm: &HarmTable,
        cancel: &Cancel,
    ) -> Result<Self, QueryError> {
        cancel.check()?;
        let result = kde(table, query, harm)?;
        cancel.check()?;
        let cells = &result.cells;
        let index = CentreIndex::build(cells.len(), |i| cells[i].cell, query.resolution);
        Ok(Self {
            query: query.clone(),
            result,
            index,
        })
    }

    /// Cells whose hexagon may reach into the unit-square box, in no particular order.
    #[must_use]
    pub fn cells_near(&self, b: [f64; 4]) -> Vec<&KdeCell> {
        self.index
            .near(b)
            .into_iter()
            .map(|i| &self.result.cells[i])
            .collect()
    }

    /// Weight in the cache: the bytes held.
    #[must_use]
    pub fn weight(&self) -> u32 {
        let n = self.result.cells.len() * std::mem::size_of::<KdeCell>() + self.index.bytes();
        u32::try_from(n).unwrap_or(u32::MAX)
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
        let got = centres(cells.len(), |i| cells[i].cell);
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
        assert_eq!(one.install(|| centres(cells.len(), |i| cells[i].cell)), got);
    }
}
