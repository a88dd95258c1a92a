//! Vector-tile benchmarks over a 1,000,000-incident synthetic table held in memory:
//! encoding one tile over Leeds city centre (the densest synthetic area) at zooms 10, 12
//! and 14 from statistics already computed (a tile-cache miss), and computing those
//! statistics (the cold cost of a query's first tile).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use geozero::mvt::{Message, Tile};
use hexspot_engine::{Cancel, HarmTable, HotspotQuery, Resolution};
use hexspot_server::encoding::Coding;
use hexspot_server::stats::QueryStats;
use hexspot_server::tiles::{TileId, encode, resolution_for_zoom};
use hexspot_synth::{SynthConfig, incident_table};
use hexspot_tiles::TileCoord;

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 1_000_000;
/// Leeds city centre, where the synthetic incidents are densest.
const LEEDS: (f64, f64) = (-1.545, 53.797);
const ZOOMS: [u8; 3] = [10, 12, 14];

/// The XYZ tile holding `(lon, lat)` at zoom `z`.
fn tile_at(z: u8, (lon, lat): (f64, f64)) -> TileId {
    TileCoord::containing(z, lon, lat)
        .expect("a point at a served zoom")
        .into()
}

fn query_at(resolution: Resolution) -> HotspotQuery {
    HotspotQuery {
        resolution,
        ..HotspotQuery::default()
    }
}

fn bench_tiles(c: &mut Criterion) {
    let started = Instant::now();
    let table = incident_table(&SynthConfig {
        rows: ROWS,
        seed: 7,
        ..SynthConfig::default()
    });
    eprintln!("built {} rows in {:.2?}", table.len(), started.elapsed());
    let harm = HarmTable::default();

    // Statistics once per zoom, and the size of each tile, outside the timed loops.
    let cases: Vec<(u8, TileId, QueryStats)> = ZOOMS
        .iter()
        .map(|&z| {
            let tile = tile_at(z, LEEDS);
            let res = resolution_for_zoom(z);
            let t = Instant::now();
            let stats = QueryStats::compute(&table, &query_at(res), &harm, &Cancel::never())
                .expect("query runs");
            let elapsed = t.elapsed();
            let bytes = encode(&stats, tile)
                .expect("tile encodes")
                .expect("tile over Leeds is not empty");
            let decoded = Tile::decode(bytes.as_slice()).expect("valid MVT");
            let features: usize = decoded.layers.iter().map(|l| l.features.len()).sum();
            eprintln!(
                "tile {tile} (res {}): {features} features, {} bytes uncompressed; \
                 query has {} region cells (stats computed once in {elapsed:.2?})",
                res.get(),
                bytes.len(),
                stats.result.cells.len(),
            );
            (z, tile, stats)
        })
        .collect();

    let mut group = c.benchmark_group("tile_encode_1M");
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(5));
    for (z, tile, stats) in &cases {
        let res = stats.query.resolution.get();
        group.bench_function(format!("z{z}_res{res}"), |b| {
            b.iter(|| encode(black_box(stats), black_box(*tile)).expect("tile encodes"));
        });
    }
    group.finish();

    // a tile-cache miss from a browser also compresses the tile once (then cached)
    let mut group = c.benchmark_group("tile_compress");
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(5));
    for (z, tile, stats) in &cases {
        let bytes = encode(stats, *tile)
            .expect("tile encodes")
            .expect("not empty");
        for coding in [Coding::Gzip, Coding::Br] {
            let name = coding.header().expect("a compression");
            eprintln!(
                "tile {tile}: {} bytes, {} with {name}",
                bytes.len(),
                coding.encode(&bytes).len()
            );
            group.bench_function(format!("z{z}_{name}"), |b| {
                b.iter(|| coding.encode(black_box(&bytes)));
            });
        }
    }
    group.finish();
    drop(cases);

    let mut group = c.benchmark_group("query_stats_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    for res in [7u8, 9, 11] {
        let query = query_at(Resolution::try_from(res).expect("valid resolution"));
        group.bench_function(format!("res{res}"), |b| {
            b.iter(|| {
                QueryStats::compute(
                    black_box(&table),
                    black_box(&query),
                    &harm,
                    &Cancel::never(),
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_tiles);
criterion_main!(benches);
