use super::*;

use h3o::LatLng;

use crate::space_time::tests::table;

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn windows(to: &str, l: u32, m: u32, f: u32) -> Vec<(String, String, String, String)> {
    fold_windows(
        ym(to),
        WindowMonths::new(l).unwrap(),
        WindowMonths::new(m).unwrap(),
        Folds::new(f).unwrap(),
    )
    .iter()
    .map(|w| {
        (
            w.train.0.to_string(),
            w.train.1.to_string(),
            w.test.0.to_string(),
            w.test.1.to_string(),
        )
    })
    .collect()
}

fn s(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[test]
fn rolling_origin_windows_by_hand() {
    assert_eq!(
        windows("2022-10", 12, 1, 3),
        [
            s("2021-08", "2022-07", "2022-08", "2022-08"),
            s("2021-09", "2022-08", "2022-09", "2022-09"),
            s("2021-10", "2022-09", "2022-10", "2022-10"),
        ]
    );
    // three-month test windows shift by three months, across a year end
    assert_eq!(
        windows("2023-01", 6, 3, 2),
        [
            s("2022-02", "2022-07", "2022-08", "2022-10"),
            s("2022-05", "2022-10", "2022-11", "2023-01"),
        ]
    );
}

fn hot() -> CellIndex {
    LatLng::new(53.7965, -1.5478)
        .unwrap()
        .to_cell(h3o::Resolution::Nine)
}

/// A hot cell (5 a month), a cell two steps away (1 a month) and a cell far away (2 a month),
/// 2023-01 to 2023-06; the far cell's June incidents are another crime type.
fn rows() -> Vec<(CellIndex, YearMonth, &'static str, u32)> {
    let a = hot();
    let b = a
        .grid_disk::<Vec<_>>(2)
        .into_iter()
        .find(|c| a.grid_distance(*c) == Ok(2))
        .unwrap();
    let far = LatLng::new(53.90, -1.40)
        .unwrap()
        .to_cell(h3o::Resolution::Nine);
    let mut v = Vec::new();
    for m in [
        "2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06",
    ] {
        v.push((a, ym(m), "Violence", 5));
        v.push((b, ym(m), "Violence", 1));
        v.push((
            far,
            ym(m),
            if m == "2023-06" { "Other" } else { "Violence" },
            2,
        ));
    }
    v
}

fn query(to: &str, folds: u32) -> BacktestQuery {
    BacktestQuery {
        filter: Filter {
            crime_types: vec!["Violence".into()],
            ..Filter::default()
        },
        resolution: Resolution::try_from(9).unwrap(),
        k: K::default(),
        measure: Measure::Count,
        methods: Method::ALL.to_vec(),
        train_months: WindowMonths::new(3).unwrap(),
        test_months: WindowMonths::new(1).unwrap(),
        folds: Folds::new(folds).unwrap(),
        to: ym(to),
        budget: Budget::Cells(1),
        bandwidth: Bandwidth::new(400.0).unwrap(),
        curve_cells: 5,
    }
}

#[test]
fn every_method_scores_one_region_per_fold() {
    let t = table(&rows());
    let r = backtest(&t, &query("2023-05", 2), &HarmTable::default()).unwrap();
    assert_eq!(r.folds.len(), 2);
    for f in &r.folds {
        // S: the 1-rings of the three occupied cells
        let a = hot();
        let mut s: Vec<CellIndex> = a.grid_disk(1);
        for c in &rows()[..3] {
            s.extend(c.0.grid_disk::<Vec<_>>(1));
        }
        s.sort_unstable();
        s.dedup();
        assert_eq!(f.region_cells, s.len());
        assert_eq!((f.train_incidents, f.test_incidents), (24, 8));
        for m in &f.methods {
            assert_eq!(m.score.area_total_km2, f.region_area_km2);
            assert_eq!(m.score.n_total, 8);
            if m.method == Method::Gistar {
                // Gi* over a region of rings favours a ring cell (its smaller w)
                assert!(s.contains(&m.chosen[0]));
                continue;
            }
            // count, harm and KDE pick the hot cell: 5 of 8 test incidents
            assert_eq!(m.chosen, [a], "{:?}", m.method);
            assert_eq!(m.score.n, 5);
            assert_eq!(m.score.hit_rate, Some(5.0 / 8.0));
            assert_eq!(m.score.n_max, 5);
            assert_eq!(m.score.pei, Some(1.0));
            // RRI: (5 / 15) / (8 / 24) = 1
            assert!((m.score.rri.unwrap() - 1.0).abs() < 1e-12);
        }
    }
    let count = r.summary(Method::Count).unwrap();
    assert_eq!(count.hit_rate.mean, Some(5.0 / 8.0));
    assert_eq!(count.pai.folds, 2);
    assert!(!count.curve.is_empty());
}

#[test]
fn a_fold_with_no_test_incidents_is_flagged_and_left_out_of_the_means() {
    let t = table(&rows());
    let mut q = query("2023-06", 2);
    q.filter.crime_types = vec!["Other".into()];
    q.train_months = WindowMonths::new(1).unwrap();
    // fold 1 trains on April (no "Other") and tests May; fold 2 tests June
    q.to = ym("2023-06");
    let r = backtest(&t, &q, &HarmTable::default()).unwrap();
    assert!(r.folds[0].no_test_incidents());
    assert_eq!(r.folds[0].methods[0].score.pai, None);
    assert!(r.folds[1].few_test_incidents());
}

#[test]
fn folds_outside_the_data_are_refused_by_name() {
    let t = table(&rows());
    let e = backtest(&t, &query("2023-07", 1), &HarmTable::default()).unwrap_err();
    assert!(
        matches!(e, BacktestError::OutsideData { fold: 1, .. }),
        "{e}"
    );
    let e = backtest(&t, &query("2023-05", 3), &HarmTable::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "fold 1 needs 2022-12 to 2023-03, but the data hold 2023-01 to 2023-06: use fewer folds, fewer training months or an earlier end"
    );
    let mut gap = rows();
    gap.retain(|r| r.1 != ym("2023-03"));
    let e = backtest(&table(&gap), &query("2023-05", 1), &HarmTable::default()).unwrap_err();
    assert_eq!(
        e,
        BacktestError::Gap {
            fold: 1,
            months: vec![ym("2023-03")]
        }
    );
    let mut q = query("2023-05", 1);
    q.methods.clear();
    assert_eq!(
        backtest(&t, &q, &HarmTable::default()),
        Err(BacktestError::NoMethods)
    );
}
