//! The study region in H3 local IJ coordinates, on a sparse grid of dense tiles.
//!
//! When every cell involved lies in one non-pentagon base cell (true of any one UK
//! police force's data), H3's local IJ coordinates around an anchor form a planar hex
//! lattice: the k-ring of (i, j) is (i, j) plus fixed offsets. Neighbour lookups then hit
//! a 64 × 64 tile in cache instead of a large hash table, and no k-ring is ever built.
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

    /// The region index at (i, j), if any, with the caller's own lookup cache (so
    /// threads can share one grid).
    #[inline]
    pub(crate) fn peek(&self, i: i32, j: i32, last: &mut Option<(u64, u32)>) -> Option<u32> {
        let key = tile_key(i, j);
        let t = match *last {
            Some((k, t)) if k == key => t,
            _ => {
                let t = *self.tiles.get(&key)?;
                *last = Some((key, t));
                t
            }
        };
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
#[derive(Clone, Copy)]
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
