//! `hexspot publish` and `hexspot publish --audit` through the built binary, on two
//! real police.uk months (Northamptonshire, October and November 2018).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{fails, hexspot, import, ok};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/police-uk")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// A store with both months, and the directory published to.
fn published(dir: &Path, extra: &[&str]) -> (String, PathBuf) {
    let db = dir.join("h.db").to_str().unwrap().to_owned();
    if !Path::new(&db).exists() {
        import(
            &db,
            &[
                data("2018-10-northamptonshire-street.csv"),
                data("2018-11-northamptonshire-street.csv"),
            ],
        );
    }
    let out = dir.join("public");
    let mut args = vec![
        "publish",
        "--db",
        &db,
        "--from",
        "2018-10",
        "--to",
        "2018-11",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = hexspot(&args);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("published") && err.contains("suppressed"),
        "{err}"
    );
    (db, out)
}

#[test]
fn real_months_publish_with_no_count_from_one_to_nine_and_pass_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, out) = published(dir.path(), &[]);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(out.join("cells.geojson")).unwrap()).unwrap();
    let h = &doc["hexspot"];
    assert_eq!(h["resolution"], 8);
    assert_eq!(h["period"]["from"], "2018-10");
    assert_eq!(h["months"], serde_json::json!(["2018-10", "2018-11"]));
    assert!(h["rule"].as_str().unwrap().contains("1 to 9"));
    assert!(
        h["licence"]
            .as_str()
            .unwrap()
            .contains("Open Government Licence v3.0")
    );
    assert!(h["made_at"].as_str().unwrap().ends_with('Z'));
    let features = doc["features"].as_array().unwrap();
    let (mut suppressed, mut counted) = (0, 0);
    for f in features {
        let p = f["properties"].as_object().unwrap();
        let keys: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(keys, ["cell", "count", "month", "suppressed"], "{p:?}");
        match p["count"].as_u64() {
            None => {
                assert_eq!(p["suppressed"], true);
                suppressed += 1;
            }
            Some(c) => {
                assert_eq!(p["suppressed"], false);
                assert!(!(1..=9).contains(&c), "{p:?}");
                assert_eq!(c % 5, 0, "{p:?}");
                counted += usize::from(c > 0);
            }
        }
    }
    assert!(
        suppressed > 100 && counted > 10,
        "{suppressed} suppressed, {counted} counted"
    );
    // every region cell in both months
    assert_eq!(features.len() % 2, 0);
    assert_eq!(
        h["study_region"]["cells"].as_u64().unwrap() * 2,
        features.len() as u64
    );
    // the CSV holds the same values, and states the rule on each row
    let csv = std::fs::read_to_string(out.join("cells.csv")).unwrap();
    assert_eq!(csv.lines().count(), features.len() + 1);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("Open Government Licence v3.0")
    );
    let said = ok(&["publish", "--audit", out.to_str().unwrap()]);
    assert!(said.contains("nothing found"), "{said}");
    let meta: Value =
        serde_json::from_slice(&std::fs::read(out.join("publication.json")).unwrap()).unwrap();
    assert_eq!(&meta, h);
}

#[test]
fn a_planted_small_count_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, out) = published(dir.path(), &["--res", "9"]);
    let path = out.join("cells.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    // un-suppress the first suppressed row as 4
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let at = lines.iter().position(|l| l.contains(",,true,")).unwrap();
    let cell = lines[at].split(',').next().unwrap().to_owned();
    lines[at] = lines[at].replacen(",,true,", ",4,false,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let run = hexspot(&["publish", "--audit", out.to_str().unwrap()]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains(&format!("cells.csv: cell {cell}")), "{err}");
    assert!(err.contains("count 4 is published"), "{err}");
    // and an unrounded count in the GeoJSON
    let path = out.join("cells.geojson");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let f = doc["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["properties"]["count"].as_u64().is_some_and(|c| c >= 10))
        .unwrap();
    let c = f["properties"]["count"].as_u64().unwrap();
    f["properties"]["count"] = Value::from(c + 2);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let run = hexspot(&["publish", "--audit", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains(&format!("count {} is not a multiple of 5", c + 2)),
        "{err}"
    );
    assert!(err.contains("2 value(s)"), "{err}");
    // and a total beside the files
    let path = out.join("publication.json");
    let mut meta: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    meta["incidents"] = Value::from(1234);
    std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
    let run = hexspot(&["publish", "--audit", out.to_str().unwrap()]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("publication.json: it is not the hexspot member"),
        "{err}"
    );
}

#[test]
fn only_resolutions_eight_and_nine_and_whole_covered_months_are_published() {
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = published(dir.path(), &[]);
    let o = out.to_str().unwrap();
    fails(
        &[
            "publish", "--db", &db, "--res", "10", "--from", "2018-10", "--to", "2018-11", "--out",
            o,
        ],
        "--res: the public product is published at H3 resolution 8 or 9, not 10",
    );
    fails(
        &[
            "publish", "--db", &db, "--from", "2018-09", "--to", "2018-11", "--out", o,
        ],
        "no incidents at all in 2018-09",
    );
    fails(
        &["publish", "--db", &db, "--to", "2018-11", "--out", o],
        "--from: required",
    );
    fails(&["publish", "--db", &db, "--from", "2018-10"], "--out");
    fails(
        &[
            "publish",
            "--db",
            &db,
            "--from",
            "2018-10",
            "--to",
            "2018-11",
            "--crime-type",
            "nope",
            "--out",
            o,
        ],
        "unknown crime type",
    );
    // a filter is stated in the files
    let (_, out) = published(
        dir.path(),
        &["--crime-type", "Violence and sexual offences"],
    );
    let doc: Value =
        serde_json::from_slice(&std::fs::read(out.join("cells.geojson")).unwrap()).unwrap();
    assert_eq!(
        doc["hexspot"]["filters"]["crime_types"],
        serde_json::json!(["Violence and sexual offences"])
    );
}
