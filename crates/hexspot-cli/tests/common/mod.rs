//! Helpers the CLI test files share: run the built `hexspot` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `hexspot` with `args`.
pub fn hexspot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hexspot"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs it, expecting success; its standard output.
pub fn ok(args: &[&str]) -> String {
    let out = hexspot(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs it, expecting a failure whose message contains `needle` (and no panic).
pub fn fails(args: &[&str], needle: &str) {
    let out = hexspot(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The 35 Leicestershire months (`../shared/data/crime/leicestershire`, not in the
/// repository; `HEXSPOT_SHARED_DATA` names another copy of `shared/data`), as
/// `tests/oracle/check.sh` finds them; `None` (the test says it is skipped) where that
/// folder is not there, as the oracle does.
pub fn leicestershire() -> Option<PathBuf> {
    let shared = std::env::var_os("HEXSPOT_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let dir = shared.join("crime/leicestershire");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("{} not found: skipped", dir.display());
        None
    }
}

/// Imports `files` into the store `db`.
pub fn import(db: &str, files: &[String]) {
    let mut args = vec!["import", "--db", db];
    args.extend(files.iter().map(String::as_str));
    ok(&args);
}
