//! The first emerging hot spot tile of a new query against the cube it needs: over a
//! 1,000,000-incident synthetic table held in memory, 12 monthly slices at res 9, the
//! engine's answer alone (`emerging`), the server's cached answer (the same plus the
//! spatial index of its cells) and one tile over Leeds at zoom 12 encoded from it.
//! A new query's first tile costs the second plus the third. Apart: building the
//! index alone, and the query of it that each tile makes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    Cancel, EmergingQuery, Filter, HarmTable, Period, Resolution, YearMonth, emerging,
};
use hexspot_server::stats::{CentreIndex, EmergingStats};
use hexspot_server::tiles::{TileId, encode_emerging};
use hexspot_synth::{SynthConfig, incident_table};
use hexspot_tiles::TileCoord;

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;
/// Leeds city centre, where the synthetic incidents are densest.
const LEEDS: (f64, f64) = (-1.545, 53.797);

fn bench_emerging_tiles(c: &mut Criterion) {
    let started = Instant::now();
    let table = incident_table(&SynthConfig {
        rows: ROWS,
        seed: 7,
        ..SynthConfig::default()
    });
    eprintln!("built {} rows in {:.2?}", table.len(), started.elapsed());
    let harm = HarmTable::default();
    let month = |s: &str| s.parse::<YearMonth>().expect("valid month");
    let query = EmergingQuery::with_defaults(
        Filter {
            period: Some(Period::months(month("2024-01"), month("2024-12")).expect("a period")),
            ..Filter::default()
        },
        Resolution::try_from(9).expect("valid"),
    );
    let tile: TileId = TileCoord::containing(12, LEEDS.0, LEEDS.1)
        .expect("a served zoom")
        .into();
    // the first run also locates the points at res 9, once per table
    let stats = EmergingStats::compute(&table, &query, &harm, &Cancel::never()).expect("runs");
    let bytes = encode_emerging(&stats, tile)
        .expect("encodes")
        .expect("not empty");
    eprintln!(
        "tile {tile}: {} bytes from {} region cells",
        bytes.len(),
        stats.result.cells.len()
    );

    let mut group = c.benchmark_group("emerging_first_tile_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("cube_res9_12_slices", |b| {
        b.iter(|| emerging(black_box(&table), black_box(&query), &harm).expect("runs"));
    });
    group.bench_function("cached_answer_res9_12_slices", |b| {
        b.iter(|| {
            EmergingStats::compute(
                black_box(&table),
                black_box(&query),
                &harm,
                &Cancel::never(),
            )
            .expect("runs")
        });
    });
    let cells = &stats.result.cells;
    group.bench_function("index_res9", |b| {
        b.iter(|| CentreIndex::build(cells.len(), |i| cells[i].cell, query.cube.resolution));
    });
    let bounds = tile.coord().buffered_unit_bounds();
    group.bench_function("query_z12", |b| {
        b.iter(|| stats.cells_near(black_box(bounds)).len());
    });
    group.bench_function("encode_z12", |b| {
        b.iter(|| encode_emerging(black_box(&stats), black_box(tile)).expect("encodes"));
    });
    group.finish();
}

criterion_group!(benches, bench_emerging_tiles);
criterion_main!(benches);
