use super::*;
use h3o::{LatLng, Resolution};

/// Local IJ neighbours are the k-ring, including across the edge of the anchor's base
/// cell (sampled over north-west Europe, where UK data lies).
#[test]
fn ring_offsets_match_grid_disk_near_base_cell_edges() {
    let mut s = 99u64;
    let mut crossing = 0;
    for _ in 0..20_000 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let lat = 48.0 + (s >> 40) as f64 / (1u64 << 24) as f64 * 14.0;
        let lng = -12.0 + (s & 0xFFFFFF) as f64 / (1u64 << 24) as f64 * 16.0;
        for res in [Resolution::Seven, Resolution::Nine] {
            let c = LatLng::new(lat, lng).unwrap().to_cell(res);
            let Some(frame) = Frame::new(c) else { continue };
            for k in [1, 2] {
                let disk: Vec<CellIndex> = c.grid_disk(k);
                if disk.iter().any(|d| d.base_cell() != c.base_cell()) {
                    crossing += 1;
                }
                let mut want: Vec<u64> = disk.iter().map(|d| u64::from(*d)).collect();
                want.sort_unstable();
                let (ci, cj) = frame.ij(c).unwrap();
                let mut got: Vec<u64> = ring_offsets(k)
                    .iter()
                    .map(|(di, dj)| u64::from(frame.cell((ci + di, cj + dj)).unwrap()))
                    .collect();
                got.sort_unstable();
                assert_eq!(got, want, "{c} k={k}");
            }
        }
    }
    assert!(
        crossing > 20,
        "the sample must cross base-cell edges ({crossing})"
    );
}

#[test]
fn ring_offsets_have_the_hexagonal_counts() {
    for k in 0..=5 {
        assert_eq!(ring_offsets(k).len() as u32, 3 * k * (k + 1) + 1);
    }
}

#[test]
fn tile_grid_handles_negative_and_far_coordinates() {
    let mut g = TileGrid::new();
    let mut next = 0;
    for &(i, j) in &[
        (0, 0),
        (-1, -1),
        (63, 64),
        (-65, 7),
        (1_000_000, -1_000_000),
    ] {
        let v = g.get_or_insert(i, j, || {
            next += 1;
            next - 1
        });
        assert_eq!(g.get(i, j), Some(v));
    }
    assert_eq!(g.get(5, 5), None);
    assert_eq!(g.get_or_insert(0, 0, || unreachable!()), 0);
}

#[test]
fn tile_grid_starts_in_the_tile_left_of_and_below_the_origin() {
    // tile (−1, −1) has the key u64::MAX, which once stood for "no tile looked up yet":
    // a grid whose first cell lay there indexed an empty tile list (a panic, found on
    // Northamptonshire's November 2018 violence at res 5)
    let mut g = TileGrid::new();
    assert_eq!(g.get(-1, -1), None);
    let mut g = TileGrid::new();
    assert_eq!(g.get_or_insert(-3, -2, || 7), 7);
    assert_eq!(g.get(-3, -2), Some(7));
    assert_eq!(g.get(-4, -2), None);
    assert_eq!(g.get_or_insert(0, 0, || 8), 8);
    assert_eq!(g.get(-3, -2), Some(7));
}
