//! The snapshot and its boundary sets on the real Leeds police.uk file and the real
//! Leeds wards: what is loaded, when the data version changes, the assignment kept per
//! set, and the errors the edges turn into words.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hexspot_data::{DataError, Snapshot, sort_order, with_period};
use hexspot_engine::areas::Area;
use hexspot_engine::{CompareError, Filter, HarmTable, Period, QueryError, SortKey};
use hexspot_ingest::{BoundaryProperties, read_boundaries};
use hexspot_store::{ImportOptions, PopulationRecord, Store};

/// Rows in the Leeds file (one month, February 2025).
const LEEDS_ROWS: usize = 8009;
/// Wards in Leeds (2013 boundaries).
const WARDS: usize = 33;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

/// A store at `path` holding the Leeds file.
fn leeds_store(path: &Path) -> Store {
    let mut store = Store::open(path).unwrap();
    store
        .import_file(
            &data("police-uk/crimedataleeds.csv"),
            "crimedataleeds.csv",
            &ImportOptions::default(),
            &mut |_| {},
        )
        .unwrap();
    store
}

fn wards() -> Vec<Area> {
    let props = BoundaryProperties {
        code: "WD13CD",
        name: "WD13NM",
        district: None,
    };
    read_boundaries(&data("boundaries/E08000035-leeds-wards.json"), props)
        .unwrap()
        .into_iter()
        .map(|f| Area {
            code: f.code,
            name: f.name,
            district: Some("Leeds".to_owned()),
            shape: f.shape,
        })
        .collect()
}

fn save_wards(store: &mut Store) {
    store
        .save_boundary_set(
            "wards",
            "WD13CD",
            "WD13NM",
            "E08000035-leeds-wards.json",
            None,
            &wards(),
        )
        .unwrap();
}

#[test]
fn a_snapshot_holds_the_incidents_imports_and_sets() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = leeds_store(&dir.path().join("t.db"));
    save_wards(&mut store);
    let snap = Snapshot::load(&store).unwrap();
    assert_eq!(snap.table.len(), LEEDS_ROWS);
    assert_eq!(snap.imports.len(), 1);
    assert_eq!(snap.sources.len(), 1);
    assert_eq!(snap.sources[0].file_name, "crimedataleeds.csv");
    assert_eq!(snap.sources[0].sha256, snap.imports[0].sha256);
    let b = snap.bounds.expect("incidents have an extent").to_array();
    assert!(
        b[0] < -1.5 && b[2] > -1.5 && b[1] < 53.8 && b[3] > 53.8,
        "{b:?}"
    );
    let set = snap.area_set("wards").unwrap();
    assert_eq!(set.index.areas().len(), WARDS);
    assert!(set.population.iter().all(Option::is_none));
    assert_eq!(set.population_source, None);
    assert_eq!(
        set.area("E05001420"),
        Some(
            set.index
                .areas()
                .iter()
                .position(|a| a.code == "E05001420")
                .unwrap()
        )
    );
    assert_eq!(set.area("NOPE"), None);
    assert_eq!(set.meta().name, "wards");
    assert_eq!(set.meta().code_property, "WD13CD");
}

#[test]
fn the_data_version_changes_with_imports_sets_and_populations_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = leeds_store(&dir.path().join("t.db"));
    let v0 = Snapshot::load(&store).unwrap().version;
    assert_eq!(v0.len(), 16);
    assert!(v0.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        Snapshot::load(&store).unwrap().version,
        v0,
        "same data, same version"
    );

    save_wards(&mut store);
    let v1 = Snapshot::load(&store).unwrap().version;
    assert_ne!(v1, v0, "a boundary set changes the version");

    let records = [PopulationRecord {
        code: "E05001420".to_owned(),
        population: 33_000.0,
        estimated: false,
    }];
    store
        .save_population("wards", &records, "hand-made")
        .unwrap();
    let snap = Snapshot::load(&store).unwrap();
    assert_ne!(snap.version, v1, "a population changes the version");
    let set = snap.area_set("wards").unwrap();
    assert_eq!(set.population_source.as_deref(), Some("hand-made"));
    let i = set.area("E05001420").unwrap();
    assert_eq!(set.population[i].map(|p| p.value), Some(33_000.0));
    assert_eq!(set.population.iter().flatten().count(), 1);
}

#[test]
fn the_assignment_is_computed_once_per_set_and_compares_every_incident() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = leeds_store(&dir.path().join("t.db"));
    save_wards(&mut store);
    let snap = Snapshot::load(&store).unwrap();
    let set = snap.area_set("wards").unwrap();
    let a = set.assignment(&snap.table);
    assert!(
        Arc::ptr_eq(&a, &set.assignment(&snap.table)),
        "kept, not recomputed"
    );
    assert_eq!(a.area.len(), LEEDS_ROWS);

    let harm = HarmTable::default();
    let c = set
        .compare(&snap.table, &Filter::default(), &harm, SortKey::Count, true)
        .unwrap();
    assert_eq!(c.rows.len(), WARDS);
    assert_eq!(
        c.total_count + c.outside,
        LEEDS_ROWS as u64,
        "every incident is in a ward or outside every one"
    );
    assert!(
        c.rows.windows(2).all(|w| w[0].count >= w[1].count),
        "sorted by count, largest first"
    );
}

#[test]
fn an_open_period_is_closed_at_the_data_months() {
    let dir = tempfile::tempdir().unwrap();
    let store = leeds_store(&dir.path().join("t.db"));
    let snap = Snapshot::load(&store).unwrap();
    let f = with_period(&Filter::default(), &snap.table);
    let (first, last) = snap.table.month_range().expect("dated incidents");
    assert_eq!(f.period, Some(Period::months(first, last).unwrap()));
    // a given period is kept
    assert_eq!(with_period(&f, &snap.table), f);
}

#[test]
fn errors_say_what_was_asked_and_what_there_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = leeds_store(&dir.path().join("t.db"));
    let empty = Snapshot::load(&store).unwrap();
    let e = empty.area_set("wards").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("there is no boundary set \"wards\": none has been imported"),
        "{e}"
    );

    save_wards(&mut store);
    let snap = Snapshot::load(&store).unwrap();
    match snap.area_set("parishes").unwrap_err() {
        e @ DataError::UnknownSet { .. } => assert_eq!(
            e.to_string(),
            "there is no boundary set \"parishes\"; the sets are: wards"
        ),
        other => panic!("{other:?}"),
    }

    let set = snap.area_set("wards").unwrap();
    let filter = Filter {
        crime_types: vec!["Piracy".to_owned()],
        ..Filter::default()
    };
    let e = set
        .compare(
            &snap.table,
            &filter,
            &HarmTable::default(),
            SortKey::Rank,
            false,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            DataError::Compare(CompareError::Query(QueryError::UnknownCrimeType { .. }))
        ),
        "{e:?}"
    );

    let e = sort_order(Some("colour"), None).unwrap_err();
    assert!(matches!(e, DataError::SortKey(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("\"colour\" is not a column to sort by"),
        "{e}"
    );
    let e = sort_order(None, Some("up")).unwrap_err();
    assert_eq!(e.to_string(), "order must be asc or desc, got \"up\"");
}
