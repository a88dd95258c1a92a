//! Release builds carry `web/dist` inside the binary (rust-embed): one built without it
//! would serve no map, so it is refused here, and rebuilt when the app changes. Debug
//! builds read `web/dist` at run time and build without it.
//!
//! `PROFILE` is `release` for every profile that inherits from `release`, so
//! `cargo bench -p hexspot-server` needs the app built too.

use std::path::Path;

const DIST: &str = "../../web/dist";
const INDEX: &str = "../../web/dist/index.html";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    println!("cargo::rerun-if-changed={INDEX}");
    if Path::new(INDEX).is_file() {
        // every file of the app is embedded: watch them all
        println!("cargo::rerun-if-changed={DIST}");
    } else {
        // a missing file is always out of date, so this runs again on the next build
        println!(
            "cargo::error=web/dist/index.html is missing: run scripts/build-web.sh first \
             (a release build carries the map application inside the binary)"
        );
    }
}
