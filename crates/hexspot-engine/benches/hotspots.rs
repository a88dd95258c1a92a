//! Hotspot query benchmarks over a 1,000,000-incident synthetic table held in memory.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    Budget, HarmTable, HotspotQuery, IncidentTable, Limit, PlanQuery, RankBy, Resolution, Weekday,
    WeeklyWindow, hotspots, plan,
};
use hexspot_synth::{SynthConfig, incident_table};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;

fn query_at(resolution: u8) -> HotspotQuery {
    HotspotQuery {
        resolution: Resolution::try_from(resolution).expect("valid resolution"),
        limit: Limit::Top(20),
        ..Default::default()
    }
}

fn bench_hotspots(c: &mut Criterion) {
    let started = Instant::now();
    let table = incident_table(&SynthConfig {
        rows: ROWS,
        seed: 7,
        ..SynthConfig::default()
    });
    eprintln!(
        "built {} rows in {:.2?}; IncidentTable::BYTES_PER_ROW = {} ({} MB of columns)",
        table.len(),
        started.elapsed(),
        IncidentTable::BYTES_PER_ROW,
        table.column_bytes() / 1_000_000,
    );
    let harm = HarmTable::default();

    let mut violence_nte = query_at(9);
    violence_nte.filter.crime_types = vec!["Violence and sexual offences".to_owned()];
    violence_nte.filter.window = Some(
        WeeklyWindow::from_days_hours(&[Weekday::Fri, Weekday::Sat], 20, 4).expect("valid window"),
    );
    let cases = [
        ("res9", query_at(9)),
        ("res10", query_at(10)),
        ("res11", query_at(11)),
        ("res9_violence_nte", violence_nte),
    ];

    // Region sizes, printed once outside the timed loop.
    for (name, query) in &cases {
        let t = Instant::now();
        let r = hotspots(&table, query, &harm).expect("query runs");
        eprintln!(
            "{name}: region_cells = {}, occupied_cells = {}, incidents = {}, tests = {}, \
             significant hot/cold = {}/{}, exclusions = {:?} (one untimed run: {:.2?})",
            r.region_cells,
            r.occupied_cells,
            r.incidents,
            r.tests,
            r.significant_hot,
            r.significant_cold,
            r.exclusions,
            t.elapsed(),
        );
    }

    // Locating every point at a resolution (once per table, or read from the store):
    // what the first query at res 9, 10 and 11 paid above, and the memory it keeps.
    eprintln!(
        "cell columns for res 9, 10, 11: {:.1} bytes per incident in all ({:.1} per resolution)",
        table.cell_column_bytes() as f64 / table.len() as f64,
        table.cell_column_bytes() as f64 / table.len() as f64 / 3.0,
    );
    let xy = table.to_columns();
    let mut locate = c.benchmark_group("locate_1M");
    locate.sample_size(10);
    locate.bench_function("cell_column_res9", |b| {
        b.iter(|| {
            hexspot_engine::CellColumn::compute(
                black_box(&xy.lon),
                black_box(&xy.lat),
                hexspot_engine::Resolution::try_from(9).expect("valid"),
            )
        });
    });
    locate.finish();

    let mut group = c.benchmark_group("hotspot_query_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    for (name, query) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| hotspots(black_box(&table), black_box(query), &harm).expect("query runs"));
        });
    }
    group.finish();

    // patrol plans: the whole ranking, the picking, merging, outlines and weekly profiles
    let mut group = c.benchmark_group("patrol_plan_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    for (name, query, budget) in [
        ("res9_20_cells_by_harm", query_at(9), Budget::Cells(20)),
        (
            "res9_violence_nte_20_cells",
            cases[3].1.clone(),
            Budget::Cells(20),
        ),
        ("res10_1km2", query_at(10), Budget::AreaKm2(1.0)),
    ] {
        let q = PlanQuery {
            query: HotspotQuery {
                rank_by: RankBy::Harm,
                ..query
            },
            budget,
            exclude: vec![],
        };
        group.bench_function(name, |b| {
            b.iter(|| plan(black_box(&table), black_box(&q), &harm).expect("plan runs"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hotspots);
criterion_main!(benches);
