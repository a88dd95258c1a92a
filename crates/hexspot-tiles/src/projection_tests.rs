use super::*;

#[test]
fn mercator_corners_and_inverse() {
    assert_eq!(mercator(-180.0, 0.0), [0.0, 0.5]);
    assert_eq!(mercator(180.0, 0.0), [1.0, 0.5]);
    let [_, y] = mercator(0.0, MAX_LATITUDE);
    assert!(y.abs() < 1e-9);
    let [_, y] = mercator(0.0, -MAX_LATITUDE);
    assert!((y - 1.0).abs() < 1e-9);
    for lat in [-60.0, -1.0, 0.0, 53.8, 70.0] {
        let [_, y] = mercator(0.0, lat);
        assert!((unit_y_to_lat(y) - lat).abs() < 1e-9);
    }
    for lon in [-180.0, -1.545, 0.0, 179.0] {
        let [x, _] = mercator(lon, 0.0);
        assert!((unit_x_to_lon(x) - lon).abs() < 1e-12);
    }
}
