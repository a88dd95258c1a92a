//! Tile addresses: [`TileCoord`], checked on construction, and its box in lon/lat and in
//! the Web Mercator unit square.

use thiserror::Error;

use crate::projection::{mercator, unit_x_to_lon, unit_y_to_lat};
use crate::{BUFFER, EXTENT, MAX_ZOOM};

/// An axis of the tile grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Columns, counted east from the antimeridian.
    X,
    /// Rows, counted south from the top of the world.
    Y,
}

impl Axis {
    /// `"x"` or `"y"`.
    ///
    /// ```
    /// assert_eq!(hexspot_tiles::Axis::Y.name(), "y");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X => "x",
            Self::Y => "y",
        }
    }
}

impl std::fmt::Display for Axis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A tile address that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TileCoordError {
    /// Deeper than [`MAX_ZOOM`].
    #[error("zoom {z} is beyond the deepest zoom, {MAX_ZOOM}")]
    Zoom {
        /// as given
        z: u8,
    },
    /// A column or row outside its zoom's grid (0 to 2^z − 1).
    #[error("tile {axis} = {value} is outside zoom {z}, where it must be below {}", 1u64 << z)]
    Outside {
        /// the axis
        axis: Axis,
        /// as given
        value: u32,
        /// the zoom
        z: u8,
    },
}

/// A valid XYZ tile address: zoom `z` ≤ [`MAX_ZOOM`], column `x` and row `y` below 2^z,
/// rows counted down from the north (as in web maps). Only made by
/// [`TileCoord::new_checked`] and [`TileCoord::containing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileCoord {
    z: u8,
    x: u32,
    y: u32,
}

impl TileCoord {
    /// The tile at zoom `z`, column `x`, row `y`.
    ///
    /// # Errors
    /// [`TileCoordError::Zoom`] when `z` > [`MAX_ZOOM`], else
    /// [`TileCoordError::Outside`] when `x` (checked first) or `y` is 2^z or more.
    ///
    /// ```
    /// use hexspot_tiles::{Axis, TileCoord, TileCoordError};
    /// let t = TileCoord::new_checked(3, 2, 1)?;
    /// assert_eq!(t.to_string(), "3/2/1");
    /// assert_eq!(
    ///     TileCoord::new_checked(3, 0, 8),
    ///     Err(TileCoordError::Outside { axis: Axis::Y, value: 8, z: 3 })
    /// );
    /// # Ok::<(), TileCoordError>(())
    /// ```
    pub fn new_checked(z: u8, x: u32, y: u32) -> Result<Self, TileCoordError> {
        if z > MAX_ZOOM {
            return Err(TileCoordError::Zoom { z });
        }
        for (axis, value) in [(Axis::X, x), (Axis::Y, y)] {
            if u64::from(value) >= 1u64 << z {
                return Err(TileCoordError::Outside { axis, value, z });
            }
        }
        Ok(Self { z, x, y })
    }

    /// The tile at zoom `z` holding the point (`lon`, `lat`) in degrees. A point on a
    /// tile edge belongs to the tile east or south of it, except on the grid's own
    /// east and south edges; latitudes beyond Web Mercator's edge and longitudes
    /// beyond ±180° fall in the edge tiles. `None` when `z` > [`MAX_ZOOM`] or the
    /// point is not a pair of finite numbers.
    ///
    /// ```
    /// use hexspot_tiles::TileCoord;
    /// // Leeds city centre
    /// let t = TileCoord::containing(12, -1.545, 53.797).unwrap();
    /// assert_eq!((t.x(), t.y()), (2030, 1319));
    /// assert_eq!(TileCoord::containing(12, f64::NAN, 53.797), None);
    /// ```
    #[must_use]
    pub fn containing(z: u8, lon: f64, lat: f64) -> Option<Self> {
        if z > MAX_ZOOM || !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let n = f64::from(1u32 << z);
        let [ux, uy] = mercator(lon.clamp(-180.0, 180.0), lat);
        let last = (1u32 << z) - 1;
        // finite, and clamped into 0..2^z below
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let cell = |u: f64| ((u * n).floor().max(0.0) as u32).min(last);
        Some(Self {
            z,
            x: cell(ux),
            y: cell(uy),
        })
    }

    /// Zoom.
    #[must_use]
    pub fn z(self) -> u8 {
        self.z
    }

    /// Column, from the antimeridian eastwards.
    #[must_use]
    pub fn x(self) -> u32 {
        self.x
    }

    /// Row, from the north southwards.
    #[must_use]
    pub fn y(self) -> u32 {
        self.y
    }

    /// The tile's box in the Web Mercator unit square: `[x0, y0, x1, y1]`, y growing
    /// southwards.
    ///
    /// ```
    /// use hexspot_tiles::TileCoord;
    /// let t = TileCoord::new_checked(1, 1, 0)?;
    /// assert_eq!(t.unit_bounds(), [0.5, 0.0, 1.0, 0.5]);
    /// # Ok::<(), hexspot_tiles::TileCoordError>(())
    /// ```
    #[must_use]
    pub fn unit_bounds(self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        [x / n, y / n, (x + 1.0) / n, (y + 1.0) / n]
    }

    /// [`unit_bounds`](Self::unit_bounds) grown by [`BUFFER`] tile units on every side:
    /// everything that may be drawn in the tile lies inside.
    ///
    /// ```
    /// use hexspot_tiles::TileCoord;
    /// let b = TileCoord::new_checked(0, 0, 0)?.buffered_unit_bounds();
    /// assert_eq!(b, [-1.0 / 64.0, -1.0 / 64.0, 1.0 + 1.0 / 64.0, 1.0 + 1.0 / 64.0]);
    /// # Ok::<(), hexspot_tiles::TileCoordError>(())
    /// ```
    #[must_use]
    pub fn buffered_unit_bounds(self) -> [f64; 4] {
        let b = self.unit_bounds();
        let pad = (b[2] - b[0]) * f64::from(BUFFER) / f64::from(EXTENT);
        [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]
    }

    /// The tile's box in degrees: `[west, south, east, north]`.
    ///
    /// ```
    /// use hexspot_tiles::TileCoord;
    /// let [w, s, e, n] = TileCoord::new_checked(1, 0, 0)?.bbox();
    /// assert_eq!([w, s, e], [-180.0, 0.0, 0.0]);
    /// assert!((n - 85.051_128_78).abs() < 1e-8);
    /// # Ok::<(), hexspot_tiles::TileCoordError>(())
    /// ```
    #[must_use]
    pub fn bbox(self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.unit_bounds();
        [
            unit_x_to_lon(x0),
            unit_y_to_lat(y1),
            unit_x_to_lon(x1),
            unit_y_to_lat(y0),
        ]
    }
}

impl std::fmt::Display for TileCoord {
    /// `z/x/y`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}
