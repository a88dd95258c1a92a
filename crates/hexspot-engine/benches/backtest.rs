//! Backtests (issue 15): 6 rolling-origin folds × 4 methods (count, harm, Gi*, KDE at
//! h = 400 m), res 9, 12 months of training and 1 of test, 20 cells, over a
//! 1,000,000-incident synthetic table (18 months) held in memory.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    BacktestQuery, Bandwidth, Budget, Filter, Folds, HarmTable, K, Measure, Method, Resolution,
    WindowMonths, backtest,
};
use hexspot_synth::{SynthConfig, incident_table};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;

fn bench_backtest(c: &mut Criterion) {
    let started = Instant::now();
    let table = incident_table(&SynthConfig {
        rows: ROWS,
        seed: 7,
        months: 18,
        ..SynthConfig::default()
    });
    eprintln!("built {} rows in {:.2?}", table.len(), started.elapsed());
    let harm = HarmTable::default();
    let query = BacktestQuery {
        filter: Filter::default(),
        resolution: Resolution::try_from(9).expect("valid"),
        k: K::default(),
        measure: Measure::Count,
        methods: Method::ALL.to_vec(),
        train_months: WindowMonths::new(12).expect("valid"),
        test_months: WindowMonths::new(1).expect("valid"),
        folds: Folds::new(6).expect("valid"),
        to: "2025-06".parse().expect("valid"),
        budget: Budget::Cells(20),
        bandwidth: Bandwidth::new(400.0).expect("valid"),
        curve_cells: 50,
    };
    let t = Instant::now();
    let r = backtest(&table, &query, &harm).expect("runs");
    eprintln!(
        "backtest res 9, 6 folds × 4 methods: {} region cells in the last fold, {} test incidents; mean PAI {} (first run, cells located: {:.2?})",
        r.folds[5].region_cells,
        r.folds[5].test_incidents,
        r.summaries
            .iter()
            .map(|s| format!("{} {:.2}", s.method.name(), s.pai.mean.unwrap_or(f64::NAN)))
            .collect::<Vec<_>>()
            .join(", "),
        t.elapsed()
    );
    let mut group = c.benchmark_group("time_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("backtest_res9_6_folds_4_methods", |b| {
        b.iter(|| backtest(black_box(&table), black_box(&query), &harm).expect("runs"));
    });
    group.finish();
}

criterion_group!(benches, bench_backtest);
criterion_main!(benches);
