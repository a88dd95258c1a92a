//! Pure vector-tile maths: tile addresses ([`TileCoord`], checked when made), Web
//! Mercator ([`mercator`]), and Mapbox Vector Tile 2.1 layers of polygons
//! ([`LayerBuilder`]) — clipped to the tile and its buffer, wound as the spec requires,
//! their geometry commands written per the spec and their messages geozero's.
//!
//! It is fed geometry (lon/lat rings such as H3 cell boundaries, or [`geo`]
//! multipolygons) and properties (geozero's [`TileValue`]) and returns encoded tiles.
//! No I/O, no HTTP, and no analysis types: what a feature means is its caller's
//! business.
//!
//! ```
//! use geozero::mvt::TileValue;
//! use hexspot_tiles::{LayerBuilder, TileCoord};
//!
//! let tile = TileCoord::new_checked(0, 0, 0)?;
//! let mut layer = LayerBuilder::new("squares", tile);
//! let square = [[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]];
//! layer.add_ring(square, [("name", TileValue::Str("origin".into()))]);
//! assert!(layer.encode().is_some());
//! # Ok::<(), hexspot_tiles::TileCoordError>(())
//! ```

mod clip;
mod commands;
mod coord;
mod layer;
mod projection;
mod ring;

pub use coord::{Axis, TileCoord, TileCoordError};
pub use geozero::mvt::TileValue;
pub use layer::{LayerBuilder, ValueReuse};
pub use projection::{MAX_LATITUDE, mercator, unit_x_to_lon, unit_y_to_lat};

/// Tile coordinate space: a tile is `EXTENT` units across.
pub const EXTENT: u32 = 4096;

/// Geometry kept beyond each tile edge, in tile units, so strokes join across tiles.
pub const BUFFER: u32 = 64;

/// The deepest zoom addressed: at 22 a tile is under 10 m across, and a tile unit a
/// few millimetres.
pub const MAX_ZOOM: u8 = 22;
