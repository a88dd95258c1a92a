//! Boundary files: the real West Yorkshire wards (124 in five district files), every
//! real Leeds incident located in a Leeds ward, and bad features refused by position.

use std::path::{Path, PathBuf};

use hexspot_engine::{Area, AreaIndex};
use hexspot_ingest::{AuxFileError, BoundaryProperties, read_boundaries};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

const WARDS: BoundaryProperties<'static> = BoundaryProperties {
    code: "WD13CD",
    name: "WD13NM",
    district: None,
};

const DISTRICTS: [(&str, &str); 5] = [
    ("E08000032-bradford-wards.json", "Bradford"),
    ("E08000033-calderdale-wards.json", "Calderdale"),
    ("E08000034-kirklees-wards.json", "Kirklees"),
    ("E08000035-leeds-wards.json", "Leeds"),
    ("E08000036-wakefield-wards.json", "Wakefield"),
];

#[test]
fn every_leeds_incident_lands_in_a_leeds_ward() {
    let mut areas = Vec::new();
    for (file, district) in DISTRICTS {
        for f in read_boundaries(&data(&format!("boundaries/{file}")), WARDS).unwrap() {
            areas.push(Area {
                code: f.code,
                name: f.name,
                district: Some(district.to_owned()),
                shape: f.shape,
            });
        }
    }
    assert_eq!(areas.len(), 124, "West Yorkshire's 2013 wards");
    let mut codes: Vec<&str> = areas.iter().map(|a| a.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 124);
    let index = AreaIndex::new(areas);
    let mut rows = csv::Reader::from_path(data("police-uk/crimedataleeds.csv")).unwrap();
    let mut n = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let (lon, lat): (f64, f64) = (row[4].parse().unwrap(), row[5].parse().unwrap());
        let area = index
            .locate(lon, lat)
            .unwrap_or_else(|| panic!("row {}: ({lon}, {lat}) is in no ward", n + 2));
        assert_eq!(
            index.areas()[area].district.as_deref(),
            Some("Leeds"),
            "row {}: in {}",
            n + 2,
            index.areas()[area].name
        );
        n += 1;
    }
    assert_eq!(n, 8009);
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("b.geojson");
    std::fs::write(&p, text).unwrap();
    p
}

fn refused(text: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), text);
    let e = read_boundaries(&p, WARDS).unwrap_err();
    assert!(matches!(e, AuxFileError::Invalid { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    assert!(msg.contains("b.geojson"), "{msg}");
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;

#[test]
fn bad_features_are_refused_by_position_and_code() {
    let feature = |props: &str, geom: &str| {
        format!(r#"{{"type":"Feature","properties":{props},"geometry":{geom}}}"#)
    };
    let fc = |features: &[String]| {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    };
    let good = feature(r#"{"WD13CD":"E1","WD13NM":"One"}"#, SQUARE);
    // a missing code property: the feature's position and the properties it has
    refused(
        &fc(&[
            good.clone(),
            feature(r#"{"CODE":"E2","WD13NM":"Two"}"#, SQUARE),
        ]),
        "feature 2: no text property \"WD13CD\"",
    );
    refused(
        &fc(&[feature(r#"{"WD13CD":"E1"}"#, SQUARE)]),
        "feature 1: E1: no text property \"WD13NM\"",
    );
    refused(
        &fc(&[good.clone(), good.clone()]),
        "feature 2: the code E1 is used by an earlier feature too",
    );
    refused(
        &fc(&[feature(
            r#"{"WD13CD":"E3","WD13NM":"Three"}"#,
            r#"{"type":"Point","coordinates":[0,0]}"#,
        )]),
        "feature 1: E3: the geometry is not a Polygon or MultiPolygon",
    );
    refused(SQUARE, "not a FeatureCollection");
    refused(&fc(&[]), "no features");
    refused("{", "b.geojson");
    // and a good file reads, with a district property when asked for
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        &fc(&[feature(
            r#"{"WD13CD":"E1","WD13NM":"One","LAD":"Leeds"}"#,
            SQUARE,
        )]),
    );
    let got = read_boundaries(
        &p,
        BoundaryProperties {
            district: Some("LAD"),
            ..WARDS
        },
    )
    .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].code.as_str(), got[0].name.as_str()), ("E1", "One"));
    assert_eq!(got[0].district.as_deref(), Some("Leeds"));
    assert_eq!(got[0].shape.0.len(), 1);
}

// ---------------------------------------------------------------- TopoJSON

const LADS: BoundaryProperties<'static> = BoundaryProperties {
    code: "LAD13CD",
    name: "LAD13NM",
    district: None,
};

#[test]
fn the_topojson_districts_of_england_read_and_agree_with_the_ward_files() {
    let lads = read_boundaries(&data("boundaries/lad/topo_lad.json"), LADS).unwrap();
    assert_eq!(lads.len(), 326, "England's 2013 local authority districts");
    let leeds = lads.iter().find(|f| f.code == "E08000035").unwrap();
    assert_eq!(leeds.name, "Leeds");
    for f in &lads {
        for p in &f.shape {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                assert!(ring.is_closed() && ring.0.len() >= 4, "{}", f.code);
            }
        }
    }
    // the topology's Leeds holds the real Leeds incidents (it is generalised more than
    // the ward files: a few points near the district's edge fall over the line)
    let index = AreaIndex::new(
        lads.into_iter()
            .map(|f| Area {
                code: f.code,
                name: f.name,
                district: None,
                shape: f.shape,
            })
            .collect(),
    );
    let mut rows = csv::Reader::from_path(data("police-uk/crimedataleeds.csv")).unwrap();
    let mut by_lad = std::collections::BTreeMap::new();
    for row in rows.records() {
        let row = row.unwrap();
        let (lon, lat): (f64, f64) = (row[4].parse().unwrap(), row[5].parse().unwrap());
        let at = index
            .locate(lon, lat)
            .map(|a| index.areas()[a].code.clone());
        *by_lad.entry(at).or_insert(0) += 1;
    }
    // measured: 8,006 in Leeds and 3 within metres of the Bradford line; none outside
    let expected = std::collections::BTreeMap::from([
        (Some("E08000032".to_owned()), 3),
        (Some("E08000035".to_owned()), 8006),
    ]);
    assert_eq!(by_lad, expected);
}

#[test]
fn a_bad_topology_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        r#"{"type":"Topology","objects":{"lad":{"type":"GeometryCollection","geometries":[
            {"type":"Polygon","properties":{"LAD13CD":"E1","LAD13NM":"One"},"arcs":[[0, 5]]}]}},
           "arcs":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
    );
    let e = read_boundaries(&path, LADS).unwrap_err().to_string();
    assert!(
        e.contains("TopoJSON")
            && e.contains("arc index 5 is out of range (1 arcs)")
            && e.contains("geometry 1"),
        "{e}"
    );
}
