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
            lon.len(),
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
        CellColumn::from_parts(res(9), cells, slots, lon.len()).unwrap_err()
    };
    assert!(matches!(
        parts(col.cells().to_vec(), vec![0]),
        CellColumnError::Length { .. }
    ));
    assert!(matches!(
        parts(col.cells().to_vec(), vec![0, 7]),
        CellColumnError::Slot { .. }
    ));
    let mut unsorted = col.cells().to_vec();
    unsorted.reverse();
    assert!(matches!(
        parts(unsorted, col.slots().to_vec()),
        CellColumnError::Cell { .. }
    ));
}

#[test]
fn a_table_built_on_another_carries_its_columns_and_locates_only_the_new_rows() {
    use crate::table::{IncidentRow, IncidentTableBuilder};
    use crate::types::{Flags, LonLat, YearMonth};
    let row = |lon: f64, lat: f64| {
        let location = LonLat::new(lon, lat).unwrap();
        IncidentRow {
            location,
            fine_cell: location.fine_cell(),
            month: YearMonth::new(2025, 2).unwrap(),
            day: None,
            time: None,
            crime_type: "Robbery",
            offence: None,
            flags: Flags::default(),
            weight: None,
            import_id: 1,
        }
    };
    let pts: Vec<(f64, f64)> = (0..300)
        .map(|i| {
            (
                -1.60 + f64::from(i % 17) * 3e-3,
                53.75 + f64::from(i % 23) * 2e-3,
            )
        })
        .collect();
    let mut b = IncidentTableBuilder::default();
    for &(x, y) in &pts[..200] {
        b.push(&row(x, y)).unwrap();
    }
    let first = b.build();
    let _ = first.cells_at(res(9));
    let mut b = IncidentTableBuilder::from_table(&first);
    for &(x, y) in &pts[200..] {
        b.push(&row(x, y)).unwrap();
    }
    let both = b.build();
    assert_eq!(both.len(), 300);
    assert_eq!(
        both.cell_columns().len(),
        1,
        "res 9 carried, nothing else located"
    );
    let fresh = CellColumn::compute(&both.lon, &both.lat, res(9));
    assert_eq!(both.cells_at(res(9)), &fresh);

    // rows located as they are pushed (repeated points remembered) give the same
    // table and columns, fresh or on top of a carried one
    let mut cells = crate::PointCells::default();
    let mut b = IncidentTableBuilder::default();
    for &(x, y) in &pts[..200] {
        let r = row(x, y);
        b.push_located(&r, &cells.get(r.location)).unwrap();
    }
    let located = b.build();
    assert_eq!(
        located.cell_columns().len(),
        RESOLUTIONS,
        "every resolution kept"
    );
    let mut b = IncidentTableBuilder::from_table(&located);
    for &(x, y) in &pts[200..] {
        let r = row(x, y);
        b.push_located(&r, &cells.get(r.location)).unwrap();
    }
    let (both_located, order) = b.build_with_order();
    assert!(format!("{:?}", both_located.to_columns()) == format!("{:?}", both.to_columns()));
    for r in Resolution::MIN..=Resolution::MAX {
        let fresh = CellColumn::compute(&both.lon, &both.lat, res(r));
        assert_eq!(both_located.cells_at(res(r)), &fresh, "res {r}");
    }
    // the order taken names each pushed row once, and sorts them by fine cell
    let mut seen = order.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..300).collect::<Vec<u32>>());
    let fine: Vec<u64> = order
        .iter()
        .map(|&i| match i.checked_sub(200) {
            // the rows taken over, in their table's order; then the rows pushed
            None => located.cell[i as usize],
            Some(k) => {
                let (x, y) = pts[200 + k as usize];
                u64::from(LonLat::new(x, y).unwrap().fine_cell())
            }
        })
        .collect();
    assert!(fine.is_sorted());
    assert_eq!(fine, both.cell);

    // one row pushed without its cells: the added rows are located at the end instead
    let mut b = IncidentTableBuilder::from_table(&located);
    let r = row(pts[200].0, pts[200].1);
    b.push_located(&r, &cells.get(r.location)).unwrap();
    for &(x, y) in &pts[201..] {
        b.push(&row(x, y)).unwrap();
    }
    let mixed = b.build();
    for r in Resolution::MIN..=Resolution::MAX {
        let fresh = CellColumn::compute(&both.lon, &both.lat, res(r));
        assert_eq!(mixed.cells_at(res(r)), &fresh, "res {r}");
    }
}
