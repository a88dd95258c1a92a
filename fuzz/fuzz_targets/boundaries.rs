//! Boundary files, GeoJSON or TopoJSON: read or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let file = common::file_with(data, "json");
    let props = hexspot_ingest::BoundaryProperties {
        code: "WD13CD",
        name: "WD13NM",
        district: None,
    };
    let _ = hexspot_ingest::read_boundaries(file.path(), props);
    let _ = hexspot_ingest::read_region(file.path());
});
