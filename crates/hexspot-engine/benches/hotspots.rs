//! Hotspot query benchmarks over a 1,000,000-incident synthetic table held in memory.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    Day, Flag, Flags, HarmTable, HotspotQuery, IncidentRow, IncidentTable, IncidentTableBuilder,
    Limit, LonLat, MinuteOfDay, Resolution, Weekday, WeeklyWindow, YearMonth, hotspots,
};
use hexspot_synth::{SynthConfig, generate};

const ROWS: u64 = 1_000_000;

/// Builds the 1M-row table from the synthetic generator (seed 7).
fn build_table() -> IncidentTable {
    let config = SynthConfig {
        rows: ROWS,
        seed: 7,
        ..Default::default()
    };
    let mut builder = IncidentTableBuilder::with_capacity(ROWS as usize);
    for row in generate(&config) {
        let (date, time) = (row.datetime.date(), row.datetime.time());
        let (y, m, d) = (date.year(), date.month(), date.day());
        let location = LonLat::new(row.longitude, row.latitude).expect("synthetic point is valid");
        builder.push(&IncidentRow {
            location,
            fine_cell: location.fine_cell(),
            month: YearMonth::new(y, m).expect("valid month"),
            day: Some(Day::from_ymd(y, m, d).expect("valid day")),
            time: Some(MinuteOfDay::new(time.hour(), time.minute()).expect("valid time")),
            crime_type: row.crime_type,
            offence: row.offence_code,
            flags: Flags::new(
                Flag::from(Some(row.knife)),
                Flag::from(Some(row.domestic)),
                Flag::from(Some(row.victim_under_25)),
            ),
            weight: None,
            import_id: 1,
        });
    }
    builder.build()
}

fn query_at(resolution: u8) -> HotspotQuery {
    HotspotQuery {
        resolution: Resolution::try_from(resolution).expect("valid resolution"),
        limit: Limit::Top(20),
        ..Default::default()
    }
}

fn bench_hotspots(c: &mut Criterion) {
    let started = Instant::now();
    let table = build_table();
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
}

criterion_group!(benches, bench_hotspots);
criterion_main!(benches);
