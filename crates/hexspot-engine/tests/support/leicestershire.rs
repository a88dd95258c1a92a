//! The 35 real Leicestershire months (2019-12..2022-10) for the engine's tests and
//! benches, read from `../shared/data/crime/leicestershire` (`HEXSPOT_SHARED_DATA` names
//! another copy of `shared/data`). Included by `#[path]`.

use std::path::{Path, PathBuf};

use hexspot_engine::{IncidentTable, IncidentTableBuilder, YearMonth};
use hexspot_ingest::{ReadOptions, read_file};

/// The Leicestershire folder, if it is there.
pub fn folder() -> Option<PathBuf> {
    let shared = std::env::var_os("HEXSPOT_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let dir = shared.join("crime/leicestershire");
    dir.is_dir().then_some(dir)
}

/// Every month 2019-12..2022-10 read into one table, one import per file.
pub fn load(dir: &Path) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    let first = YearMonth::new(2019, 12).expect("valid").index();
    let last = YearMonth::new(2022, 10).expect("valid").index();
    for (import_id, index) in (1..).zip(first..=last) {
        let month = YearMonth::from_index(index).expect("valid");
        let path = dir.join(format!("{month}-leicestershire-street.csv"));
        read_file(&path, &ReadOptions::default(), &mut |_| {}, &mut |r| {
            b.push(&r.incident_row(import_id))
        })
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    b.build()
}
