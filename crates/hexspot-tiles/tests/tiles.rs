//! The public API: tile addresses checked and round-tripped through their boxes
//! (property tests), and layers decoded by the spec and their features asserted.

use geo::{LineString, MultiPolygon, Polygon};
use geozero::mvt::{Message, Tile, TileValue, tile};
use hexspot_tiles::{
    Axis, EXTENT, LayerBuilder, MAX_ZOOM, TileCoord, TileCoordError, ValueReuse, mercator,
    unit_x_to_lon, unit_y_to_lat,
};
use proptest::prelude::*;

// ------------------------------------------------------------------ addresses

#[test]
fn tile_coords_are_checked() {
    assert!(TileCoord::new_checked(0, 0, 0).is_ok());
    assert!(TileCoord::new_checked(22, (1 << 22) - 1, (1 << 22) - 1).is_ok());
    assert_eq!(
        TileCoord::new_checked(23, 0, 0),
        Err(TileCoordError::Zoom { z: 23 })
    );
    let outside = |axis, value, z| Err(TileCoordError::Outside { axis, value, z });
    assert_eq!(TileCoord::new_checked(3, 8, 0), outside(Axis::X, 8, 3));
    assert_eq!(TileCoord::new_checked(3, 0, 8), outside(Axis::Y, 8, 3));
    // x is checked first
    assert_eq!(TileCoord::new_checked(0, 1, 1), outside(Axis::X, 1, 0));
    assert_eq!(
        TileCoord::new_checked(3, 0, 8).unwrap_err().to_string(),
        "tile y = 8 is outside zoom 3, where it must be below 8"
    );
    let t = TileCoord::new_checked(3, 2, 1).unwrap();
    assert_eq!(
        (t.z(), t.x(), t.y(), t.to_string()),
        (3, 2, 1, "3/2/1".into())
    );
    assert_eq!(
        TileCoord::new_checked(1, 1, 0).unwrap().unit_bounds(),
        [0.5, 0.0, 1.0, 0.5]
    );
}

#[test]
fn points_find_their_tile() {
    let at = |z, lon, lat| TileCoord::containing(z, lon, lat).map(|t| (t.x(), t.y()));
    assert_eq!(at(0, 179.0, -80.0), Some((0, 0)));
    // the grid's east and south edges, and beyond them, fall in the last tiles
    assert_eq!(at(2, 180.0, -85.06), Some((3, 3)));
    assert_eq!(at(2, 200.0, -90.0), Some((3, 3)));
    assert_eq!(at(2, -200.0, 90.0), Some((0, 0)));
    // a point on an inner edge belongs to the tile east and south of it
    assert_eq!(at(1, 0.0, 0.0), Some((1, 1)));
    assert_eq!(at(23, 0.0, 0.0), None);
    assert_eq!(at(3, f64::NAN, 0.0), None);
    assert_eq!(at(3, 0.0, f64::INFINITY), None);
}

/// Any tile address.
fn any_tile() -> impl Strategy<Value = TileCoord> {
    (0..=MAX_ZOOM).prop_flat_map(|z| {
        let n = 1u32 << z;
        (Just(z), 0..n, 0..n)
            .prop_map(|(z, x, y)| TileCoord::new_checked(z, x, y).expect("inside the grid"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// tile → bbox → tile: every point well inside a tile's box is in that tile, and
    /// the box projects back onto the tile's share of the unit square.
    #[test]
    fn tile_to_bbox_and_back(t in any_tile(), fx in 0.01f64..0.99, fy in 0.01f64..0.99) {
        let [w, s, e, n] = t.bbox();
        prop_assert!(w < e && s < n);
        let lon = w + fx * (e - w);
        let lat = s + fy * (n - s);
        prop_assert_eq!(TileCoord::containing(t.z(), lon, lat), Some(t));
        let [x0, y0, x1, y1] = t.unit_bounds();
        let ([px0, py0], [px1, py1]) = (mercator(w, n), mercator(e, s));
        for (a, b) in [(x0, px0), (y0, py0), (x1, px1), (y1, py1)] {
            prop_assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    /// point → tile → bbox: the point's tile's box holds the point.
    #[test]
    fn bbox_of_a_points_tile_holds_it(
        z in 0..=MAX_ZOOM,
        lon in -180.0f64..180.0,
        lat in -85.0f64..85.0,
    ) {
        let t = TileCoord::containing(z, lon, lat).unwrap();
        let [w, s, e, n] = t.bbox();
        let eps = 1e-9;
        prop_assert!(w - eps <= lon && lon <= e + eps, "{lon} in {w}..{e}");
        prop_assert!(s - eps <= lat && lat <= n + eps, "{lat} in {s}..{n}");
    }

    /// Neighbours share their edges exactly, and a tile's box lies in its parent's.
    #[test]
    fn boxes_tile_the_world(t in any_tile()) {
        let [w, s, e, n] = t.bbox();
        let (z, x, y) = (t.z(), t.x(), t.y());
        if let Ok(east) = TileCoord::new_checked(z, x + 1, y) {
            prop_assert_eq!(east.bbox()[0], e);
        }
        if let Ok(south) = TileCoord::new_checked(z, x, y + 1) {
            prop_assert_eq!(south.bbox()[3], s);
        }
        if z > 0 {
            let [pw, ps, pe, pn] = TileCoord::new_checked(z - 1, x / 2, y / 2).unwrap().bbox();
            prop_assert!(pw <= w && ps <= s && e <= pe && n <= pn);
        }
    }
}

// ------------------------------------------------------------------ layers

/// The one layer of an encoded tile.
fn layer(bytes: &[u8]) -> tile::Layer {
    let mut tile = Tile::decode(bytes).unwrap();
    assert_eq!(tile.layers.len(), 1);
    tile.layers.remove(0)
}

/// The rings of a feature, decoded by the spec (MVT 2.1 §4.3).
fn rings(f: &tile::Feature) -> Vec<Vec<[i32; 2]>> {
    let unzig = |v: u32| i32::try_from(v >> 1).unwrap() ^ -i32::try_from(v & 1).unwrap();
    let (mut cur, mut rings) = ([0i32, 0], Vec::<Vec<[i32; 2]>>::new());
    let mut i = 0;
    while i < f.geometry.len() {
        let (id, n) = (f.geometry[i] & 7, f.geometry[i] >> 3);
        i += 1;
        if id == 1 || id == 2 {
            for _ in 0..n {
                cur[0] += unzig(f.geometry[i]);
                cur[1] += unzig(f.geometry[i + 1]);
                i += 2;
                if id == 1 {
                    rings.push(Vec::new());
                }
                rings.last_mut().unwrap().push(cur);
            }
        } else {
            assert_eq!((id, n), (7, 1), "ClosePath");
        }
    }
    rings
}

/// Twice the signed area: positive for clockwise with y down.
fn area2(ring: &[[i32; 2]]) -> i64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1]))
        .sum()
}

/// A square of side `d` degrees, counter-clockwise in lon/lat (as RFC 7946 wants
/// exteriors), closed.
fn square(x0: f64, y0: f64, d: f64) -> LineString<f64> {
    LineString::from(vec![
        (x0, y0),
        (x0 + d, y0),
        (x0 + d, y0 + d),
        (x0, y0 + d),
        (x0, y0),
    ])
}

fn world() -> TileCoord {
    TileCoord::new_checked(0, 0, 0).unwrap()
}

#[test]
fn area_holes_wind_against_their_exterior() {
    // a holed square and, in the same feature, a second polygon wound the other way
    let mut apart = square(20.0, 0.0, 5.0);
    apart.0.reverse();
    let shape = MultiPolygon(vec![
        Polygon::new(square(-10.0, -10.0, 20.0), vec![square(-2.0, -2.0, 4.0)]),
        Polygon::new(apart, vec![]),
    ]);
    let mut b = LayerBuilder::new("areas", world());
    assert!(b.add_multi_polygon(&shape, [("code", TileValue::Str("X".into()))]));
    let l = layer(&b.encode().unwrap());
    assert_eq!(l.features.len(), 1);
    let f = &l.features[0];
    assert_eq!(f.r#type, Some(tile::GeomType::Polygon as i32));
    let signs: Vec<bool> = rings(f).iter().map(|r| area2(r) > 0).collect();
    assert_eq!(signs, [true, false, true], "exterior, hole, exterior");
    // nothing of it reaches a tile on the other side of the world
    let mut far = LayerBuilder::new("areas", TileCoord::new_checked(2, 0, 0).unwrap());
    assert!(!far.add_multi_polygon(&shape, [("code", TileValue::Str("X".into()))]));
    assert!(far.is_empty());
    assert_eq!(far.encode(), None);
}

#[test]
fn a_hole_outside_the_tile_is_left_out() {
    let tile = TileCoord::new_checked(1, 0, 1).unwrap(); // lon −180..0, lat −85..0
    let shape = MultiPolygon(vec![Polygon::new(
        square(-40.0, -40.0, 60.0),
        vec![square(-30.0, -30.0, 5.0), square(10.0, -30.0, 5.0)],
    )]);
    let mut b = LayerBuilder::new("areas", tile);
    assert!(b.add_multi_polygon(&shape, []));
    let l = layer(&b.encode().unwrap());
    assert_eq!(
        rings(&l.features[0]).len(),
        2,
        "the exterior and the western hole"
    );
    assert!(l.keys.is_empty() && l.values.is_empty());
}

/// An H3-like hexagon of radius `r` degrees around (`lon`, `lat`).
fn hexagon(lon: f64, lat: f64, r: f64) -> Vec<[f64; 2]> {
    (0..6)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::FRAC_PI_3;
            [lon + r * a.cos(), lat + r * a.sin()]
        })
        .collect()
}

#[test]
fn shared_values_are_stored_once_and_unique_ones_anew() {
    let tile = TileCoord::containing(10, -1.545, 53.797).unwrap();
    let [w, s, e, n] = tile.bbox();
    let mut b = LayerBuilder::new("cells", tile).with_keys([
        ("id", ValueReuse::Unique),
        ("count", ValueReuse::Shared),
        ("z", ValueReuse::Shared),
        ("flag", ValueReuse::Shared),
        ("never", ValueReuse::Shared),
        ("rank", ValueReuse::Unique),
    ]);
    let centre = |i: u32| {
        let f = f64::from(i) / 4.0 + 0.125;
        [w + f * (e - w), s + 0.5 * (n - s)]
    };
    for i in 0..4u32 {
        let [lon, lat] = centre(i);
        let mut props = vec![
            ("id", TileValue::Str(format!("c{i}"))),
            ("count", TileValue::Uint(u64::from(i % 2))),
        ];
        if i > 0 {
            props.push(("z", TileValue::Double(1.5)));
        }
        props.push(("flag", TileValue::Bool(i == 3)));
        props.push(("rank", TileValue::Uint(u64::from(i))));
        props.push(("extra", TileValue::Sint(-1)));
        assert!(b.add_ring(hexagon(lon, lat, 0.01), props));
    }
    // off the tile: no feature, and none of its values
    let props = [("id", TileValue::Str("far".into()))];
    assert!(!b.add_ring(hexagon(w - 1.0, n, 0.01), props));
    assert_eq!(b.len(), 4);
    let l = layer(&b.encode().unwrap());
    assert_eq!(
        (l.version, l.name.as_str(), l.extent),
        (2, "cells", Some(EXTENT))
    );
    // declared keys first (used or not), then others in order of first use
    assert_eq!(
        l.keys,
        ["id", "count", "z", "flag", "never", "rank", "extra"]
    );
    let value = |f: &tile::Feature, key: &str| -> Option<TileValue> {
        let k = u32::try_from(l.keys.iter().position(|k| k == key)?).unwrap();
        let pair = f.tags.chunks(2).find(|p| p[0] == k)?;
        TileValue::try_from(l.values[pair[1] as usize].clone()).ok()
    };
    for (i, f) in (0u64..).zip(&l.features) {
        assert_eq!(value(f, "id"), Some(TileValue::Str(format!("c{i}"))));
        assert_eq!(value(f, "count"), Some(TileValue::Uint(i % 2)));
        assert_eq!(value(f, "z"), (i > 0).then_some(TileValue::Double(1.5)));
        assert_eq!(value(f, "flag"), Some(TileValue::Bool(i == 3)));
        assert_eq!(value(f, "rank"), Some(TileValue::Uint(i)));
        assert_eq!(value(f, "never"), None);
        let r = rings(f);
        assert_eq!((r.len(), r[0].len()), (1, 6));
        assert!(
            area2(&r[0]) > 0,
            "exterior wound clockwise in tile coordinates"
        );
    }
    // 4 ids, 4 ranks and 4 extras anew; counts 0 and 1, one z, flags false and true
    // once each: the rank 1 is not the count 1, since ranks are not shared
    assert_eq!(l.values.len(), 4 + 4 + 4 + 2 + 1 + 2);
}

#[test]
fn hexagons_are_drawn_where_they_are() {
    let tile = TileCoord::containing(10, -1.545, 53.797).unwrap();
    let [w, _, e, _] = tile.bbox();
    // the tile's centre in Web Mercator (not halfway between its latitudes)
    let [x0, y0, x1, y1] = tile.unit_bounds();
    let (lon, lat) = (
        unit_x_to_lon((x0 + x1) / 2.0),
        unit_y_to_lat((y0 + y1) / 2.0),
    );
    let mut b = LayerBuilder::new("cells", tile);
    assert!(b.add_ring(hexagon(lon, lat, (e - w) / 8.0), []));
    let l = layer(&b.encode().unwrap());
    let r = &rings(&l.features[0])[0];
    // the centre of the tile is (2048, 2048); the hexagon is a quarter of it across
    let mid = |i: usize| (r.iter().map(|p| p[i]).sum::<i32>()) / 6;
    assert!((mid(0) - 2048).abs() <= 1 && (mid(1) - 2048).abs() <= 1);
    let width = r.iter().map(|p| p[0]).max().unwrap() - r.iter().map(|p| p[0]).min().unwrap();
    assert!((width - 1024).abs() <= 1, "{width}");
}

#[test]
fn shared_values_match_by_kind_and_bits() {
    let tile = world();
    let mut b = LayerBuilder::new("kinds", tile).with_keys([("v", ValueReuse::Shared)]);
    let kinds = [
        TileValue::Str("1".into()),
        TileValue::Float(1.0),
        TileValue::Double(1.0),
        TileValue::Int(1),
        TileValue::Uint(1),
        TileValue::Sint(1),
        TileValue::Bool(true),
        TileValue::Double(f64::NAN),
        TileValue::Double(0.0),
        TileValue::Double(-0.0),
    ];
    // every value twice, in features of their own
    for v in kinds.iter().chain(&kinds) {
        assert!(b.add_ring(hexagon(0.0, 0.0, 10.0), [("v", v.clone())]));
    }
    let l = layer(&b.encode().unwrap());
    // each stored once: none equal to another kind, NaN equal to itself, 0 and −0 apart
    assert_eq!(l.values.len(), kinds.len());
    let stored: Vec<u32> = l.features.iter().map(|f| f.tags[1]).collect();
    let n = u32::try_from(kinds.len()).unwrap();
    assert_eq!(stored, (0..n).chain(0..n).collect::<Vec<_>>());
}
