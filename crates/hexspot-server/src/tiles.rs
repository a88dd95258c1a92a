//! Mapbox Vector Tiles (spec 2.1) of a query's cells: tile addressing, the zoom →
//! resolution table, clipping, geometry commands, and the protobuf messages (geozero's
//! generated MVT types).

use geozero::mvt::tile::{self, GeomType};
use geozero::mvt::{Message, Tile};
use hexspot_engine::{CellStat, Resolution};
use hexspot_export::CELL_PROPERTIES;
use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::stats::{QueryStats, mercator};

/// Tile coordinate space.
pub const EXTENT: u32 = 4096;
/// Geometry kept beyond each tile edge, in tile units, so strokes join across tiles.
pub const BUFFER: u32 = 64;
/// Highest zoom served.
pub const MAX_ZOOM: u8 = 22;
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

/// A valid XYZ tile address (y down from the north, as in web maps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    z: u8,
    x: u32,
    y: u32,
}

impl TileId {
    /// # Errors
    /// [`TileError`] when z > [`MAX_ZOOM`] or x, y ≥ 2^z.
    pub fn new(z: u64, x: u64, y: u64) -> Result<Self, TileError> {
        let zoom = u8::try_from(z)
            .ok()
            .filter(|&z| z <= MAX_ZOOM)
            .ok_or(TileError::Zoom(z))?;
        let limit = 1u64 << zoom;
        for (name, value) in [("x", x), ("y", y)] {
            if value >= limit {
                return Err(TileError::Outside {
                    name,
                    value,
                    z: zoom,
                    limit,
                });
            }
        }
        Ok(Self {
            z: zoom,
            x: u32::try_from(x).expect("below 2^22"),
            y: u32::try_from(y).expect("below 2^22"),
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
        self.z
    }

    /// The tile's box in the Web Mercator unit square: `[x0, y0, x1, y1]`.
    #[must_use]
    pub fn bounds(self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        [x / n, y / n, (x + 1.0) / n, (y + 1.0) / n]
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
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

/// Clips `ring` in place to the square `[lo, hi]²` (Sutherland–Hodgman; exact for
/// convex rings such as H3 cells). `scratch` is working space.
fn clip(ring: &mut Vec<[f64; 2]>, scratch: &mut Vec<[f64; 2]>, lo: f64, hi: f64) {
    let inside_all = ring
        .iter()
        .all(|p| p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi);
    if inside_all {
        return;
    }
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        std::mem::swap(ring, scratch);
        ring.clear();
        let Some(&last) = scratch.last() else { break };
        let inside = |p: [f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut prev = last;
        for &cur in scratch.iter() {
            if inside(cur) != inside(prev) {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut p = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                p[axis] = bound;
                ring.push(p);
            }
            if inside(cur) {
                ring.push(cur);
            }
            prev = cur;
        }
    }
}

/// Twice the signed area by the surveyor's formula.
fn area2(ring: &[[i32; 2]]) -> i64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1]))
        .sum()
}

/// Working space reused from cell to cell.
#[derive(Default)]
struct Scratch {
    ring: Vec<[f64; 2]>,
    other: Vec<[f64; 2]>,
    pts: Vec<[i32; 2]>,
}

/// A cell's hexagon in tile coordinates, in `s.pts`: clipped to the tile plus its
/// buffer, rounded to the integer grid, with the exterior-ring winding MVT 2.1 requires
/// (positive area in tile coordinates, i.e. clockwise with y down). False when nothing
/// is left.
fn cell_ring(cell: &CellStat, origin: [f64; 2], scale: f64, s: &mut Scratch) -> bool {
    s.ring.clear();
    s.ring.extend(cell.cell.boundary().iter().map(|ll| {
        let [x, y] = mercator(ll.lng(), ll.lat());
        [(x - origin[0]) * scale, (y - origin[1]) * scale]
    }));
    tile_ring(s, true)
}

/// Clips `s.ring` (tile coordinates) to the tile and its buffer and rounds it into
/// `s.pts`, wound as MVT 2.1 wants: exterior rings with positive area in tile
/// coordinates (clockwise, y down), holes negative. False when nothing is left.
fn tile_ring(s: &mut Scratch, exterior: bool) -> bool {
    let b = f64::from(BUFFER);
    clip(&mut s.ring, &mut s.other, -b, f64::from(EXTENT) + b);
    s.pts.clear();
    for p in &s.ring {
        // within ±(EXTENT + BUFFER) after clipping
        #[allow(clippy::cast_possible_truncation)]
        let q = [p[0].round() as i32, p[1].round() as i32];
        if s.pts.last() != Some(&q) {
            s.pts.push(q);
        }
    }
    while s.pts.len() > 1 && s.pts.first() == s.pts.last() {
        s.pts.pop();
    }
    let a = area2(&s.pts);
    if s.pts.len() < 3 || a == 0 {
        return false;
    }
    if (a < 0) == exterior {
        s.pts.reverse();
    }
    true
}

/// The geometry commands (MVT 2.1 §4.3) of one polygon with a single exterior ring:
/// MoveTo the first point, LineTo each other one as zigzag-encoded deltas, ClosePath.
fn ring_commands(pts: &[[i32; 2]]) -> Vec<u32> {
    rings_commands(std::iter::once(pts))
}

/// The geometry commands of several rings in one feature (an exterior ring and its
/// holes, or several polygons): each ring starts with a MoveTo relative to where the
/// last one ended, as the cursor carries over.
fn rings_commands<'a>(rings: impl IntoIterator<Item = &'a [[i32; 2]]>) -> Vec<u32> {
    let command = |id: u32, count: usize| id | u32::try_from(count).expect("a short ring") << 3;
    #[allow(clippy::cast_sign_loss)]
    let zigzag = |v: i32| ((v << 1) ^ (v >> 31)) as u32;
    let mut g = Vec::new();
    let mut cursor = [0i32, 0];
    for pts in rings {
        g.extend([
            command(1, 1),
            zigzag(pts[0][0] - cursor[0]),
            zigzag(pts[0][1] - cursor[1]),
        ]);
        g.push(command(2, pts.len() - 1));
        for w in pts.windows(2) {
            g.extend([zigzag(w[1][0] - w[0][0]), zigzag(w[1][1] - w[0][1])]);
        }
        g.push(command(7, 1));
        cursor = pts[pts.len() - 1];
    }
    g
}

/// A layer's value table. Values that repeat across cells (counts, harm, z and p of
/// empty cells, the flag) are stored once; the cell and its rank are unique, so they
/// are not looked up.
#[derive(Default)]
struct Values {
    values: Vec<tile::Value>,
    counts: FxHashMap<u32, u32>,
    doubles: FxHashMap<u64, u32>,
    flags: [Option<u32>; 2],
}

impl Values {
    fn push(&mut self, v: tile::Value) -> u32 {
        self.values.push(v);
        u32::try_from(self.values.len() - 1).expect("fewer than 2^32 values")
    }

    fn double(&mut self, v: f64) -> u32 {
        if let Some(&i) = self.doubles.get(&v.to_bits()) {
            return i;
        }
        let i = self.push(tile::Value {
            double_value: Some(v),
            ..Default::default()
        });
        self.doubles.insert(v.to_bits(), i);
        i
    }

    /// The feature's tags: (key, value) index pairs, keys indexing [`CELL_PROPERTIES`].
    fn tags(&mut self, c: &CellStat) -> Vec<u32> {
        let mut tags = Vec::with_capacity(14);
        let cell = self.push(tile::Value {
            string_value: Some(c.cell.to_string()),
            ..Default::default()
        });
        tags.extend([0, cell]);
        let count = match self.counts.get(&c.count) {
            Some(&i) => i,
            None => {
                let i = self.push(tile::Value {
                    uint_value: Some(u64::from(c.count)),
                    ..Default::default()
                });
                self.counts.insert(c.count, i);
                i
            }
        };
        tags.extend([1, count]);
        let harm = self.double(c.harm);
        tags.extend([2, harm]);
        if let Some(z) = c.z {
            tags.extend([3, self.double(z)]);
        }
        if let Some(p) = c.p {
            tags.extend([4, self.double(p)]);
        }
        let flag = usize::from(c.significant);
        let sig = match self.flags[flag] {
            Some(i) => i,
            None => {
                let i = self.push(tile::Value {
                    bool_value: Some(c.significant),
                    ..Default::default()
                });
                self.flags[flag] = Some(i);
                i
            }
        };
        tags.extend([5, sig]);
        let rank = self.push(tile::Value {
            uint_value: Some(c.rank as u64),
            ..Default::default()
        });
        tags.extend([6, rank]);
        tags
    }
}

/// Encodes the tile of `stats` at `tile`: layer [`LAYER`], one polygon per cell, with
/// properties `cell` (H3 index as text), `count`, `harm`, `gi_star_z` and `p_value`
/// (absent where undefined), `significant`, `rank`. `None` for an empty tile.
///
/// # Errors
/// [`TileError::TooManyCells`] beyond [`MAX_CELLS`].
pub fn encode(stats: &QueryStats, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    let b = tile.bounds();
    let pad = (b[2] - b[0]) * f64::from(BUFFER) / f64::from(EXTENT);
    let cells = stats.cells_near([b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]);
    if cells.len() > MAX_CELLS {
        return Err(TileError::TooManyCells {
            z: tile.z,
            x: tile.x,
            y: tile.y,
            cells: cells.len(),
            res: stats.query.resolution.get(),
        });
    }
    let scale = f64::from(EXTENT) / (b[2] - b[0]);
    let mut values = Values::default();
    let mut features = Vec::with_capacity(cells.len());
    let mut scratch = Scratch::default();
    for c in cells {
        if !cell_ring(c, [b[0], b[1]], scale, &mut scratch) {
            continue;
        }
        features.push(tile::Feature {
            id: None,
            tags: values.tags(c),
            r#type: Some(GeomType::Polygon as i32),
            geometry: ring_commands(&scratch.pts),
        });
    }
    if features.is_empty() {
        return Ok(None);
    }
    let layer = tile::Layer {
        version: 2,
        name: LAYER.to_owned(),
        features,
        keys: CELL_PROPERTIES.iter().map(|k| (*k).to_owned()).collect(),
        values: values.values,
        extent: Some(EXTENT),
    };
    Ok(Some(
        Tile {
            layers: vec![layer],
        }
        .encode_to_vec(),
    ))
}

/// The area layer's name.
pub const AREA_LAYER: &str = "areas";

/// A property value of an area feature.
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
    use geo::BoundingRect;
    let b = tile.bounds();
    let pad = (b[2] - b[0]) * f64::from(BUFFER) / f64::from(EXTENT);
    let scale = f64::from(EXTENT) / (b[2] - b[0]);
    let mut keys: Vec<String> = Vec::new();
    let mut values: Vec<tile::Value> = Vec::new();
    let mut features = Vec::new();
    let mut s = Scratch::default();
    for area in areas {
        let Some(r) = area.shape.bounding_rect() else {
            continue;
        };
        // y grows southwards in the unit square
        let [x0, y1] = mercator(r.min().x, r.min().y);
        let [x1, y0] = mercator(r.max().x, r.max().y);
        if x1 < b[0] - pad || x0 > b[2] + pad || y1 < b[1] - pad || y0 > b[3] + pad {
            continue;
        }
        let mut rings: Vec<Vec<[i32; 2]>> = Vec::new();
        for poly in area.shape {
            let mut project = |ring: &geo::LineString<f64>, exterior: bool| {
                s.ring.clear();
                s.ring.extend(ring.0.iter().map(|c| {
                    let [x, y] = mercator(c.x, c.y);
                    [(x - b[0]) * scale, (y - b[1]) * scale]
                }));
                tile_ring(&mut s, exterior).then(|| s.pts.clone())
            };
            let Some(outer) = project(poly.exterior(), true) else {
                continue;
            };
            rings.push(outer);
            rings.extend(poly.interiors().iter().filter_map(|h| project(h, false)));
        }
        if rings.is_empty() {
            continue;
        }
        let mut tags = Vec::with_capacity(2 * area.properties.len());
        for (k, v) in &area.properties {
            let key = match keys.iter().position(|x| x == k) {
                Some(i) => i,
                None => {
                    keys.push((*k).to_owned());
                    keys.len() - 1
                }
            };
            let mut value = tile::Value::default();
            match v {
                Prop::Text(t) => value.string_value = Some(t.clone()),
                Prop::Uint(n) => value.uint_value = Some(*n),
                Prop::Int(n) => value.sint_value = Some(*n),
                Prop::Double(x) => value.double_value = Some(*x),
                Prop::Bool(f) => value.bool_value = Some(*f),
            }
            values.push(value);
            tags.extend([
                u32::try_from(key).expect("few keys"),
                u32::try_from(values.len() - 1).expect("fewer than 2^32 values"),
            ]);
        }
        features.push(tile::Feature {
            id: None,
            tags,
            r#type: Some(GeomType::Polygon as i32),
            geometry: rings_commands(rings.iter().map(Vec::as_slice)),
        });
    }
    if features.is_empty() {
        return None;
    }
    let layer = tile::Layer {
        version: 2,
        name: AREA_LAYER.to_owned(),
        features,
        keys,
        values,
        extent: Some(EXTENT),
    };
    Some(
        Tile {
            layers: vec![layer],
        }
        .encode_to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_are_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
        assert_eq!(TileId::new(23, 0, 0), Err(TileError::Zoom(23)));
        assert!(matches!(
            TileId::new(3, 8, 0),
            Err(TileError::Outside { name: "x", .. })
        ));
        assert!(matches!(
            TileId::new(3, 0, 8),
            Err(TileError::Outside { name: "y", .. })
        ));
        for bad in ["-1", "1.5", "", "x", "+3", " 3", "1e3", "99999999999"] {
            assert!(TileId::parse(bad, "0", "0").is_err(), "{bad:?}");
        }
        assert_eq!(
            TileId::parse("3", "2", "1.mvt").unwrap(),
            TileId::new(3, 2, 1).unwrap()
        );
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
    fn clipping_a_square_through_a_corner() {
        let mut scratch = Vec::new();
        // a 20×20 square centred on the clip corner (0, 0) keeps its 10×10 quarter
        let mut sq = vec![[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]];
        clip(&mut sq, &mut scratch, 0.0, 100.0);
        let ints: Vec<[i32; 2]> = sq.iter().map(|p| [p[0] as i32, p[1] as i32]).collect();
        assert_eq!(area2(&ints), 200);
        assert!(sq.iter().all(|p| p[0] >= 0.0 && p[1] >= 0.0));
        // entirely outside: nothing
        let far = vec![[200.0, 200.0], [210.0, 200.0], [210.0, 210.0]];
        let mut r = far.clone();
        clip(&mut r, &mut scratch, 0.0, 100.0);
        assert!(r.is_empty());
        // entirely inside: unchanged
        let mut r = far.clone();
        clip(&mut r, &mut scratch, 0.0, 300.0);
        assert_eq!(r, far);
    }

    #[test]
    fn ring_commands_match_the_specs_worked_example() {
        // MVT 2.1 §4.3.5.3 example polygon: POLYGON ((3 6, 8 12, 20 34, 3 6))
        assert_eq!(
            ring_commands(&[[3, 6], [8, 12], [20, 34]]),
            vec![9, 6, 12, 18, 10, 12, 24, 44, 15]
        );
    }

    #[test]
    fn a_second_ring_moves_from_where_the_first_ended() {
        // ring 1 ends at (5, 5), not back at its start: ClosePath does not move the
        // cursor, so ring 2's MoveTo to (3, 2) is (−2, −3) → zigzag (3, 5)
        let first: &[[i32; 2]] = &[[1, 1], [5, 1], [5, 5]];
        let second: &[[i32; 2]] = &[[3, 2], [4, 2], [4, 3]];
        assert_eq!(
            rings_commands([first, second]),
            vec![
                9, 2, 2, // MoveTo(+1, +1)
                18, 8, 0, 0, 8,  // LineTo ×2: (+4, 0), (0, +4)
                15, // ClosePath
                9, 3, 5, // MoveTo(−2, −3)
                18, 2, 0, 0, 2,  // LineTo ×2: (+1, 0), (0, +1)
                15, // ClosePath
            ]
        );
    }

    /// The rings of each feature of a one-layer tile, decoded by the spec.
    fn decoded_rings(bytes: &[u8]) -> Vec<Vec<Vec<[i32; 2]>>> {
        let tile = Tile::decode(bytes).unwrap();
        let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
        tile.layers[0]
            .features
            .iter()
            .map(|f| {
                let (mut cur, mut rings) = ([0i32, 0], Vec::<Vec<[i32; 2]>>::new());
                let mut i = 0;
                while i < f.geometry.len() {
                    let (id, n) = (f.geometry[i] & 7, f.geometry[i] >> 3);
                    i += 1;
                    match id {
                        1 | 2 => {
                            for _ in 0..n {
                                cur[0] += unzig(f.geometry[i]);
                                cur[1] += unzig(f.geometry[i + 1]);
                                i += 2;
                                if id == 1 {
                                    rings.push(Vec::new());
                                }
                                rings.last_mut().unwrap().push(cur);
                            }
                        }
                        _ => {}
                    }
                }
                rings
            })
            .collect()
    }

    #[test]
    fn area_holes_wind_against_their_exterior() {
        use geo::{LineString, MultiPolygon, Polygon};
        let sq = |x0: f64, y0: f64, d: f64| {
            // counter-clockwise in lon/lat, as RFC 7946 wants exteriors
            LineString::from(vec![
                (x0, y0),
                (x0 + d, y0),
                (x0 + d, y0 + d),
                (x0, y0 + d),
                (x0, y0),
            ])
        };
        // a holed square and, in the same feature, a second polygon wound the other way
        let mut apart = sq(20.0, 0.0, 5.0);
        apart.0.reverse();
        let shape = MultiPolygon(vec![
            Polygon::new(sq(-10.0, -10.0, 20.0), vec![sq(-2.0, -2.0, 4.0)]),
            Polygon::new(apart, vec![]),
        ]);
        let areas = [AreaFeature {
            shape: &shape,
            properties: vec![("code", Prop::Text("X".into()))],
        }];
        let bytes = encode_areas(&areas, TileId::new(0, 0, 0).unwrap()).unwrap();
        let features = decoded_rings(&bytes);
        assert_eq!(features.len(), 1);
        let signs: Vec<bool> = features[0].iter().map(|r| area2(r) > 0).collect();
        assert_eq!(signs, [true, false, true], "exterior, hole, exterior");
        // nothing of it reaches a tile on the other side of the world
        assert_eq!(encode_areas(&areas, TileId::new(2, 0, 0).unwrap()), None);
    }
}
