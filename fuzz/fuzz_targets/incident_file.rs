//! Incident files — police.uk CSV, force extracts (CSV with mapped or recognised
//! columns) and GeoJSON points: the first byte picks the form, the rest is the file.
//! Any input must be read to a summary or refused with an error, never a panic, and
//! the counts must add up.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (ext, columns) = match pick % 3 {
        0 => ("csv", hexspot_ingest::ColumnMap::default()),
        1 => {
            // a force extract with its columns named by a mapping
            let mut m = hexspot_ingest::ColumnMap::default();
            for pair in ["latitude=Lat", "longitude=Long", "datetime=Date", "crime_type=Type"] {
                m.add_pair(pair).expect("a valid pair");
            }
            ("csv", m)
        }
        _ => ("geojson", hexspot_ingest::ColumnMap::default()),
    };
    let file = common::file_with(body, ext);
    let options = hexspot_ingest::ReadOptions { columns };
    let mut rows = 0u64;
    let result = hexspot_ingest::read_file::<std::convert::Infallible>(
        file.path(),
        &options,
        &mut |_| {},
        &mut |_| {
            rows += 1;
            Ok(())
        },
    );
    if let Ok(summary) = result {
        assert_eq!(summary.rows_read, rows + summary.rejected.len() as u64);
    }
});
