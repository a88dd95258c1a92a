//! Store tests: one transaction per file, duplicates, --strict, migrations, snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};

use hexspot_store::{ImportOptions, ImportOutcome, Store};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/police-uk")
        .join(name)
}

fn import(store: &mut Store, path: &Path, strict: bool) -> ImportOutcome {
    let opts = ImportOptions {
        strict,
        ..ImportOptions::default()
    };
    store
        .import_file(path, &path.display().to_string(), &opts, &mut |_| {})
        .unwrap()
}

#[test]
fn good_rows_and_rejections_land_together_and_load_into_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    let sy = data("2018-10-south-yorkshire-street.excerpt.csv");
    let ImportOutcome::Imported { info, summary, .. } = import(&mut store, &sy, false) else {
        panic!("expected an import");
    };
    assert_eq!(
        (info.rows_read, info.rows_imported, info.rows_rejected),
        (3000, 2337, 663)
    );
    assert_eq!(summary.rows_accepted, 2337);
    assert_eq!(info.sha256, summary.sha256);
    let rejected = store.rejected_rows(info.id).unwrap();
    assert_eq!(rejected.len(), 663);
    assert!(rejected.iter().all(|r| r.1 == "no_coordinates" && r.0 >= 2));
    drop(store);
    // durable: a new connection sees it all
    let store = Store::open(&db).unwrap();
    assert_eq!(store.incident_count().unwrap(), 2337);
    let table = store.load_table().unwrap();
    assert_eq!(table.len(), 2337);
    assert!(
        table
            .crime_types()
            .code("Violence and sexual offences")
            .is_some()
    );
}

#[test]
fn importing_the_same_content_again_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let leeds = data("crimedataleeds.csv");
    assert!(matches!(
        import(&mut store, &leeds, false),
        ImportOutcome::Imported { .. }
    ));
    // the same bytes under another name
    let copy = dir.path().join("renamed.csv");
    std::fs::copy(&leeds, &copy).unwrap();
    match import(&mut store, &copy, false) {
        ImportOutcome::AlreadyImported { existing } => assert_eq!(existing.id, 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.incident_count().unwrap(), 8009);
    assert_eq!(store.imports().unwrap().len(), 1);
}

#[test]
fn strict_refuses_the_whole_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let sy = data("2018-10-south-yorkshire-street.excerpt.csv");
    match import(&mut store, &sy, true) {
        ImportOutcome::Refused { summary } => assert_eq!(summary.rejected.len(), 663),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.incident_count().unwrap(), 0);
    assert!(store.imports().unwrap().is_empty());
    // a clean file passes --strict
    assert!(matches!(
        import(&mut store, &data("West_Crime1.csv"), true),
        ImportOutcome::Imported { .. }
    ));
}

#[test]
fn a_file_that_fails_part_way_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    // valid features first, then a syntax error: the whole file must be refused
    let path = dir.path().join("broken.geojson");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(br#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-1.5,53.8]},"properties":{"id":"1","month":"2025-02","crime_type":"Robbery"}}"#).unwrap();
    drop(f);
    let opts = ImportOptions::default();
    assert!(
        store
            .import_file(&path, "broken.geojson", &opts, &mut |_| {})
            .is_err()
    );
    assert_eq!(store.incident_count().unwrap(), 0);
    assert!(store.imports().unwrap().is_empty());
    // a header that cannot be mapped
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    assert!(
        store
            .import_file(&bad, "bad.csv", &opts, &mut |_| {})
            .is_err()
    );
    assert!(store.imports().unwrap().is_empty());
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(Store::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = Store::open(&db).unwrap_err().to_string();
    assert!(e.contains("99"), "{e}");
}

/// Each import rewrites the column snapshot from the one before and its own rows: after
/// two imports it is the table the rows themselves give (rebuilt on open once the
/// snapshot is gone), cells at every resolution included.
#[test]
fn the_snapshot_after_two_imports_is_the_table_of_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    for f in [
        "2018-10-northamptonshire-street.csv",
        "2018-10-south-yorkshire-street.excerpt.csv",
    ] {
        assert!(matches!(
            import(&mut store, &data(f), false),
            ImportOutcome::Imported { .. }
        ));
    }
    let kept = store.load_table().unwrap();
    drop(store);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM snapshot_columns", [])
        .unwrap();
    let rebuilt = Store::open(&db).unwrap().load_table().unwrap();
    assert_eq!(rebuilt.len(), kept.len());
    // compared whole, not printed: a mismatch would print a million values
    assert!(format!("{:?}", rebuilt.to_columns()) == format!("{:?}", kept.to_columns()));
    for r in 5..=12 {
        let r = hexspot_engine::Resolution::try_from(r).unwrap();
        assert_eq!(rebuilt.cells_at(r), kept.cells_at(r));
    }
}

/// `bytes` in a temporary `.csv` file.
fn csv_file(dir: &Path, name: &str, bytes: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_damaged_import_is_replaced_by_its_corrected_file_without_doubling_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let sy = data("2018-10-south-yorkshire-street.excerpt.csv");
    import(&mut store, &sy, false);
    // the issue's case: a stray quote on line 11 of the Leeds file
    let good = std::fs::read_to_string(data("crimedataleeds.csv")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let damaged_line = lines[10].replacen(",On or near", ",\"On or near", 1);
    lines[10] = &damaged_line;
    let damaged = csv_file(dir.path(), "leeds.csv", &(lines.join("\n") + "\n"));
    let ImportOutcome::Imported { info: first, .. } = import(&mut store, &damaged, false) else {
        panic!("the good rows are imported");
    };
    assert_eq!((first.rows_imported, first.rows_rejected), (8008, 1));
    let before = store.incident_count().unwrap();
    // the same bytes again: a duplicate, and nothing is written
    let ImportOutcome::AlreadyImported { existing } = import(&mut store, &damaged, false) else {
        panic!("the same bytes are a duplicate");
    };
    assert_eq!(existing.id, first.id);
    // the corrected file replaces the damaged import: one transaction, no row doubled
    let fixed = csv_file(dir.path(), "leeds-fixed.csv", &good);
    let opts = ImportOptions {
        replace: Some(first.id),
        ..ImportOptions::default()
    };
    let outcome = store
        .import_file(&fixed, "leeds-fixed.csv", &opts, &mut |_| {})
        .unwrap();
    let ImportOutcome::Imported { info, replaced, .. } = outcome else {
        panic!("replaced");
    };
    assert_eq!(replaced.map(|r| r.id), Some(first.id));
    assert_eq!((info.rows_imported, info.rows_rejected), (8009, 0));
    assert_eq!(store.incident_count().unwrap(), before - 8008 + 8009);
    assert!(store.rejected_rows(first.id).unwrap().is_empty());
    let ids: Vec<u32> = store.imports().unwrap().iter().map(|i| i.id).collect();
    assert_eq!(ids, [1, info.id]);
    // the stored snapshot is the one a fresh store of the two good files holds
    let fresh_dir = tempfile::tempdir().unwrap();
    let mut fresh = Store::open(&fresh_dir.path().join("f.db")).unwrap();
    import(&mut fresh, &sy, false);
    import(&mut fresh, &fixed, false);
    let (a, b) = (store.load_table().unwrap(), fresh.load_table().unwrap());
    let (mut ca, mut cb) = (a.to_columns(), b.to_columns());
    // import ids differ (3 against 2); everything else is equal
    ca.import.iter_mut().for_each(|i| *i = (*i > 1) as u32);
    cb.import.iter_mut().for_each(|i| *i = (*i > 1) as u32);
    assert_eq!(format!("{ca:?}"), format!("{cb:?}"));
    // replacing an import that is not there writes nothing
    let opts = ImportOptions {
        replace: Some(99),
        ..ImportOptions::default()
    };
    let e = store
        .import_file(&damaged, "leeds.csv", &opts, &mut |_| {})
        .unwrap_err();
    assert!(e.to_string().contains("no import #99"), "{e}");
    assert_eq!(store.imports().unwrap().len(), 2);
}
