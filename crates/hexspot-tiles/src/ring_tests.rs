use super::*;

/// A square of side `d` degrees at (`lon`, `lat`), counter-clockwise in lon/lat.
fn square(lon: f64, lat: f64, d: f64) -> [[f64; 2]; 4] {
    [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
    ]
}

#[test]
fn rings_are_wound_by_role_whichever_way_they_come() {
    let frame = TileFrame::new(TileCoord::new_checked(0, 0, 0).unwrap());
    let mut buf = RingBuf::default();
    let ccw = square(-10.0, -10.0, 20.0);
    let mut cw = ccw;
    cw.reverse();
    for ring in [ccw, cw] {
        assert!(buf.tile_ring(frame, ring, true));
        assert!(area2(&buf.pts) > 0, "exterior");
        assert!(buf.tile_ring(frame, ring, false));
        assert!(area2(&buf.pts) < 0, "hole");
    }
}

#[test]
fn a_closed_ring_loses_its_repeated_point() {
    let frame = TileFrame::new(TileCoord::new_checked(0, 0, 0).unwrap());
    let mut buf = RingBuf::default();
    let [a, b, c, d] = square(-10.0, -10.0, 20.0);
    assert!(buf.tile_ring(frame, [a, b, c, d, a], true));
    assert_eq!(buf.pts.len(), 4);
    // lon −10 → x = 4096 × 170/360, rounded
    assert!(buf.pts.iter().any(|p| p[0] == 1934));
}

#[test]
fn rings_are_clipped_to_the_tile_and_its_buffer() {
    // the western half of the world's tile at zoom 1 holds lon −180..0
    let frame = TileFrame::new(TileCoord::new_checked(1, 0, 0).unwrap());
    let mut buf = RingBuf::default();
    // a square straddling lon 0 and the equator: clipped at x = 4096 + 64, y = 4096 + 64
    assert!(buf.tile_ring(frame, square(-10.0, -10.0, 20.0), true));
    let max = |i: usize| buf.pts.iter().map(|p| p[i]).max().unwrap();
    assert_eq!((max(0), max(1)), (4160, 4160));
    // entirely in the other hemisphere, beyond the buffer: nothing
    assert!(!buf.tile_ring(frame, square(10.0, 10.0, 20.0), true));
    // too small to keep an area on the integer grid: nothing
    assert!(!buf.tile_ring(frame, square(-50.0, 50.0, 1e-6), true));
}
