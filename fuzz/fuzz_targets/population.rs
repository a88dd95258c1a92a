//! Population CSV: read or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let file = common::file_with(data, "csv");
    let _ = hexspot_ingest::read_population(file.path());
});
