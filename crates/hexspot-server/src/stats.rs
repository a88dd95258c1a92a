//! A query's statistics for every cell of its study region, computed once and shared by
//! every tile, `/api/v1/cells` and `/api/v1/hotspots` answer for that query.

use h3o::CellIndex;
use hexspot_engine::{
    BBox, Cancel, CellStat, EmergingCell, EmergingQuery, EmergingResult, HarmTable, HotspotQuery,
    HotspotResult, IncidentTable, KdeCell, KdeQuery, KdeResult, Limit, QueryError, Resolution,
    SpaceTimeError, emerging_cancellable, hotspots_cancellable, kde_cancellable,
};
use rayon::prelude::*;

/// Metres around the equator of the WGS84 ellipsoid (Web Mercator's sphere).
const EARTH_CIRCUMFERENCE_M: f64 = 2.0 * std::f64::consts::PI * 6_378_137.0;

pub use hexspot_tiles::{mercator, unit_y_to_lat};

/// Cell centres in the unit square, in the cells' order; on every core (finding a
/// centre is most of the cost of indexing a fine resolution).
fn centres(n: usize, cell: impl Fn(usize) -> CellIndex + Sync) -> Vec<[f64; 2]> {
    (0..n)
        .into_par_iter()
        // a centre takes well under a microsecond: not worth a task below this many
        .with_min_len(4096)
        .map(|i| {
            let ll = h3o::LatLng::from(cell(i));
            mercator(ll.lng(), ll.lat())
        })
        .collect()
}

/// A spatial index of one resolution's cells by their centres, answering with the
/// cells' positions in the list it was built from: the centres counted into the
/// buckets of a uniform grid over their box, about four a bucket, and a query tests
/// the centres of the buckets its box overlaps. Building it is one pass over the
/// centres; an R-tree took about as long again as finding them.
#[derive(Debug)]
pub struct CentreIndex {
    /// The grid's west and north edges (unit square, y grows southwards).
    origin: [f64; 2],
    /// Buckets per unit-square unit, across and down.
    scale: [f64; 2],
    /// Buckets across and down.
    size: [usize; 2],
    /// Where each bucket's entries start in `entries` (row by row), and the end.
    start: Vec<u32>,
    /// Each cell's centre and position, bucket by bucket.
    entries: Vec<([f64; 2], u32)>,
    /// A cell's vertices lie within this distance of its centre.
    radius_m: f64,
}

impl CentreIndex {
    /// Indexes `n` cells at `res`, the `i`-th being `cell(i)`.
    ///
    /// # Panics
    /// With 2^32 cells or more.
    #[must_use]
    pub fn build(n: usize, cell: impl Fn(usize) -> CellIndex + Sync, res: Resolution) -> Self {
        assert!(u32::try_from(n).is_ok(), "fewer than 2^32 cells");
        let at = centres(n, cell);
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in &at {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        // about four centres a bucket, the buckets as square as the box allows
        let buckets = (n / 4).max(1) as f64;
        let (w, h) = ((hi[0] - lo[0]).max(0.0), (hi[1] - lo[1]).max(0.0));
        let across = if w > 0.0 && h > 0.0 {
            (buckets * w / h).sqrt().ceil().min(buckets)
        } else if w > 0.0 {
            buckets
        } else {
            1.0
        };
        let down = if h > 0.0 {
            (buckets / across).ceil().max(1.0)
        } else {
            1.0
        };
        let size = [across as usize, down as usize];
        let scale = [
            if w > 0.0 { across / w } else { 0.0 },
            if h > 0.0 { down / h } else { 0.0 },
        ];
        let mut index = Self {
            origin: if n == 0 { [0.0; 2] } else { lo },
            scale,
            size,
            start: vec![0; size[0] * size[1] + 1],
            entries: Vec::new(),
            radius_m: 2.0 * res.h3().edge_length_m(),
        };
        // counted into their buckets, in the cells' order within each
        let bucket: Vec<u32> = at.iter().map(|&p| index.bucket(p) as u32).collect();
        for &b in &bucket {
            index.start[b as usize + 1] += 1;
        }
        for b in 0..size[0] * size[1] {
            index.start[b + 1] += index.start[b];
        }
        let mut next = index.start.clone();
        index.entries = vec![([0.0; 2], 0); n];
        for (i, (&p, &b)) in at.iter().zip(&bucket).enumerate() {
            let slot = &mut next[b as usize];
            index.entries[*slot as usize] = (p, i as u32);
            *slot += 1;
        }
        index
    }

    /// A coordinate's bucket column (d = 0) or row (d = 1), clamped to the grid: a
    /// monotone function of the coordinate, so a box's buckets lie between its corners'.
    #[inline]
    fn step(&self, v: f64, d: usize) -> usize {
        let k = ((v - self.origin[d]) * self.scale[d]).floor();
        if k >= 0.0 {
            (k as usize).min(self.size[d] - 1)
        } else {
            0
        }
    }

    fn bucket(&self, p: [f64; 2]) -> usize {
        self.step(p[1], 1) * self.size[0] + self.step(p[0], 0)
    }

    /// Positions of the cells whose centre lies in the box from `lo` to `hi` (edges
    /// included), in no order.
    fn within(&self, lo: [f64; 2], hi: [f64; 2]) -> Vec<usize> {
        let mut out = Vec::new();
        if self.entries.is_empty() || !(lo[0] <= hi[0] && lo[1] <= hi[1]) {
            return out;
        }
        let (c0, c1) = (self.step(lo[0], 0), self.step(hi[0], 0));
        for r in self.step(lo[1], 1)..=self.step(hi[1], 1) {
            let row = r * self.size[0];
            let span = self.start[row + c0] as usize..self.start[row + c1 + 1] as usize;
            out.extend(
                self.entries[span]
                    .iter()
                    .filter(|(p, _)| {
                        lo[0] <= p[0] && p[0] <= hi[0] && lo[1] <= p[1] && p[1] <= hi[1]
                    })
                    .map(|&(_, i)| i as usize),
            );
        }
        out
    }

    /// Bytes the index holds.
    #[must_use]
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.entries.as_slice())
            + std::mem::size_of_val(self.start.as_slice())
    }

    /// Positions of the cells whose hexagon may reach into the unit-square box
    /// `[x0, y0, x1, y1]` (every cell that does, and some near it), in no order.
    #[must_use]
    pub fn near(&self, b: [f64; 4]) -> Vec<usize> {
        // the unit square's scale grows as 1/cos(latitude): pad by the widest
        let worst_lat = unit_y_to_lat(b[1]).abs().max(unit_y_to_lat(b[3]).abs());
        let pad = self.radius_m / (EARTH_CIRCUMFERENCE_M * worst_lat.to_radians().cos());
        let (a, c) = ([b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]);
        self.within(
            [a[0].min(c[0]), a[1].min(c[1])],
            [a[0].max(c[0]), a[1].max(c[1])],
        )
    }

    /// Positions of the cells whose centre lies inside `bbox`, ascending.
    #[must_use]
    pub fn inside(&self, bbox: BBox) -> Vec<usize> {
        let [w, s, e, n] = bbox.to_array();
        let (a, b) = (mercator(w, n), mercator(e, s));
        let mut idx = self.within(
            [a[0].min(b[0]), a[1].min(b[1])],
            [a[0].max(b[0]), a[1].max(b[1])],
        );
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
        let result = kde_cancellable(table, query, harm, cancel)?;
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
        for (p, c) in got.iter().zip(&cells) {
            let ll = h3o::LatLng::from(c.cell);
            assert_eq!(*p, mercator(ll.lng(), ll.lat()));
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(one.install(|| centres(cells.len(), |i| cells[i].cell)), got);
    }

    /// Every cell whose centre lies in the box, by looking at each: what `near` and
    /// `inside` must answer.
    fn brute(at: &[[f64; 2]], lo: [f64; 2], hi: [f64; 2]) -> Vec<usize> {
        (0..at.len())
            .filter(|&i| {
                let p = at[i];
                lo[0] <= p[0] && p[0] <= hi[0] && lo[1] <= p[1] && p[1] <= hi[1]
            })
            .collect()
    }

    #[test]
    fn the_grid_finds_exactly_the_centres_in_a_box() {
        let origin = h3o::LatLng::new(53.8, -1.55)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        let res = Resolution::try_from(9).unwrap();
        let disk: Vec<CellIndex> = origin.grid_disk::<Vec<_>>(40);
        // all of them, a line of them (a box of no height), one, none
        let line: Vec<CellIndex> = (0..30).map(|i| disk[i * 7]).collect();
        for cells in [&disk[..], &line[..], &disk[..1], &[][..]] {
            let index = CentreIndex::build(cells.len(), |i| cells[i], res);
            let at = centres(cells.len(), |i| cells[i]);
            let mut s = 11u64;
            let mut next = || {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            };
            let [x, y] = mercator(-1.55, 53.8);
            for k in 0..300 {
                // boxes around the cells, beyond them, and one on a centre exactly
                let w = 4e-4 * next() * f64::from(1 + k % 5);
                let (x0, y0) = (x - 3e-4 + 6e-4 * next(), y - 3e-4 + 6e-4 * next());
                let b = if k == 0 && !at.is_empty() {
                    [at[0][0], at[0][1], at[0][0], at[0][1]]
                } else {
                    [x0 - w, y0 - w / 2.0, x0 + w, y0 + w / 2.0]
                };
                let mut got = index.near(b);
                got.sort_unstable();
                let lat = unit_y_to_lat(b[1]).abs().max(unit_y_to_lat(b[3]).abs());
                let pad = index.radius_m / (EARTH_CIRCUMFERENCE_M * lat.to_radians().cos());
                let want = brute(&at, [b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]);
                assert_eq!(got, want, "near {b:?}");
                if b[0] == b[2] {
                    continue;
                }
                let ll = |x: f64, y: f64| (hexspot_tiles::unit_x_to_lon(x), unit_y_to_lat(y));
                let ((w_, n_), (e_, s_)) = (ll(b[0], b[1]), ll(b[2], b[3]));
                let bbox = BBox::new(w_, s_, e_, n_).unwrap();
                let (a, c) = (mercator(w_, n_), mercator(e_, s_));
                assert_eq!(index.inside(bbox), brute(&at, a, c), "inside {bbox:?}");
            }
        }
    }
}
