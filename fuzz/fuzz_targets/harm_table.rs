//! Harm-weight tables: read or refused, never a panic; every weight read is usable.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let file = common::file_with(data, "csv");
    let _ = hexspot_ingest::read_harm_table(file.path());
});
