//! Emerging hot spots (12 monthly slices, res 9) and kernel density (res 10, h = 400 m)
//! over a 1,000,000-incident synthetic table held in memory.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    Bandwidth, Category, EmergingQuery, Filter, HarmTable, KdeQuery, Measure, Period, Resolution,
    YearMonth, emerging, kde,
};
use hexspot_synth::{SynthConfig, incident_table};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;

fn bench_emerging(c: &mut Criterion) {
    let started = Instant::now();
    let table = incident_table(&SynthConfig {
        rows: ROWS,
        seed: 7,
        ..SynthConfig::default()
    });
    eprintln!("built {} rows in {:.2?}", table.len(), started.elapsed());
    let harm = HarmTable::default();
    let month = |s: &str| s.parse::<YearMonth>().expect("valid month");
    let filter = Filter {
        period: Some(Period::months(month("2024-01"), month("2024-12")).expect("a period")),
        ..Filter::default()
    };
    let query =
        EmergingQuery::with_defaults(filter.clone(), Resolution::try_from(9).expect("valid"));
    let kq = KdeQuery {
        filter: Filter::default(),
        resolution: Resolution::try_from(10).expect("valid"),
        bandwidth: Bandwidth::new(400.0).expect("valid"),
        measure: Measure::Count,
        cells: None,
    };

    // sizes, printed once outside the timed loop (the first run also locates the
    // points at res 9 and 10, once per table)
    let t = Instant::now();
    let r = emerging(&table, &query, &harm).expect("runs");
    eprintln!(
        "emerging res 9, 12 slices: {} region cells, {} occupied, {} incidents; {} (first run, cells located: {:.2?})",
        r.cells.len(),
        r.cube.occupied_cells,
        r.cube.incidents,
        Category::ALL
            .iter()
            .map(|c| format!("{} {}", c.name(), r.total(*c)))
            .collect::<Vec<_>>()
            .join(", "),
        t.elapsed()
    );
    let t = Instant::now();
    let k = kde(&table, &kq, &harm).expect("runs");
    eprintln!(
        "kde res 10, h 400 m: {} cells, {} incidents at {} points (first run, cells located: {:.2?})",
        k.cells.len(),
        k.incidents,
        k.points,
        t.elapsed()
    );

    let mut group = c.benchmark_group("time_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("emerging_res9_12_slices", |b| {
        b.iter(|| emerging(black_box(&table), black_box(&query), &harm).expect("runs"));
    });
    group.bench_function("kde_res10_h400", |b| {
        b.iter(|| kde(black_box(&table), black_box(&kq), &harm).expect("runs"));
    });
    group.finish();
}

criterion_group!(benches, bench_emerging);
criterion_main!(benches);
