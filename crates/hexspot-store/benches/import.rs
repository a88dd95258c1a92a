//! Import and load benchmarks: a 1,000,000-row synthetic CSV into a fresh SQLite store,
//! and loading those rows back into the engine's columnar table.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hexspot_store::{ImportOptions, ImportOutcome, Store};
use hexspot_synth::{SynthConfig, write_csv};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;

/// Imports `csv` into a new database at `db`, checking every row landed.
fn import(db: &Path, csv: &Path) {
    let mut store = Store::open(db).expect("open store");
    let outcome = store
        .import_file(csv, "synth.csv", &ImportOptions::default(), &mut |_| {})
        .expect("import");
    match outcome {
        ImportOutcome::Imported { info, .. } => assert_eq!(info.rows_imported, ROWS),
        other => panic!("unexpected outcome: {other:?}"),
    }
}

fn bench_import(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("synth.csv");
    let started = Instant::now();
    let file = std::fs::File::create(&csv_path).expect("create csv");
    let written = write_csv(
        &SynthConfig {
            rows: ROWS,
            seed: 7,
            ..Default::default()
        },
        file,
    )
    .expect("write csv");
    assert_eq!(written, ROWS);
    let csv_bytes = std::fs::metadata(&csv_path).expect("csv metadata").len();
    eprintln!(
        "wrote {written} rows ({:.1} MB) in {:.2?}",
        csv_bytes as f64 / 1e6,
        started.elapsed()
    );

    let mut group = c.benchmark_group("import_1M");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(40));
    group.throughput(Throughput::Elements(ROWS));
    group.bench_function("csv_to_fresh_db", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh database each time; creating and removing it is not timed.
                let db_dir = tempfile::tempdir_in(dir.path()).expect("db tempdir");
                let db = db_dir.path().join("bench.db");
                let t = Instant::now();
                import(&db, &csv_path);
                total += t.elapsed();
                drop(db_dir);
            }
            total
        });
    });
    group.finish();

    // One store holding the 1M rows, imported once, for the load benchmark.
    let db = dir.path().join("loaded.db");
    import(&db, &csv_path);
    let db_bytes: u64 = ["loaded.db", "loaded.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    eprintln!("database with {ROWS} rows: {:.1} MB", db_bytes as f64 / 1e6);
    let store = Store::open(&db).expect("open store");
    let mut group = c.benchmark_group("load_table_1M");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(ROWS));
    group.bench_function("load_table", |b| {
        b.iter(|| {
            let table = store.load_table().expect("load table");
            assert_eq!(table.len() as u64, ROWS);
            black_box(table)
        });
    });
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
