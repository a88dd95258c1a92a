use super::*;

fn res(r: u8) -> Resolution {
    Resolution::try_from(r).unwrap()
}

#[test]
fn a_column_holds_each_point_in_the_cell_that_contains_it() {
    // Leeds city centre, points 1 m apart in a line, so some runs repeat a point
    let lon: Vec<f64> = (0..500)
        .map(|i| -1.5491 + f64::from(i / 2) * 1.5e-5)
        .collect();
    let lat: Vec<f64> = (0..500)
        .map(|i| 53.7965 + f64::from(i / 2) * 0.9e-5)
        .collect();
    for r in 5..=12 {
        let col = CellColumn::compute(&lon, &lat, res(r));
        assert!(col.cells().windows(2).all(|w| w[0] < w[1]));
        for i in 0..lon.len() {
            let want = LatLng::new(lat[i], lon[i]).unwrap().to_cell(res(r).h3());
            assert_eq!(col.cell(i), u64::from(want), "row {i} at res {r}");
        }
        let back = CellColumn::from_parts(
            res(r),
            col.cells().to_vec(),
            col.slots().to_vec(),
            &lon,
            &lat,
        )
        .unwrap();
        assert_eq!(back, col);
    }
}

#[test]
fn stored_columns_that_do_not_fit_are_refused() {
    let (lon, lat) = (vec![-1.5491, -1.5], vec![53.7965, 53.8]);
    let col = CellColumn::compute(&lon, &lat, res(9));
    let parts = |cells: Vec<u64>, slots: Vec<u32>| {
        CellColumn::from_parts(res(9), cells, slots, &lon, &lat).unwrap_err()
    };
    assert!(matches!(
        parts(col.cells().to_vec(), vec![0]),
        CellColumnError::Length { .. }
    ));
    assert!(matches!(
        parts(col.cells().to_vec(), vec![0, 7]),
        CellColumnError::Slot { .. }
    ));
    let swapped: Vec<u32> = col.slots().iter().rev().copied().collect();
    assert!(matches!(
        parts(col.cells().to_vec(), swapped),
        CellColumnError::Point { row: 0, .. }
    ));
    let mut unsorted = col.cells().to_vec();
    unsorted.reverse();
    assert!(matches!(
        parts(unsorted, col.slots().to_vec()),
        CellColumnError::Cell { .. }
    ));
}
