//! The server's vector tiles (Mapbox Vector Tiles 2.1): tile addresses from URL path
//! segments, the zoom → resolution table, and the adapter that feeds a query's cells
//! and a set's areas — as plain geometry and properties — to the pure tile crate,
//! [`hexspot_tiles`], which does the tile maths, clipping and encoding.

use h3o::CellIndex;
use hexspot_engine::{CellStat, EmergingCell, KdeCell, Resolution, SliceState};
use hexspot_export::CELL_PROPERTIES;
use hexspot_tiles::{Axis, LayerBuilder, TileCoord, TileCoordError, TileValue, ValueReuse};
use thiserror::Error;

use crate::stats::{EmergingStats, KdeStats, QueryStats};

pub use hexspot_tiles::{BUFFER, EXTENT, MAX_ZOOM};

/// The zoom from which the resolution table gives its finest resolution.
pub const TABLE_MAX_ZOOM: u8 = 15;
/// Most cells one tile may hold; more is refused (zoom in or choose a coarser `res`).
pub const MAX_CELLS: usize = 50_000;
/// The layer name.
pub const LAYER: &str = "cells";

/// A tile that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TileError {
    /// Not a whole number.
    #[error("tile {name} {value:?} is not a whole number ≥ 0")]
    NotANumber {
        /// `z`, `x` or `y`
        name: &'static str,
        /// as given
        value: String,
    },
    /// Zoom out of range.
    #[error("zoom {0} is out of range: tiles are served at zoom 0 to {MAX_ZOOM}")]
    Zoom(u64),
    /// x or y outside the zoom's grid.
    #[error("tile {name} = {value} is outside zoom {z}, where it must be below {limit}")]
    Outside {
        /// `x` or `y`
        name: &'static str,
        /// as given
        value: u64,
        /// the zoom
        z: u8,
        /// 2^z
        limit: u64,
    },
    /// Too many cells for one tile.
    #[error(
        "tile {z}/{x}/{y} would hold {cells} cells at resolution {res} (at most {MAX_CELLS}): zoom in or choose a coarser res"
    )]
    TooManyCells {
        /// zoom
        z: u8,
        /// column
        x: u32,
        /// row
        y: u32,
        /// cells found
        cells: usize,
        /// resolution
        res: u8,
    },
}

/// A valid XYZ tile address (y down from the north, as in web maps), as the routes
/// take it: a [`TileCoord`] made from numbers or path segments as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId(TileCoord);

impl TileId {
    /// # Errors
    /// [`TileError`] when z > [`MAX_ZOOM`] or x, y ≥ 2^z.
    pub fn new(z: u64, x: u64, y: u64) -> Result<Self, TileError> {
        let zoom = u8::try_from(z).map_err(|_| TileError::Zoom(z))?;
        // beyond u32, a number is outside every zoom's grid: saturate, so the check
        // refuses it, and report it as given
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        TileCoord::new_checked(zoom, narrow(x), narrow(y))
            .map(Self)
            .map_err(|e| match e {
                TileCoordError::Outside { axis, .. } => TileError::Outside {
                    name: axis.name(),
                    value: if axis == Axis::X { x } else { y },
                    z: zoom,
                    limit: 1u64 << zoom,
                },
                TileCoordError::Zoom { .. } => TileError::Zoom(z),
            })
    }

    /// Parses path segments; `y` may end in `.mvt` or `.pbf`.
    ///
    /// # Errors
    /// [`TileError`] for anything but whole numbers in range.
    pub fn parse(z: &str, x: &str, y: &str) -> Result<Self, TileError> {
        let y = y
            .strip_suffix(".mvt")
            .or_else(|| y.strip_suffix(".pbf"))
            .unwrap_or(y);
        let num = |name: &'static str, s: &str| {
            // digits only: no sign, no spaces, no "1e3"
            if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(TileError::NotANumber {
                    name,
                    value: s.to_owned(),
                });
            }
            Ok(s.parse::<u64>().expect("checked digits"))
        };
        Self::new(num("z", z)?, num("x", x)?, num("y", y)?)
    }

    /// Zoom.
    #[must_use]
    pub fn z(self) -> u8 {
        self.0.z()
    }

    /// The tile's box in the Web Mercator unit square: `[x0, y0, x1, y1]`.
    #[must_use]
    pub fn bounds(self) -> [f64; 4] {
        self.0.unit_bounds()
    }

    /// The address for the tile crate.
    #[must_use]
    pub fn coord(self) -> TileCoord {
        self.0
    }
}

impl From<TileCoord> for TileId {
    fn from(c: TileCoord) -> Self {
        Self(c)
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The resolution drawn at zoom `z` when none is asked for: `clamp(z − 3, 5, 12)`, so a
/// cell is roughly 15–40 pixels across at UK latitudes.
#[must_use]
pub fn resolution_for_zoom(z: u8) -> Resolution {
    let res = z.saturating_sub(3).clamp(Resolution::MIN, Resolution::MAX);
    Resolution::try_from(res).expect("clamped to the valid range")
}

/// The zoom → resolution table as `(first zoom, last zoom, resolution)` rows.
#[must_use]
pub fn zoom_table() -> Vec<(u8, u8, u8)> {
    let mut rows: Vec<(u8, u8, u8)> = Vec::new();
    for z in 0..=MAX_ZOOM {
        let r = resolution_for_zoom(z).get();
        match rows.last_mut() {
            Some(row) if row.2 == r => row.1 = z,
            _ => rows.push((z, z, r)),
        }
    }
    rows
}

/// The cell layer's keys, in the order [`CELL_PROPERTIES`] lists them. The values that
/// repeat across cells (counts, harm, z and p of empty cells, the flag) are stored
/// once; the cell and its rank are unique, so they are not looked up.
const CELL_KEYS: [(&str, ValueReuse); 7] = [
    (CELL_PROPERTIES[0], ValueReuse::Unique),
    (CELL_PROPERTIES[1], ValueReuse::Shared),
    (CELL_PROPERTIES[2], ValueReuse::Shared),
    (CELL_PROPERTIES[3], ValueReuse::Shared),
    (CELL_PROPERTIES[4], ValueReuse::Shared),
    (CELL_PROPERTIES[5], ValueReuse::Shared),
    (CELL_PROPERTIES[6], ValueReuse::Unique),
];

/// A cell's tile properties, absent z and p left out.
fn cell_properties(c: &CellStat) -> impl Iterator<Item = (&'static str, TileValue)> {
    let [cell, count, harm, z, p, significant, rank] = CELL_PROPERTIES;
    [
        Some((cell, TileValue::Str(c.cell.to_string()))),
        Some((count, TileValue::Uint(u64::from(c.count)))),
        Some((harm, TileValue::Double(c.harm))),
        c.z.map(|v| (z, TileValue::Double(v))),
        c.p.map(|v| (p, TileValue::Double(v))),
        Some((significant, TileValue::Bool(c.significant))),
        Some((rank, TileValue::Uint(c.rank as u64))),
    ]
    .into_iter()
    .flatten()
}

/// Encodes the tile of `stats` at `tile`: layer [`LAYER`], one polygon per cell, with
/// properties `cell` (H3 index as text), `count`, `harm`, `gi_star_z` and `p_value`
/// (absent where undefined), `significant`, `rank`. `None` for an empty tile.
///
/// # Errors
/// [`TileError::TooManyCells`] beyond [`MAX_CELLS`].
pub fn encode(stats: &QueryStats, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    let coord = tile.coord();
    encode_cells(
        stats.cells_near(coord.buffered_unit_bounds()),
        tile,
        stats.query.resolution,
        CELL_KEYS,
        |c| c.cell,
        cell_properties,
    )
}

/// Layer [`LAYER`] of `cells` at `tile`: one polygon per cell with `props(cell)`.
fn encode_cells<'a, T, P>(
    cells: Vec<&'a T>,
    tile: TileId,
    res: Resolution,
    keys: impl IntoIterator<Item = (&'static str, ValueReuse)>,
    cell: impl Fn(&T) -> CellIndex,
    props: impl Fn(&'a T) -> P,
) -> Result<Option<Vec<u8>>, TileError>
where
    P: IntoIterator<Item = (&'static str, TileValue)>,
{
    let coord = tile.coord();
    if cells.len() > MAX_CELLS {
        return Err(TileError::TooManyCells {
            z: coord.z(),
            x: coord.x(),
            y: coord.y(),
            cells: cells.len(),
            res: res.get(),
        });
    }
    let mut layer = LayerBuilder::new(LAYER, coord).with_keys(keys);
    layer.reserve(cells.len());
    for c in cells {
        let boundary = cell(c).boundary();
        let ring = boundary.iter().map(|ll| [ll.lng(), ll.lat()]);
        layer.add_ring(ring, props(c));
    }
    Ok(layer.encode())
}

/// The emerging hot spot layer's properties, in tile order.
pub const EMERGING_PROPERTIES: [&str; 8] = [
    "cell",
    "category",
    "hot_slices",
    "cold_slices",
    "final_z",
    "trend",
    "states",
    "counts",
];

/// A cell's counts per slice, oldest first, joined with spaces.
fn counts_text(c: &EmergingCell) -> String {
    c.counts
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cell's slices as one letter each, oldest first: `H` hot, `C` cold, `.` neither.
fn states_text(c: &EmergingCell) -> String {
    c.states
        .iter()
        .map(|s| match s {
            SliceState::Hot => 'H',
            SliceState::Cold => 'C',
            SliceState::NotSignificant => '.',
        })
        .collect()
}

/// Encodes the tile of an emerging hot spot answer at `tile`: layer [`LAYER`], one
/// polygon per study-region cell with `cell`, `category` (its name), `hot_slices`,
/// `cold_slices`, `final_z` and `trend` (`up`, `down` or `none`; both absent where
/// undefined), `states` (a letter per slice, oldest first: `H` hot, `C` cold, `.`
/// neither) and `counts` (the slices' counts joined with spaces). `None` for an empty
/// tile.
///
/// # Errors
/// [`TileError::TooManyCells`] beyond [`MAX_CELLS`].
pub fn encode_emerging(stats: &EmergingStats, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    let [cell, category, hot, cold, final_z, trend, states, counts] = EMERGING_PROPERTIES;
    let reuse = |k: &'static str| {
        let r = if k == cell || k == counts {
            ValueReuse::Unique
        } else {
            ValueReuse::Shared
        };
        (k, r)
    };
    encode_cells(
        stats.cells_near(tile.coord().buffered_unit_bounds()),
        tile,
        stats.query.cube.resolution,
        EMERGING_PROPERTIES.map(reuse),
        |c| c.cell,
        |c: &EmergingCell| {
            [
                Some((cell, TileValue::Str(c.cell.to_string()))),
                Some((category, TileValue::Str(c.category.name().to_owned()))),
                Some((hot, TileValue::Uint(c.hot_slices as u64))),
                Some((cold, TileValue::Uint(c.cold_slices as u64))),
                c.final_z.map(|v| (final_z, TileValue::Double(v))),
                c.trend
                    .map(|t| (trend, TileValue::Str(t.name().to_owned()))),
                Some((states, TileValue::Str(states_text(c)))),
                Some((counts, TileValue::Str(counts_text(c)))),
            ]
            .into_iter()
            .flatten()
        },
    )
}

/// Encodes the tile of a kernel density answer at `tile`: layer [`LAYER`], one polygon
/// per evaluated cell with `cell`, `density_km2` and `rank`. `None` for an empty tile.
///
/// # Errors
/// [`TileError::TooManyCells`] beyond [`MAX_CELLS`].
pub fn encode_kde(stats: &KdeStats, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    let [cell, density, rank] = hexspot_export::kde::CELL_PROPERTIES;
    encode_cells(
        stats.cells_near(tile.coord().buffered_unit_bounds()),
        tile,
        stats.query.resolution,
        [
            (cell, ValueReuse::Unique),
            (density, ValueReuse::Unique),
            (rank, ValueReuse::Unique),
        ],
        |c| c.cell,
        |c: &KdeCell| {
            [
                (cell, TileValue::Str(c.cell.to_string())),
                (density, TileValue::Double(c.density_km2)),
                (rank, TileValue::Uint(c.rank as u64)),
            ]
        },
    )
}

/// The area layer's name.
pub const AREA_LAYER: &str = "areas";

/// A property value of an area feature (written as the [`TileValue`] of the same name;
/// `Int` as a signed, zigzag-encoded `sint`).
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    /// Text.
    Text(String),
    /// A count.
    Uint(u64),
    /// A signed whole number.
    Int(i64),
    /// A number.
    Double(f64),
    /// A flag.
    Bool(bool),
}

impl From<Prop> for TileValue {
    fn from(p: Prop) -> Self {
        match p {
            Prop::Text(t) => Self::Str(t),
            Prop::Uint(n) => Self::Uint(n),
            Prop::Int(n) => Self::Sint(n),
            Prop::Double(x) => Self::Double(x),
            Prop::Bool(b) => Self::Bool(b),
        }
    }
}

/// An area to draw: its boundary and its properties (absent ones left out).
#[derive(Debug)]
pub struct AreaFeature<'a> {
    /// WGS84 boundary.
    pub shape: &'a geo::MultiPolygon<f64>,
    /// `(key, value)` pairs.
    pub properties: Vec<(&'static str, Prop)>,
}

/// Encodes areas (wards, districts) at `tile`: layer [`AREA_LAYER`], one polygon
/// feature per area that reaches the tile, holes kept, clipped to the tile and its
/// buffer. `None` when no area reaches it.
#[must_use]
pub fn encode_areas(areas: &[AreaFeature<'_>], tile: TileId) -> Option<Vec<u8>> {
    let mut layer = LayerBuilder::new(AREA_LAYER, tile.coord());
    for area in areas {
        let properties = area
            .properties
            .iter()
            .map(|(k, v)| (*k, TileValue::from(v.clone())));
        layer.add_multi_polygon(area.shape, properties);
    }
    layer.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_are_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
        assert_eq!(TileId::new(23, 0, 0), Err(TileError::Zoom(23)));
        assert_eq!(TileId::new(300, 0, 0), Err(TileError::Zoom(300)));
        assert!(matches!(
            TileId::new(3, 8, 0),
            Err(TileError::Outside { name: "x", .. })
        ));
        assert!(matches!(
            TileId::new(3, 0, 8),
            Err(TileError::Outside { name: "y", .. })
        ));
        // numbers beyond u32 are reported as given
        assert_eq!(
            TileId::new(3, 0, 9_999_999_999),
            Err(TileError::Outside {
                name: "y",
                value: 9_999_999_999,
                z: 3,
                limit: 8
            })
        );
        for bad in ["-1", "1.5", "", "x", "+3", " 3", "1e3", "99999999999"] {
            assert!(TileId::parse(bad, "0", "0").is_err(), "{bad:?}");
        }
        assert_eq!(
            TileId::parse("3", "2", "1.mvt").unwrap(),
            TileId::new(3, 2, 1).unwrap()
        );
        assert_eq!(TileId::new(3, 2, 1).unwrap().to_string(), "3/2/1");
        assert_eq!(TileId::new(1, 1, 0).unwrap().bounds(), [0.5, 0.0, 1.0, 0.5]);
    }

    #[test]
    fn zoom_table_covers_every_zoom_once() {
        let t = zoom_table();
        assert_eq!(t.first(), Some(&(0, 8, 5)));
        assert!(t.contains(&(12, 12, 9)));
        assert_eq!(t.last(), Some(&(15, MAX_ZOOM, 12)));
        for w in t.windows(2) {
            assert_eq!(w[0].1 + 1, w[1].0);
            assert_eq!(w[0].2 + 1, w[1].2);
        }
    }

    #[test]
    fn only_the_cell_and_its_rank_are_unique() {
        let unique: Vec<&str> = CELL_KEYS
            .iter()
            .filter(|k| k.1 == ValueReuse::Unique)
            .map(|k| k.0)
            .collect();
        assert_eq!(unique, ["cell", "rank"]);
    }
}
