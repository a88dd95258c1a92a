use super::*;

#[test]
fn clipping_a_square_through_a_corner() {
    let mut scratch = Vec::new();
    // a 20×20 square centred on the clip corner (0, 0) keeps its 10×10 quarter
    let mut sq = vec![[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]];
    clip(&mut sq, &mut scratch, 0.0, 100.0);
    #[allow(clippy::cast_possible_truncation)]
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
fn signed_area_is_positive_clockwise_with_y_down() {
    // (0,0) → (4,0) → (4,2) → (0,2): clockwise on a screen (y down)
    assert_eq!(area2(&[[0, 0], [4, 0], [4, 2], [0, 2]]), 16);
    assert_eq!(area2(&[[0, 2], [4, 2], [4, 0], [0, 0]]), -16);
    assert_eq!(area2(&[]), 0);
}
