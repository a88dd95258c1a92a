//! Shared by the file targets: the readers take paths, so each input is written to a
//! file (in memory-backed /dev/shm where there is one) with the extension that picks
//! the reader.

use std::io::Write;
use std::path::PathBuf;

/// A temporary file holding `data`, named `*.{ext}`; removed when dropped.
pub fn file_with(data: &[u8], ext: &str) -> tempfile::NamedTempFile {
    let dir = PathBuf::from("/dev/shm");
    let suffix = format!(".{ext}");
    let mut b = tempfile::Builder::new();
    b.prefix("hexspot-fuzz-").suffix(&suffix);
    let mut f = if dir.is_dir() {
        b.tempfile_in(dir)
    } else {
        b.tempfile()
    }
    .expect("a temporary file");
    f.write_all(data).expect("written");
    f.flush().expect("flushed");
    f
}
