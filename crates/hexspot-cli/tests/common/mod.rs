//! Helpers the CLI test files share: run the built `hexspot` binary.
#![allow(dead_code)]

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
