//! Rings in tile coordinates: projected from lon/lat, clipped to the tile and its
//! buffer, rounded to the integer grid and wound as MVT 2.1 wants.

use crate::clip::{area2, clip};
use crate::projection::mercator;
use crate::{BUFFER, EXTENT, TileCoord};

/// Maps the Web Mercator unit square onto one tile's coordinates (0 to [`EXTENT`]
/// across the tile, y down).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TileFrame {
    origin: [f64; 2],
    scale: f64,
}

impl TileFrame {
    pub(crate) fn new(tile: TileCoord) -> Self {
        let b = tile.unit_bounds();
        Self {
            origin: [b[0], b[1]],
            scale: f64::from(EXTENT) / (b[2] - b[0]),
        }
    }

    /// (`lon`, `lat`) in tile coordinates (not rounded, not clipped).
    #[inline]
    fn project(self, [lon, lat]: [f64; 2]) -> [f64; 2] {
        let [x, y] = mercator(lon, lat);
        [
            (x - self.origin[0]) * self.scale,
            (y - self.origin[1]) * self.scale,
        ]
    }
}

/// Working space for one ring at a time, reused from ring to ring.
#[derive(Debug, Default)]
pub(crate) struct RingBuf {
    ring: Vec<[f64; 2]>,
    other: Vec<[f64; 2]>,
    /// The last ring made by [`RingBuf::tile_ring`].
    pub(crate) pts: Vec<[i32; 2]>,
}

impl RingBuf {
    /// Projects `ring` (lon/lat, closed or not) into `frame`, clips it to the tile and
    /// its buffer and rounds it into [`RingBuf::pts`]: consecutive repeats dropped, not
    /// closed, wound as MVT 2.1 wants — an exterior ring with positive area in tile
    /// coordinates (clockwise, y down), a hole (`exterior` false) negative — whichever
    /// way it was given. False when nothing with an area is left.
    pub(crate) fn tile_ring(
        &mut self,
        frame: TileFrame,
        ring: impl IntoIterator<Item = [f64; 2]>,
        exterior: bool,
    ) -> bool {
        self.ring.clear();
        self.ring.extend(ring.into_iter().map(|p| frame.project(p)));
        let b = f64::from(BUFFER);
        clip(&mut self.ring, &mut self.other, -b, f64::from(EXTENT) + b);
        let pts = &mut self.pts;
        pts.clear();
        for p in &self.ring {
            // within ±(EXTENT + BUFFER) after clipping
            #[allow(clippy::cast_possible_truncation)]
            let q = [p[0].round() as i32, p[1].round() as i32];
            if pts.last() != Some(&q) {
                pts.push(q);
            }
        }
        while pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        let a = area2(pts);
        if pts.len() < 3 || a == 0 {
            return false;
        }
        if (a < 0) == exterior {
            pts.reverse();
        }
        true
    }
}

#[cfg(test)]
#[path = "ring_tests.rs"]
mod tests;
