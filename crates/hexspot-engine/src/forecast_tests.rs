use super::*;

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("defined");
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

/// ptools' `pai` example: observed (6, 3, 0), predicted (3, 2, 1), unit areas.
#[test]
fn ptools_pai_vector() {
    let cells = [1, 2, 3];
    let fold = FoldCells {
        cells: &cells,
        area_km2: &[1.0; 3],
        train_count: &[3, 2, 1],
        test_count: &[6, 3, 0],
        test_harm: &[6.0, 3.0, 0.0],
        train_total: 6,
        test_total: 9,
        test_harm_total: 9.0,
    };
    let scores = [Some(3.0), Some(2.0), Some(1.0)];
    for (k, pai) in [(1, 2.0), (2, 1.5), (3, 1.0)] {
        let (s, _) = score(&fold, &scores, Budget::Cells(k), 3);
        close(s.pai, pai);
        close(s.pei, 1.0);
        assert!(!s.tie);
    }
    let (_, curve) = score(&fold, &scores, Budget::Cells(1), 3);
    let pais: Vec<f64> = curve.iter().map(|p| p.pai.unwrap()).collect();
    assert_eq!(pais, [2.0, 1.5, 1.0]);
    assert_eq!(curve[1].area_share, 2.0 / 3.0);
}

/// Four cells, one with no score; two incidents of each period fall outside S.
fn small() -> (Vec<u64>, [Option<f64>; 4]) {
    (
        vec![10, 20, 30, 40],
        [Some(5.0), Some(5.0), Some(1.0), None],
    )
}

fn small_fold(cells: &[u64]) -> FoldCells<'_> {
    FoldCells {
        cells,
        area_km2: &[1.0, 1.0, 2.0, 1.0],
        train_count: &[5, 5, 1, 0],
        test_count: &[4, 1, 3, 2],
        test_harm: &[8.0, 1.0, 3.0, 2.0],
        train_total: 12,
        test_total: 12,
        test_harm_total: 16.0,
    }
}

#[test]
fn hit_rate_rri_and_ties_by_hand() {
    let (cells, scores) = small();
    let fold = small_fold(&cells);
    // top 1: cell 10 (score 5, tied with cell 20, which has the higher index)
    let (s, _) = score(&fold, &scores, Budget::Cells(1), 10);
    assert_eq!(
        (s.cells, s.n, s.n_total, s.n_train, s.n_max),
        (1, 4, 12, 5, 4)
    );
    close(s.hit_rate, 4.0 / 12.0);
    assert_eq!((s.a_km2, s.area_total_km2), (1.0, 5.0));
    close(s.pai, (4.0 / 12.0) / (1.0 / 5.0));
    close(s.pei, 1.0);
    close(s.rri, (4.0 / 5.0) / (12.0 / 12.0));
    close(s.harm_capture, 0.5);
    assert!(s.tie);
    assert_eq!(s.undefined, 1);
    // a budget of 4 cells takes the 3 with a score, never the undefined one
    let (s, curve) = score(&fold, &scores, Budget::Cells(4), 10);
    assert_eq!((s.cells, s.n, s.n_train, s.n_max), (3, 8, 11, 9));
    close(s.hit_rate, 8.0 / 12.0);
    close(s.pai, (8.0 / 12.0) / (4.0 / 5.0));
    close(s.pei, 8.0 / 9.0);
    close(s.rri, (8.0 / 11.0) / 1.0);
    close(s.harm_capture, 12.0 / 16.0);
    assert!(!s.tie);
    assert_eq!(curve.len(), 3);
    // an area budget of 3.5 km² takes cells 10 and 20 (1 + 1), then 30 (2) does not fit
    let (s, _) = score(&fold, &scores, Budget::AreaKm2(3.5), 10);
    assert_eq!((s.cells, s.n), (2, 5));
    assert!(!s.tie);
}

#[test]
fn ties_break_by_ascending_cell() {
    let cells = [30, 10, 20];
    let scores = [Some(1.0), Some(1.0), Some(1.0)];
    assert_eq!(rank(&cells, &scores), [1, 2, 0]);
}

#[test]
fn no_test_incidents_leave_the_ratios_undefined() {
    let (cells, scores) = small();
    let fold = FoldCells {
        test_count: &[0; 4],
        test_harm: &[0.0; 4],
        test_total: 0,
        test_harm_total: 0.0,
        ..small_fold(&cells)
    };
    let (s, _) = score(&fold, &scores, Budget::Cells(2), 2);
    assert_eq!(
        (s.hit_rate, s.pai, s.pei, s.rri, s.harm_capture),
        (None, None, None, None, None)
    );
}
