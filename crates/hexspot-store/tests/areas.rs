//! Boundary sets and populations: exact round trips, replacement in one transaction,
//! refusals that write nothing, and the migration from schema 1.

use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use hexspot_engine::areas::Area;
use hexspot_ingest::{BoundaryProperties, read_boundaries};
use hexspot_store::{ImportOptions, ImportOutcome, PopulationRecord, Store, StoreError};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString::new(points.iter().map(|&(x, y)| Coord { x, y }).collect())
}

fn square(x: f64, y: f64, size: f64) -> LineString<f64> {
    ring(&[
        (x, y),
        (x + size, y),
        (x + size, y + size),
        (x, y + size),
        (x, y),
    ])
}

fn area(code: &str, district: Option<&str>, shape: MultiPolygon<f64>) -> Area {
    Area {
        code: code.to_owned(),
        name: format!("{code} name"),
        district: district.map(str::to_owned),
        shape,
    }
}

/// Three areas, saved out of code order: one with a hole, one of two polygons, and one
/// whose coordinates are awkward for text (long decimals, tiny, huge, negative zero).
fn hand_built() -> Vec<Area> {
    let holed = Polygon::new(square(0.0, 0.0, 10.0), vec![square(2.0, 2.0, 3.0)]);
    let two = MultiPolygon::new(vec![
        Polygon::new(square(20.0, 0.0, 1.0), vec![]),
        Polygon::new(square(30.0, 0.0, 1.0), vec![]),
    ]);
    let awkward = ring(&[
        (-1.879_743_094_157_792, 53.955_269_517_835_8),
        (0.1 + 0.2, f64::MIN_POSITIVE),
        (1.0 / 3.0, -2.0 / 7.0),
        (1e-300, 5e-324),
        (-0.0, 1.797_693_134_862_315_7e308),
        (-1.879_743_094_157_792, 53.955_269_517_835_8),
    ]);
    vec![
        area("Z9", Some("North"), MultiPolygon::new(vec![holed])),
        area("A1", Some("South"), two),
        area(
            "M5",
            None,
            MultiPolygon::new(vec![Polygon::new(awkward, vec![])]),
        ),
    ]
}

fn bits(areas: &[Area]) -> Vec<u64> {
    areas
        .iter()
        .flat_map(|a| a.shape.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .flat_map(|c| [c.x.to_bits(), c.y.to_bits()])
        .collect()
}

fn leeds_msoas() -> Vec<Area> {
    let props = BoundaryProperties {
        code: "MSOA11CD",
        name: "MSOA11NM",
        district: None,
    };
    read_boundaries(&data("boundaries/msoa/E08000035-leeds-msoa.json"), props)
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

fn pop(code: &str, population: f64, estimated: bool) -> PopulationRecord {
    PopulationRecord {
        code: code.to_owned(),
        population,
        estimated,
    }
}

#[test]
fn a_boundary_set_round_trips_exactly_and_keeps_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    let areas = hand_built();
    let info = store
        .save_boundary_set("test", "CODE", "NAME", "hand.json", None, &areas)
        .unwrap();
    assert_eq!(info.name, "test");
    assert_eq!(
        (info.code_property.as_str(), info.name_property.as_str()),
        ("CODE", "NAME")
    );
    assert_eq!(info.source, "hand.json");
    assert_eq!(info.derived_from, None);
    assert_eq!(
        (info.areas, info.districts, info.with_population),
        (3, 2, 0)
    );
    assert!(!info.population_estimated);
    assert!(info.imported_at.ends_with('Z'), "{}", info.imported_at);

    let leeds = leeds_msoas();
    assert_eq!(leeds.len(), 107);
    assert!(
        leeds.iter().any(|a| a.shape.0.len() > 1),
        "a MultiPolygon MSOA"
    );
    store
        .save_boundary_set(
            "leeds-msoa",
            "MSOA11CD",
            "MSOA11NM",
            "E08000035-leeds-msoa.json",
            None,
            &leeds,
        )
        .unwrap();
    drop(store);

    // a new connection reads back the same values, bit for bit, in the saved order
    let store = Store::open(&db).unwrap();
    let (info2, back) = store.load_boundary_set("test").unwrap().unwrap();
    assert_eq!(info2, info);
    assert_eq!(back, areas);
    assert_eq!(bits(&back), bits(&areas));
    let codes: Vec<&str> = back.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["Z9", "A1", "M5"]);
    assert_eq!(back[0].shape.0[0].interiors().len(), 1);

    let (linfo, lback) = store.load_boundary_set("leeds-msoa").unwrap().unwrap();
    assert_eq!((linfo.areas, linfo.districts), (107, 1));
    assert_eq!(lback, leeds);
    assert_eq!(bits(&lback), bits(&leeds));

    let names: Vec<String> = store
        .boundary_sets()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["leeds-msoa", "test"]);
    assert!(store.load_boundary_set("nope").unwrap().is_none());
}

#[test]
fn saving_a_set_again_replaces_it_and_its_population_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    let areas = hand_built();
    store
        .save_boundary_set("a", "C", "N", "a.json", None, &areas)
        .unwrap();
    store
        .save_boundary_set("b", "C", "N", "b.json", None, &areas)
        .unwrap();
    store
        .save_population("a", &[pop("A1", 10.0, false)], "p.csv")
        .unwrap();
    store
        .save_population("b", &[pop("A1", 20.0, false)], "p.csv")
        .unwrap();

    let info = store
        .save_boundary_set(
            "a",
            "C2",
            "N2",
            "dissolved from b by district",
            Some("b"),
            &areas[..1],
        )
        .unwrap();
    assert_eq!((info.areas, info.with_population), (1, 0));
    assert_eq!(info.derived_from.as_deref(), Some("b"));
    assert_eq!(info.code_property, "C2");
    assert!(store.load_population("a").unwrap().is_empty());
    assert_eq!(store.load_boundary_set("a").unwrap().unwrap().1, areas[..1]);
    // the other set and its population are untouched
    assert_eq!(store.load_boundary_set("b").unwrap().unwrap().1, areas);
    assert_eq!(store.load_population("b").unwrap()[0].population, 20.0);
    drop(store);

    // no rows of the replaced set are left behind
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM boundary_sets"), 2);
    assert_eq!(count("SELECT COUNT(*) FROM areas"), 4);
    assert_eq!(count("SELECT COUNT(*) FROM populations"), 1);
}

#[test]
fn a_bad_boundary_set_is_refused_and_the_old_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let areas = hand_built();
    store
        .save_boundary_set("s", "C", "N", "s.json", None, &areas)
        .unwrap();

    let refused = |store: &mut Store, name: &str, areas: &[Area]| -> String {
        match store.save_boundary_set(name, "C", "N", "x.json", None, areas) {
            Err(e @ StoreError::InvalidBoundarySet { .. }) => e.to_string(),
            other => panic!("{other:?}"),
        }
    };
    assert!(refused(&mut store, " ", &areas).contains("name is empty"));
    assert!(refused(&mut store, "s", &[]).contains("no areas"));
    let mut twice = areas.clone();
    twice.push(areas[1].clone());
    assert!(refused(&mut store, "s", &twice).contains("A1 is used twice"));
    let mut nan = areas.clone();
    nan[2].shape = MultiPolygon::new(vec![Polygon::new(
        ring(&[(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0), (0.0, 0.0)]),
        vec![],
    )]);
    let e = refused(&mut store, "s", &nan);
    assert!(e.contains("area M5") && e.contains("not finite"), "{e}");

    let sets = store.boundary_sets().unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(store.load_boundary_set("s").unwrap().unwrap().1, areas);
}

#[test]
fn population_is_saved_in_area_order_and_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    store
        .save_boundary_set("s", "C", "N", "s.json", None, &hand_built())
        .unwrap();
    let n = store
        .save_population(
            "s",
            &[pop("M5", 1.5, true), pop("Z9", 1234.0, false)],
            "ons.csv",
        )
        .unwrap();
    assert_eq!(n, 2);
    let stored = store.load_population("s").unwrap();
    let got: Vec<(&str, f64, bool, &str)> = stored
        .iter()
        .map(|p| {
            (
                p.code.as_str(),
                p.population,
                p.estimated,
                p.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Z9", 1234.0, false, "ons.csv"),
            ("M5", 1.5, true, "ons.csv")
        ]
    );
    let info = &store.boundary_sets().unwrap()[0];
    assert_eq!(info.with_population, 2);
    assert!(info.population_estimated);

    // replaced, not merged
    store
        .save_population("s", &[pop("A1", 7.0, false)], "other.csv")
        .unwrap();
    let stored = store.load_population("s").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].code.as_str(), stored[0].source.as_str()),
        ("A1", "other.csv")
    );
    let info = &store.boundary_sets().unwrap()[0];
    assert_eq!(info.with_population, 1);
    assert!(!info.population_estimated);
}

#[test]
fn bad_population_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    store
        .save_boundary_set("wards", "C", "N", "w.json", None, &hand_built())
        .unwrap();
    store
        .save_boundary_set("msoa", "C", "N", "m.json", None, &hand_built())
        .unwrap();
    store
        .save_population("wards", &[pop("A1", 5.0, false)], "first.csv")
        .unwrap();

    match store.save_population("lsoa", &[pop("A1", 1.0, false)], "x.csv") {
        Err(e @ StoreError::UnknownBoundarySet { .. }) => {
            let m = e.to_string();
            assert!(m.contains("\"lsoa\"") && m.contains("msoa, wards"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    match store.load_population("lsoa") {
        Err(StoreError::UnknownBoundarySet { known, .. }) => assert_eq!(known, ["msoa", "wards"]),
        other => panic!("{other:?}"),
    }

    let mut records = vec![pop("A1", 1.0, false)];
    records.extend((1..=7).map(|i| pop(&format!("X{i}"), 1.0, false)));
    match store.save_population("wards", &records, "x.csv") {
        Err(e @ StoreError::UnknownAreaCodes { .. }) => {
            let StoreError::UnknownAreaCodes {
                ref codes, count, ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(codes, &["X1", "X2", "X3", "X4", "X5"]);
            assert_eq!(count, 7);
            let m = e.to_string();
            assert!(
                m.starts_with("7 population code(s)") && m.contains("X5, …"),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    let twice = [pop("A1", 1.0, false), pop("A1", 2.0, false)];
    assert!(matches!(
        store.save_population("wards", &twice, "x.csv"),
        Err(StoreError::InvalidPopulation { .. })
    ));
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            store.save_population("wards", &[pop("A1", bad, false)], "x.csv"),
            Err(StoreError::InvalidPopulation { .. })
        ));
    }
    // the earlier population is untouched
    let stored = store.load_population("wards").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].population, stored[0].source.as_str()),
        (5.0, "first.csv")
    );
    assert!(store.load_population("msoa").unwrap().is_empty());
}

#[test]
fn a_schema_1_database_migrates_keeping_its_incidents_and_builds_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    {
        let mut store = Store::open(&db).unwrap();
        let leeds = data("police-uk/crimedataleeds.csv");
        let outcome = store
            .import_file(
                &leeds,
                "crimedataleeds.csv",
                &ImportOptions::default(),
                &mut |_| {},
            )
            .unwrap();
        assert!(matches!(outcome, ImportOutcome::Imported { .. }));
    }
    let before = Store::open(&db).unwrap().load_table().unwrap();
    // turn it back into a schema-1 database, whose record was one `incidents` row an
    // incident: migrations 2 to 6 only add these tables (4 adds none)
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(
            "DROP TABLE publication_values; DROP TABLE publications; DROP TABLE audit; DROP TABLE users; DROP TABLE import_columns; DROP TABLE snapshot_columns; DROP TABLE populations; DROP TABLE areas; DROP TABLE boundary_sets; PRAGMA user_version = 1;",
        )
        .unwrap();
        let c = before.to_columns();
        for (i, name) in c.crime_types.iter().enumerate() {
            tx.execute(
                "INSERT INTO crime_types (id, name) VALUES (?1, ?2)",
                rusqlite::params![i as i64 + 1, name],
            )
            .unwrap();
        }
        let mut q = tx
            .prepare(
                "INSERT INTO incidents (import_id, line, month, day, minute, lon, lat, cell, crime_type_id, offence, flags, weight)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .unwrap();
        for i in 0..before.len() {
            q.execute(rusqlite::params![
                c.import[i],
                i as i64 + 2,
                c.month[i],
                (c.day[i] != i32::MIN).then_some(c.day[i]),
                (c.minute[i] != u16::MAX).then_some(c.minute[i]),
                c.lon[i],
                c.lat[i],
                c.cell[i] as i64,
                c.crime_type[i] as i64 + 1,
                c.offences.get(c.offence[i] as usize),
                c.flags[i],
                (!c.weight[i].is_nan()).then_some(c.weight[i]),
            ])
            .unwrap();
        }
        drop(q);
        tx.commit().unwrap();
    }
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    assert_eq!(store.incident_count().unwrap(), 8009);
    assert_eq!(store.imports().unwrap().len(), 1);
    // the snapshot is rebuilt from the rows, the same table as the import wrote
    let after = store.load_table().unwrap();
    assert_eq!(after.len(), 8009);
    // the same rows (names may be coded in another order: they are first seen in
    // another order)
    assert!(rows_of(&after) == rows_of(&before));
    let r9 = hexspot_engine::Resolution::try_from(9).unwrap();
    assert_eq!(after.cells_at(r9), before.cells_at(r9));
    assert!(store.boundary_sets().unwrap().is_empty());
    store
        .save_boundary_set("s", "C", "N", "s.json", None, &hand_built())
        .unwrap();
    assert_eq!(store.boundary_sets().unwrap().len(), 1);
}

/// Every row of a table with its names spelled out, in table order.
fn rows_of(t: &hexspot_engine::IncidentTable) -> Vec<String> {
    let c = t.to_columns();
    (0..t.len())
        .map(|i| {
            format!(
                "{} {} {} {} {} {} {} {:?} {} {} {}",
                c.cell[i],
                c.lon[i],
                c.lat[i],
                c.month[i],
                c.day[i],
                c.minute[i],
                c.crime_types[c.crime_type[i] as usize],
                c.offences.get(c.offence[i] as usize),
                c.flags[i],
                c.weight[i].to_bits(),
                c.import[i]
            )
        })
        .collect()
}
