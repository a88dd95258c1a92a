//! One MVT 2.1 layer of polygon features, built from lon/lat geometry and properties.

use geo::{BoundingRect, LineString, MultiPolygon};
use geozero::mvt::tile::{self, GeomType};
use geozero::mvt::{Message, Tile, TileValue};
use rustc_hash::FxHashMap;

use crate::commands::PolygonCommands;
use crate::projection::mercator;
use crate::ring::{RingBuf, TileFrame};
use crate::{EXTENT, TileCoord};

/// How a key's values are kept in a layer's value table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueReuse {
    /// Values that repeat from feature to feature (counts, flags): an equal value of
    /// any `Shared` key is stored once and pointed at again (floats equal bit for bit).
    Shared,
    /// Values unique to their feature (an identifier, a rank): each is stored anew,
    /// without looking for an equal one. Keys not declared are `Unique`.
    Unique,
}

/// The indices of values already stored for [`ValueReuse::Shared`] keys, by kind:
/// numbers by their bits (so floats are equal bit for bit, and a NaN is equal to
/// itself), flags in place.
#[derive(Debug, Default)]
struct SharedValues {
    texts: FxHashMap<String, u32>,
    doubles: FxHashMap<u64, u32>,
    uints: FxHashMap<u64, u32>,
    /// floats, ints and sints, by (kind, bits)
    others: FxHashMap<(u8, u64), u32>,
    bools: [Option<u32>; 2],
}

/// A ring's points as `[lon, lat]`.
fn lonlat(ring: &LineString<f64>) -> impl Iterator<Item = [f64; 2]> + '_ {
    ring.0.iter().map(|c| [c.x, c.y])
}

/// Builds one layer of one tile: polygon features from lon/lat (WGS84) geometry,
/// projected to Web Mercator, clipped to the tile and its [`BUFFER`](crate::BUFFER),
/// rounded to the [`EXTENT`] grid and wound as MVT 2.1 requires (exterior rings with
/// positive area in tile coordinates — clockwise, y down — and holes negative), each
/// with its properties as geozero's [`TileValue`]s.
///
/// Keys are listed in the layer in the order declared by
/// [`with_keys`](Self::with_keys), then in order of first use. Geometry that leaves
/// nothing with an area in the tile adds no feature and no key or value.
///
/// ```
/// use geozero::mvt::{Message, Tile, TileValue};
/// use hexspot_tiles::{LayerBuilder, TileCoord, ValueReuse};
///
/// let tile = TileCoord::containing(12, -1.545, 53.797).expect("a point");
/// let mut layer = LayerBuilder::new("places", tile).with_keys([("kind", ValueReuse::Shared)]);
/// let square = [[-1.546, 53.796], [-1.544, 53.796], [-1.544, 53.798], [-1.546, 53.798]];
/// let props = [("kind", TileValue::Str("centre".into())), ("id", TileValue::Uint(7))];
/// assert!(layer.add_ring(square, props));
/// let bytes = layer.encode().expect("one feature");
///
/// let decoded = Tile::decode(bytes.as_slice()).unwrap();
/// let l = &decoded.layers[0];
/// assert_eq!((l.name.as_str(), l.extent, l.features.len()), ("places", Some(4096), 1));
/// assert_eq!(l.keys, ["kind", "id"]);
/// ```
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    tile: TileCoord,
    frame: TileFrame,
    keys: Vec<String>,
    reuse: Vec<ValueReuse>,
    values: Vec<tile::Value>,
    shared: SharedValues,
    features: Vec<tile::Feature>,
    buf: RingBuf,
}

impl LayerBuilder {
    /// An empty layer called `name` of `tile`.
    #[must_use]
    pub fn new(name: impl Into<String>, tile: TileCoord) -> Self {
        Self {
            name: name.into(),
            tile,
            frame: TileFrame::new(tile),
            keys: Vec::new(),
            reuse: Vec::new(),
            values: Vec::new(),
            shared: SharedValues::default(),
            features: Vec::new(),
            buf: RingBuf::default(),
        }
    }

    /// Declares keys, in the order the layer lists them, and how each one's values are
    /// kept. The layer lists every declared key, used or not; a key declared twice
    /// keeps its first place and way.
    #[must_use]
    pub fn with_keys<'k>(mut self, keys: impl IntoIterator<Item = (&'k str, ValueReuse)>) -> Self {
        for (key, reuse) in keys {
            if !self.keys.iter().any(|k| k == key) {
                self.keys.push(key.to_owned());
                self.reuse.push(reuse);
            }
        }
        self
    }

    /// Adds a polygon with one ring (such as an H3 cell's boundary): `ring` in
    /// lon/lat degrees, closed or not, wound either way. Properties are taken in
    /// order; leave out a property to leave it absent. False, and nothing added, when
    /// no part of the ring with an area reaches the tile.
    pub fn add_ring<'k>(
        &mut self,
        ring: impl IntoIterator<Item = [f64; 2]>,
        properties: impl IntoIterator<Item = (&'k str, TileValue)>,
    ) -> bool {
        if !self.buf.tile_ring(self.frame, ring, true) {
            return false;
        }
        let mut commands = PolygonCommands::default();
        commands.ring(&self.buf.pts);
        self.push_feature(commands, properties);
        true
    }

    /// Adds `shape` (lon/lat degrees; wards, districts) as one feature: every polygon
    /// that reaches the tile, its exterior and the holes that reach it, however they
    /// were wound. Properties as in [`add_ring`](Self::add_ring). False, and nothing
    /// added, when no part of `shape` with an area reaches the tile.
    pub fn add_multi_polygon<'k>(
        &mut self,
        shape: &MultiPolygon<f64>,
        properties: impl IntoIterator<Item = (&'k str, TileValue)>,
    ) -> bool {
        let Some(r) = shape.bounding_rect() else {
            return false;
        };
        // y grows southwards in the unit square
        let [x0, y1] = mercator(r.min().x, r.min().y);
        let [x1, y0] = mercator(r.max().x, r.max().y);
        let b = self.tile.buffered_unit_bounds();
        if x1 < b[0] || x0 > b[2] || y1 < b[1] || y0 > b[3] {
            return false;
        }
        let mut commands = PolygonCommands::default();
        for poly in shape {
            if !self
                .buf
                .tile_ring(self.frame, lonlat(poly.exterior()), true)
            {
                continue;
            }
            commands.ring(&self.buf.pts);
            for hole in poly.interiors() {
                if self.buf.tile_ring(self.frame, lonlat(hole), false) {
                    commands.ring(&self.buf.pts);
                }
            }
        }
        if commands.is_empty() {
            return false;
        }
        self.push_feature(commands, properties);
        true
    }

    /// Makes room for `additional` more features.
    pub fn reserve(&mut self, additional: usize) {
        self.features.reserve(additional);
    }

    /// Features added so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// No feature yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The layer as geozero's MVT message; `None` when it has no feature.
    #[must_use]
    pub fn into_layer(self) -> Option<tile::Layer> {
        if self.features.is_empty() {
            return None;
        }
        Some(tile::Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys: self.keys,
            values: self.values,
            extent: Some(EXTENT),
        })
    }

    /// The encoded tile holding just this layer; `None` when it has no feature.
    #[must_use]
    pub fn encode(self) -> Option<Vec<u8>> {
        let layer = self.into_layer()?;
        Some(
            Tile {
                layers: vec![layer],
            }
            .encode_to_vec(),
        )
    }

    fn push_feature<'k>(
        &mut self,
        commands: PolygonCommands,
        properties: impl IntoIterator<Item = (&'k str, TileValue)>,
    ) {
        let mut tags = Vec::with_capacity(2 * self.keys.len());
        // features usually list their properties in the keys' order: look there first
        let mut next = 0;
        for (key, value) in properties {
            let [k, v] = self.tag(key, value, next);
            tags.extend([k, v]);
            next = k as usize + 1;
        }
        self.features.push(tile::Feature {
            id: None,
            tags,
            r#type: Some(GeomType::Polygon as i32),
            geometry: commands.into_vec(),
        });
    }

    /// The (key, value) index pair of one property, adding either to its table; the
    /// key is looked for from index `from` on, then before it.
    #[inline]
    fn tag(&mut self, key: &str, value: TileValue, from: usize) -> [u32; 2] {
        let from = from.min(self.keys.len());
        let (before, after) = self.keys.split_at(from);
        let found = (after.iter().position(|k| k == key).map(|i| from + i))
            .or_else(|| before.iter().position(|k| k == key));
        let k = match found {
            Some(k) => k,
            None => {
                self.keys.push(key.to_owned());
                self.reuse.push(ValueReuse::Unique);
                self.keys.len() - 1
            }
        };
        let v = match self.reuse[k] {
            ValueReuse::Unique => self.push_value(value),
            ValueReuse::Shared => self.shared_value(value),
        };
        [u32::try_from(k).expect("fewer than 2^32 keys"), v]
    }

    /// The index of a value equal to `value` (bit for bit) stored for a shared key
    /// before, else of `value` stored now.
    #[allow(clippy::cast_sign_loss)]
    #[inline]
    fn shared_value(&mut self, value: TileValue) -> u32 {
        let values = &mut self.values;
        let mut push = |v: TileValue| {
            values.push(v.into());
            u32::try_from(values.len() - 1).expect("fewer than 2^32 values")
        };
        let shared = &mut self.shared;
        match value {
            TileValue::Str(text) => match shared.texts.get(&text) {
                Some(&i) => i,
                None => {
                    let i = push(TileValue::Str(text.clone()));
                    *shared.texts.entry(text).or_insert(i)
                }
            },
            TileValue::Double(x) => *shared
                .doubles
                .entry(x.to_bits())
                .or_insert_with(|| push(value)),
            TileValue::Uint(n) => *shared.uints.entry(n).or_insert_with(|| push(value)),
            TileValue::Bool(b) => *shared.bools[usize::from(b)].get_or_insert_with(|| push(value)),
            TileValue::Float(x) => *shared
                .others
                .entry((0, u64::from(x.to_bits())))
                .or_insert_with(|| push(value)),
            TileValue::Int(n) => *shared
                .others
                .entry((1, n as u64))
                .or_insert_with(|| push(value)),
            TileValue::Sint(n) => *shared
                .others
                .entry((2, n as u64))
                .or_insert_with(|| push(value)),
        }
    }

    #[inline]
    fn push_value(&mut self, value: TileValue) -> u32 {
        self.values.push(value.into());
        u32::try_from(self.values.len() - 1).expect("fewer than 2^32 values")
    }
}
