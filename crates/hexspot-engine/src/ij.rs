//! The study region in H3 local IJ coordinates, on a sparse grid of dense tiles.
//!
//! When every cell involved lies in one non-pentagon base cell (true of any one UK
//! police force's data), H3's local IJ coordinates around an anchor form a planar hex
//! lattice: the k-ring of (i, j) is (i, j) plus fixed offsets. Neighbour lookups then hit
//! a 64 × 64 tile in cache instead of a large hash table (or, for kernel density, one
//! dense rectangle), and no k-ring is ever built.
//! Anything else falls back to the hash-based path; both give identical results.

use h3o::{CellIndex, CoordIJ, LocalIJ};
use rustc_hash::FxHashMap;

const TILE_BITS: i32 = 6;
const TILE: i32 = 1 << TILE_BITS;
const EMPTY: u32 = u32::MAX;

/// The offsets (di, dj) of the k-ring in H3 local IJ coordinates: hex distance ≤ k where
/// the six unit steps are (±1, 0), (0, ±1), ±(1, 1).
pub(crate) fn ring_offsets(k: u32) -> Vec<(i32, i32)> {
    let k = k as i32;
    let mut v = Vec::new();
    for di in -k..=k {
        for dj in -k..=k {
            let d = if (di >= 0) == (dj >= 0) {
                di.abs().max(dj.abs())
            } else {
                di.abs() + dj.abs()
            };
            if d <= k {
                v.push((di, dj));
            }
        }
    }
    v
}

/// The k-ring's offsets row by row: for each di in −k..=k, ascending, the dj interval
/// `lo..=hi`. Read row by row, dj ascending, they are [`ring_offsets`] in its order.
pub(crate) fn ring_rows(k: u32) -> Vec<(i32, i32, i32)> {
    let k = k as i32;
    (-k..=k)
        .map(|di| {
            if di >= 0 {
                (di, di - k, k)
            } else {
                (di, -k, k + di)
            }
        })
        .collect()
}

/// A value per (i, j) over one rectangle of IJ coordinates, stored densely row by row
/// (row = i): a lookup is an index, and a run of j in one row is a slice.
pub(crate) struct DenseGrid {
    i0: i32,
    j0: i32,
    width: usize,
    height: usize,
    slots: Vec<u32>,
}

impl DenseGrid {
    /// An empty grid over `i ∈ i_range`, `j ∈ j_range` (inclusive); `None` when it
    /// would hold more than `max_slots` slots.
    pub(crate) fn new(
        (i_lo, i_hi): (i32, i32),
        (j_lo, j_hi): (i32, i32),
        max_slots: usize,
    ) -> Option<Self> {
        let height = usize::try_from(i64::from(i_hi) - i64::from(i_lo) + 1).ok()?;
        let width = usize::try_from(i64::from(j_hi) - i64::from(j_lo) + 1).ok()?;
        if width.checked_mul(height)? > max_slots {
            return None;
        }
        Some(Self {
            i0: i_lo,
            j0: j_lo,
            width,
            height,
            slots: vec![EMPTY; width * height],
        })
    }

    /// The rows' i, ascending.
    pub(crate) fn rows(&self) -> std::ops::Range<i32> {
        self.i0..self.i0 + self.height as i32
    }

    /// The first column's j and the number of columns.
    pub(crate) fn columns(&self) -> (i32, usize) {
        (self.j0, self.width)
    }

    fn index(&self, i: i32, j: i32) -> Option<usize> {
        let r = usize::try_from(i64::from(i) - i64::from(self.i0)).ok()?;
        let c = usize::try_from(i64::from(j) - i64::from(self.j0)).ok()?;
        (r < self.height && c < self.width).then_some(r * self.width + c)
    }

    /// Sets the value at (i, j), which must lie in the grid.
    pub(crate) fn set(&mut self, i: i32, j: i32, v: u32) {
        let at = self.index(i, j).expect("(i, j) lies in the grid");
        self.slots[at] = v;
    }

    /// The value at (i, j), if any.
    #[inline]
    pub(crate) fn get(&self, i: i32, j: i32) -> Option<u32> {
        let v = self.slots[self.index(i, j)?];
        (v != EMPTY).then_some(v)
    }

    /// The slots of row i over `j_lo..=j_hi`, cut to the grid; [`DenseGrid::EMPTY`]
    /// marks a slot with no value.
    #[inline]
    pub(crate) fn row(&self, i: i32, j_lo: i32, j_hi: i32) -> &[u32] {
        let Ok(r) = usize::try_from(i64::from(i) - i64::from(self.i0)) else {
            return &[];
        };
        if r >= self.height {
            return &[];
        }
        let lo = (i64::from(j_lo) - i64::from(self.j0)).max(0);
        let hi = (i64::from(j_hi) - i64::from(self.j0) + 1).min(self.width as i64);
        if lo >= hi {
            return &[];
        }
        let base = r * self.width;
        &self.slots[base + lo as usize..base + hi as usize]
    }

    /// Replaces each value by its rank in row-major order (0, 1, …) and returns the
    /// values in that order.
    pub(crate) fn renumber(&mut self) -> Vec<u32> {
        let mut old = Vec::new();
        for v in self.slots.iter_mut().filter(|v| **v != EMPTY) {
            old.push(*v);
            *v = (old.len() - 1) as u32;
        }
        old
    }

    /// The marker of an empty slot in [`DenseGrid::row`].
    pub(crate) const EMPTY: u32 = EMPTY;
}

/// Region index per (i, j), stored in 64 × 64 tiles.
pub(crate) struct TileGrid {
    tiles: FxHashMap<u64, u32>,
    slots: Vec<[u32; (TILE * TILE) as usize]>,
    /// The last tile looked up, `(key, tile)`. An `Option`: every u64 is a possible key
    /// (tile (−1, −1) is `u64::MAX`), so no key can stand for "none yet".
    last: Option<(u64, u32)>,
}

fn tile_key(i: i32, j: i32) -> u64 {
    (u64::from((i >> TILE_BITS) as u32) << 32) | u64::from((j >> TILE_BITS) as u32)
}

fn slot(i: i32, j: i32) -> usize {
    (((i & (TILE - 1)) << TILE_BITS) | (j & (TILE - 1))) as usize
}

impl TileGrid {
    pub(crate) fn new() -> Self {
        Self {
            tiles: FxHashMap::default(),
            slots: Vec::new(),
            last: None,
        }
    }

    #[inline]
    fn tile(&mut self, i: i32, j: i32, create: bool) -> Option<u32> {
        let key = tile_key(i, j);
        if let Some((k, t)) = self.last
            && k == key
        {
            return Some(t);
        }
        let t = match self.tiles.get(&key) {
            Some(&t) => t,
            None if create => {
                let t = self.slots.len() as u32;
                self.slots.push([EMPTY; (TILE * TILE) as usize]);
                self.tiles.insert(key, t);
                t
            }
            None => return None,
        };
        self.last = Some((key, t));
        Some(t)
    }

    /// The region index at (i, j), if any.
    #[inline]
    pub(crate) fn get(&mut self, i: i32, j: i32) -> Option<u32> {
        let t = self.tile(i, j, false)?;
        let v = self.slots[t as usize][slot(i, j)];
        (v != EMPTY).then_some(v)
    }

    /// The region index at (i, j), giving it `next()` if it has none.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, i: i32, j: i32, next: impl FnOnce() -> u32) -> u32 {
        let t = self.tile(i, j, true).expect("created") as usize;
        let s = &mut self.slots[t][slot(i, j)];
        if *s == EMPTY {
            *s = next();
        }
        *s
    }
}

/// A local IJ frame: the anchor and its base cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    anchor: CellIndex,
}

impl Frame {
    /// A frame for cells that all share `anchor`'s base cell, if it is not a pentagon.
    pub(crate) fn new(anchor: CellIndex) -> Option<Self> {
        (!anchor.base_cell().is_pentagon()).then_some(Self { anchor })
    }

    /// The IJ coordinates of a cell in the anchor's base cell; `None` otherwise.
    #[inline]
    pub(crate) fn ij(&self, cell: CellIndex) -> Option<(i32, i32)> {
        if cell.base_cell() != self.anchor.base_cell() {
            return None;
        }
        cell.to_local_ij(self.anchor)
            .ok()
            .map(|l| (l.coord.i, l.coord.j))
    }

    /// The cell at (i, j).
    pub(crate) fn cell(&self, (i, j): (i32, i32)) -> Option<CellIndex> {
        CellIndex::try_from(LocalIJ::new(self.anchor, CoordIJ::new(i, j))).ok()
    }
}

#[cfg(test)]
#[path = "ij_tests.rs"]
mod tests;
