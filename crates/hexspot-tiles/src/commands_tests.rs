use super::*;

fn rings_commands<'a>(rings: impl IntoIterator<Item = &'a [[i32; 2]]>) -> Vec<u32> {
    let mut g = PolygonCommands::default();
    for r in rings {
        g.ring(r);
    }
    g.into_vec()
}

#[test]
fn ring_commands_match_the_specs_worked_example() {
    // MVT 2.1 §4.3.5.3 example polygon: POLYGON ((3 6, 8 12, 20 34, 3 6))
    let ring: &[[i32; 2]] = &[[3, 6], [8, 12], [20, 34]];
    assert_eq!(
        rings_commands([ring]),
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

#[test]
fn zigzag_keeps_small_numbers_small() {
    // MVT 2.1 §4.3.2: 0 → 0, −1 → 1, 1 → 2, −2 → 3, and the extremes
    let pairs = [
        (0, 0),
        (-1, 1),
        (1, 2),
        (-2, 3),
        (i32::MAX, u32::MAX - 1),
        (i32::MIN, u32::MAX),
    ];
    for (v, z) in pairs {
        assert_eq!(zigzag(v), z, "{v}");
    }
}
