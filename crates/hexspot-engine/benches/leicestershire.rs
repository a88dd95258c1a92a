//! Emerging hot spots on real police.uk data (issue 14): violence and sexual offences,
//! Leicestershire, all 35 months 2019-12..2022-10 as monthly slices, res 8, default k,
//! alpha and time lag; and a backtest (issue 15): 12 folds × 4 methods, res 9, 12
//! months of training and 1 of test to 2022-10, 20 cells, KDE at h = 400 m. The months are read from `../shared/data/crime/leicestershire`
//! (`HEXSPOT_SHARED_DATA` names another copy of `shared/data`); where that folder is not
//! there the bench says it skipped.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    BacktestQuery, Bandwidth, Budget, Category, EmergingQuery, Filter, Folds, HarmTable, K,
    Measure, Method, Period, Resolution, WindowMonths, YearMonth, backtest, emerging,
};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const VIOLENCE: &str = "Violence and sexual offences";

#[path = "../tests/support/leicestershire.rs"]
mod leicestershire;

fn bench_leicestershire(c: &mut Criterion) {
    let Some(dir) = leicestershire::folder() else {
        eprintln!("shared/data/crime/leicestershire not found: leicestershire bench skipped");
        return;
    };
    let started = Instant::now();
    let table = leicestershire::load(&dir);
    eprintln!("read {} rows in {:.2?}", table.len(), started.elapsed());
    let month = |s: &str| s.parse::<YearMonth>().expect("valid month");
    let query = EmergingQuery::with_defaults(
        Filter {
            period: Some(Period::months(month("2019-12"), month("2022-10")).expect("a period")),
            crime_types: vec![VIOLENCE.to_owned()],
            ..Filter::default()
        },
        Resolution::try_from(8).expect("valid"),
    );
    let harm = HarmTable::default();
    let t = Instant::now();
    let r = emerging(&table, &query, &harm).expect("runs");
    eprintln!(
        "emerging res 8, violence, {} slices: {} cells, {} incidents; {} (first run, cells located: {:.2?})",
        r.cube.slices.len(),
        r.cells.len(),
        r.cube.incidents,
        Category::ALL
            .iter()
            .map(|c| format!("{} {}", c.name(), r.total(*c)))
            .collect::<Vec<_>>()
            .join(", "),
        t.elapsed()
    );
    let mut group = c.benchmark_group("leicestershire");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("emerging_violence_res8_35_months", |b| {
        b.iter(|| emerging(black_box(&table), black_box(&query), &harm).expect("runs"));
    });
    let bq = BacktestQuery {
        filter: Filter {
            crime_types: vec![VIOLENCE.to_owned()],
            ..Filter::default()
        },
        resolution: Resolution::try_from(9).expect("valid"),
        k: K::default(),
        measure: Measure::Count,
        methods: Method::ALL.to_vec(),
        train_months: WindowMonths::new(12).expect("valid"),
        test_months: WindowMonths::new(1).expect("valid"),
        folds: Folds::new(12).expect("valid"),
        to: month("2022-10"),
        budget: Budget::Cells(20),
        bandwidth: Bandwidth::new(400.0).expect("valid"),
        curve_cells: 50,
    };
    group.bench_function("backtest_violence_res9_12_folds_4_methods", |b| {
        b.iter(|| backtest(black_box(&table), black_box(&bq), &harm).expect("runs"));
    });
    group.finish();
}

criterion_group!(benches, bench_leicestershire);
criterion_main!(benches);
