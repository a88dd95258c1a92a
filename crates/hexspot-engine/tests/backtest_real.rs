//! Backtests on real police.uk data (issue 15): Leicestershire's violence and sexual
//! offences, res 9, 20 cells, 6 folds training on 12 months and testing on the next
//! one, to 2022-10. The months are read from `../shared/data/crime/leicestershire`
//! (`HEXSPOT_SHARED_DATA` names another copy of `shared/data`); where that folder is
//! not there the test says it skipped.

use hexspot_engine::*;

const VIOLENCE: &str = "Violence and sexual offences";

#[path = "support/leicestershire.rs"]
mod leicestershire;

#[test]
fn leicestershire_violence_six_folds_twenty_cells() {
    let Some(dir) = leicestershire::folder() else {
        eprintln!("shared/data/crime/leicestershire not found: test skipped");
        return;
    };
    let table = leicestershire::load(&dir);
    let query = BacktestQuery {
        filter: Filter {
            crime_types: vec![VIOLENCE.to_owned()],
            ..Filter::default()
        },
        resolution: Resolution::try_from(9).unwrap(),
        k: K::default(),
        measure: Measure::Count,
        methods: Method::ALL.to_vec(),
        train_months: WindowMonths::new(12).unwrap(),
        test_months: WindowMonths::new(1).unwrap(),
        folds: Folds::new(6).unwrap(),
        to: "2022-10".parse().unwrap(),
        budget: Budget::Cells(20),
        bandwidth: Bandwidth::new(400.0).unwrap(),
        curve_cells: 50,
    };
    let r = backtest(&table, &query, &HarmTable::default()).unwrap();
    assert_eq!(r.folds.len(), 6);
    assert_eq!(r.folds[0].window.test.0.to_string(), "2022-05");
    assert_eq!(r.folds[0].window.train.0.to_string(), "2021-05");
    for f in &r.folds {
        assert!(f.test_incidents > 1000, "{}", f.test_incidents);
        for m in &f.methods {
            assert_eq!(m.score.cells, 20);
            assert_eq!(m.score.area_total_km2, f.region_area_km2);
            assert!(m.score.pei.unwrap() <= 1.0);
        }
    }
    let pai = |m: Method| r.summary(m).unwrap().pai.mean.unwrap();
    let got: Vec<(Method, f64)> = Method::ALL.iter().map(|&m| (m, pai(m))).collect();
    for (m, p) in &got {
        eprintln!(
            "{}: mean PAI {p:.6}, hit rate {:.4}, PEI {:.3}, ties {}",
            m.name(),
            r.summary(*m).unwrap().hit_rate.mean.unwrap(),
            r.summary(*m).unwrap().pei.mean.unwrap(),
            r.summary(*m).unwrap().ties
        );
    }
    let want = [
        (Method::Count, 38.858),
        (Method::Harm, 38.858),
        (Method::Gistar, 34.444),
        (Method::Kde, 38.526),
    ];
    for ((m, g), (_, w)) in got.iter().zip(want) {
        assert!(
            (g - w).abs() < 5e-4,
            "{}: mean PAI {g:.3}, recorded {w:.3}",
            m.name()
        );
    }
    // with no harm table every incident weighs 1: harm ranks as count does
    assert_eq!(pai(Method::Count), pai(Method::Harm));
}
