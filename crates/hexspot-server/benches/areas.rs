//! Area benchmarks on the real West Yorkshire boundaries: assigning 1,000,000 synthetic
//! incidents to the 124 wards (R-tree + point in polygon), comparing the wards for a
//! filtered period, and estimating ward populations from the 299 MSOAs through H3.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hexspot_engine::{
    Area, AreaIndex, Filter, HarmTable, Period, PopulationValue, YearMonth, area_profile, assign,
    compare, estimate_population,
};
use hexspot_ingest::{BoundaryProperties, read_boundaries};
use hexspot_synth::{SynthConfig, incident_table};

/// The binary's allocator, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DISTRICTS: [&str; 5] = ["bradford", "calderdale", "kirklees", "leeds", "wakefield"];

fn read(kind: &str, code: &str, name: &str) -> Vec<Area> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/boundaries");
    DISTRICTS
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let file = match kind {
                "wards" => dir.join(format!("E0800003{}-{d}-wards.json", i + 2)),
                _ => dir.join(format!("msoa/E0800003{}-{d}-msoa.json", i + 2)),
            };
            let props = BoundaryProperties {
                code,
                name,
                district: None,
            };
            read_boundaries(&file, props)
                .expect("real boundaries")
                .into_iter()
                .map(move |f| Area {
                    code: f.code,
                    name: f.name,
                    district: Some((*d).to_owned()),
                    shape: f.shape,
                })
        })
        .collect()
}

fn bench_areas(c: &mut Criterion) {
    let table = incident_table(&SynthConfig {
        rows: 1_000_000,
        seed: 7,
        ..SynthConfig::default()
    });
    let wards = AreaIndex::new(read("wards", "WD13CD", "WD13NM"));
    let msoas = AreaIndex::new(read("msoa", "MSOA11CD", "MSOA11NM"));
    let harm = HarmTable::default();
    let mut g = c.benchmark_group("areas");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("assign_1m_to_124_wards", |b| {
        b.iter(|| black_box(assign(&table, &wards)));
    });
    let assignment = assign(&table, &wards);
    eprintln!(
        "assigned 1,000,000: {} outside every ward",
        assignment.outside
    );
    let population: Vec<Option<PopulationValue>> = wards
        .areas()
        .iter()
        .map(|_| {
            Some(PopulationValue {
                value: 18_000.0,
                estimated: true,
            })
        })
        .collect();
    let month = |m| YearMonth::new(2024, m).expect("valid month");
    let violence_h2 = Filter {
        period: Some(Period::months(month(7), month(12)).expect("valid period")),
        crime_types: vec!["Violence and sexual offences".to_owned()],
        ..Filter::default()
    };
    g.bench_function("compare_124_wards_violence_h2_vs_h1", |b| {
        b.iter(|| {
            black_box(
                compare(
                    &table,
                    &wards,
                    &assignment,
                    &violence_h2,
                    &harm,
                    &population,
                )
                .expect("compares"),
            )
        });
    });
    g.bench_function("area_profile_one_ward", |b| {
        b.iter(|| {
            black_box(area_profile(&table, &assignment, 0, &violence_h2, &harm).expect("profile"))
        });
    });
    let msoa_population: Vec<Option<f64>> = msoas.areas().iter().map(|_| Some(7_800.0)).collect();
    g.bench_function("estimate_124_wards_from_299_msoas_res10", |b| {
        b.iter(|| {
            black_box(estimate_population(
                &msoas,
                &msoa_population,
                &wards,
                hexspot_engine::RECOMMENDED_RESOLUTION,
            ))
        });
    });
    g.finish();
}

criterion_group!(benches, bench_areas);
criterion_main!(benches);
