//! The real ONS mid-2020 MSOA population table (SAPE23DT4), checked against the
//! published West Yorkshire totals through the MSOA boundary files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hexspot_ingest::{BoundaryProperties, read_boundaries, read_population};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

#[test]
fn west_yorkshire_msoa_populations_match_the_published_totals() {
    let file = read_population(&data("population/ons-msoa-2020-SAPE23DT4.csv")).unwrap();
    assert_eq!(file.code_column, "MSOA Code");
    assert_eq!(file.columns_summed, 91); // ages 0 to 89, and 90+
    assert!(file.ignored_columns.is_empty());
    assert_eq!(file.records.len(), 7201);
    let by_code: HashMap<&str, f64> = file.records.iter().map(|(c, v)| (c.as_str(), *v)).collect();
    assert_eq!(by_code.len(), 7201);

    // England 56,550,138; England and Wales 59,719,724 (shared/data/SOURCES.md)
    let england: f64 = file
        .records
        .iter()
        .filter(|(c, _)| c.starts_with("E02"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(england, 56_550_138.0);
    let all: f64 = file.records.iter().map(|(_, v)| v).sum();
    assert_eq!(all, 59_719_724.0);

    let districts = [
        ("E08000032", "bradford", 61, 542_128.0),
        ("E08000033", "calderdale", 27, 211_439.0),
        ("E08000034", "kirklees", 59, 441_290.0),
        ("E08000035", "leeds", 107, 798_786.0),
        ("E08000036", "wakefield", 45, 351_592.0),
    ];
    let props = BoundaryProperties {
        code: "MSOA11CD",
        name: "MSOA11NM",
        district: None,
    };
    let (mut msoas, mut total) = (0, 0.0);
    for (lad, name, count, expected) in districts {
        let path = data(&format!("boundaries/msoa/{lad}-{name}-msoa.json"));
        let features = read_boundaries(&path, props).unwrap();
        assert_eq!(features.len(), count, "{name}");
        let sum: f64 = features
            .iter()
            .map(|f| {
                *by_code
                    .get(f.code.as_str())
                    .unwrap_or_else(|| panic!("{name}: {} has no population", f.code))
            })
            .sum();
        assert_eq!(sum, expected, "{name}");
        msoas += features.len();
        total += sum;
    }
    assert_eq!(msoas, 299);
    assert_eq!(total, 2_345_235.0);
}
