//! A table's distinct points at one resolution, laid out once for kernel densities.
//!
//! Every density query at a resolution needs the same things of the data before its
//! filter is applied: each cell's local-IJ coordinates and centre, and each distinct
//! point (a position shared by several incidents is one point) as a unit vector, its
//! rows, and the order of cells row by row on the IJ grid. They are computed on first
//! use and kept with the table, like its cell columns ([`IncidentTable::points_at`]);
//! a query then only weighs the rows its filter selects and gathers its points in grid
//! order, with no sorting, no trigonometry and no H3 conversion (see
//! [`crate::kde`]).
//!
//! Only data whose cells all fit one local-IJ frame (one non-pentagon base cell, as
//! any one force's data does) have an index; elsewhere the density takes its general
//! path.

use h3o::{CellIndex, LatLng};
use rayon::prelude::*;

use crate::ij::Frame;
use crate::study_region::cell as valid;
use crate::table::IncidentTable;
use crate::types::Resolution;

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct PointIndex {
    /// The frame every cell fits in, anchored at the table's first cell.
    pub(crate) frame: Frame,
    /// Per rank (the table's cells in grid order: by i, then j): its slot (position in
    /// the cell column's cells).
    pub(crate) slot: Vec<u32>,
    /// Per rank: its IJ coordinates.
    pub(crate) ij: Vec<(i32, i32)>,
    /// Per rank: its centre's unit vector.
    pub(crate) centre: Vec<[f64; 3]>,
    /// Per rank, its first point; one past the last rank's last point at the end.
    pub(crate) point_start: Vec<u32>,
    /// Per point (in rank order): its unit vector, by coordinate.
    pub(crate) x: Vec<f64>,
    /// See `x`.
    pub(crate) y: Vec<f64>,
    /// See `x`.
    pub(crate) z: Vec<f64>,
    /// Per point, its first entry in `rows`; one past the last point's at the end.
    pub(crate) row_start: Vec<u32>,
    /// Each point's rows, ascending.
    pub(crate) rows: Vec<u32>,
}

/// The unit vector of a position in degrees.
pub(crate) fn unit(lon: f64, lat: f64) -> [f64; 3] {
    let (p, l) = (lat.to_radians(), lon.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

/// The unit vector of a cell's centre.
pub(crate) fn centre(cell: CellIndex) -> [f64; 3] {
    let ll = LatLng::from(cell);
    unit(ll.lng(), ll.lat())
}

impl PointIndex {
    /// The index of `table` at `res`; `None` when its cells do not fit one frame.
    pub(crate) fn build(table: &IncidentTable, res: Resolution) -> Option<Self> {
        let col = table.cells_at(res);
        let cells = col.cells();
        let frame = Frame::new(valid(*cells.first()?))?;
        let ij_of_slot: Vec<(i32, i32)> = cells
            .par_iter()
            .map(|&c| frame.ij(valid(c)))
            .collect::<Option<_>>()?;
        let mut slot: Vec<u32> = (0..cells.len() as u32).collect();
        slot.par_sort_unstable_by_key(|&s| ij_of_slot[s as usize]);
        let mut rank = vec![0u32; cells.len()];
        for (r, &s) in slot.iter().enumerate() {
            rank[s as usize] = r as u32;
        }
        // the rows by rank (a counting sort: rows stay ascending), each rank's rows then
        // sorted by position (stably) so that each point's rows are a run
        let slots = col.slots();
        let mut start = vec![0u32; cells.len() + 1];
        for &s in slots {
            start[rank[s as usize] as usize + 1] += 1;
        }
        for r in 0..cells.len() {
            start[r + 1] += start[r];
        }
        let mut rows = vec![0u32; slots.len()];
        let mut next = start.clone();
        for (i, &s) in slots.iter().enumerate() {
            let r = rank[s as usize] as usize;
            rows[next[r] as usize] = i as u32;
            next[r] += 1;
        }
        drop(next);
        let key = |&i: &u32| {
            (
                table.lon[i as usize].to_bits(),
                table.lat[i as usize].to_bits(),
            )
        };
        rows.par_chunk_by_mut(|&a, &b| {
            rank[slots[a as usize] as usize] == rank[slots[b as usize] as usize]
        })
        .for_each(|run| run.sort_by_key(key));
        // the points: a run of rows at one position in one cell
        let mut point_start = Vec::with_capacity(cells.len() + 1);
        let mut row_start: Vec<u32> = Vec::new();
        for r in 0..cells.len() {
            point_start.push(row_start.len() as u32);
            let run = start[r] as usize..start[r + 1] as usize;
            for at in run.clone() {
                if at == run.start || key(&rows[at]) != key(&rows[at - 1]) {
                    row_start.push(at as u32);
                }
            }
        }
        point_start.push(row_start.len() as u32);
        let units: Vec<[f64; 3]> = row_start
            .par_iter()
            .map(|&at| {
                let i = rows[at as usize] as usize;
                unit(table.lon[i], table.lat[i])
            })
            .collect();
        row_start.push(rows.len() as u32);
        Some(Self {
            frame,
            ij: slot.iter().map(|&s| ij_of_slot[s as usize]).collect(),
            centre: slot
                .par_iter()
                .map(|&s| centre(valid(cells[s as usize])))
                .collect(),
            slot,
            point_start,
            x: units.iter().map(|u| u[0]).collect(),
            y: units.iter().map(|u| u[1]).collect(),
            z: units.iter().map(|u| u[2]).collect(),
            row_start,
            rows,
        })
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        fn b<T>(v: &[T]) -> usize {
            std::mem::size_of_val(v)
        }
        b(&self.slot)
            + b(&self.ij)
            + b(&self.centre)
            + b(&self.point_start)
            + b(&self.x)
            + b(&self.y)
            + b(&self.z)
            + b(&self.row_start)
            + b(&self.rows)
    }
}
