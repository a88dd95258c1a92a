//! End-to-end: the `hexspot` binary on real police.uk files and on synthetic timed data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn hexspot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hexspot"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = hexspot(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], needle: &str) {
    let out = hexspot(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn real_police_uk_file_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    let leeds = data("police-uk/crimedataleeds.csv");
    let out = ok(&["import", "--db", db, leeds.to_str().unwrap()]);
    assert!(
        out.contains("8009 rows read, 8009 imported, 0 rejected"),
        "{out}"
    );
    let again = ok(&["import", "--db", db, leeds.to_str().unwrap()]);
    assert!(again.contains("already imported"), "{again}");

    let gj_path = dir.path().join("all.geojson");
    ok(&[
        "hotspots",
        "--db",
        db,
        "--all",
        "--format",
        "geojson",
        "--out",
        gj_path.to_str().unwrap(),
    ]);
    let gj: Value = serde_json::from_str(&std::fs::read_to_string(&gj_path).unwrap()).unwrap();
    assert_eq!(gj["type"], "FeatureCollection");
    let meta = &gj["hexspot"];
    let features = gj["features"].as_array().unwrap();
    assert_eq!(
        meta["cells"].as_u64().unwrap() as usize,
        features.len(),
        "--all lists the whole region"
    );
    assert_eq!(meta["query"]["res"], 9);
    assert_eq!(meta["query"]["k"], 1);
    assert!(
        meta["study_region"]["rule"]
            .as_str()
            .unwrap()
            .contains("zero-count")
    );
    assert_eq!(
        meta["data"]["imports"][0]["file"].as_str().unwrap(),
        leeds.to_str().unwrap()
    );
    assert_eq!(
        meta["data"]["imports"][0]["sha256"].as_str().unwrap().len(),
        64
    );
    let mut total = 0;
    let mut zero_cells = 0;
    for (i, f) in features.iter().enumerate() {
        let p = &f["properties"];
        assert_eq!(p["rank"].as_u64().unwrap() as usize, i + 1);
        assert_eq!(p["cell"].as_str().unwrap().len(), 15);
        total += p["count"].as_u64().unwrap();
        zero_cells += u64::from(p["count"] == 0);
        assert!(p["gi_star_z"].is_number() || p["gi_star_z"].is_null());
        if let Some(pv) = p["p_value"].as_f64() {
            assert!((0.0..=1.0).contains(&pv));
        }
        assert!(p["significant"].is_boolean());
        // RFC 7946: closed ring, counter-clockwise exterior, lon/lat order
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 7);
        assert_eq!(ring[0], ring[6]);
        let pts: Vec<(f64, f64)> = ring
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let area: f64 = pts
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum();
        assert!(area > 0.0, "counter-clockwise");
        assert!(pts[0].0 < -1.0 && pts[0].1 > 53.0, "lon, lat order");
    }
    assert_eq!(total, 8009, "every incident is in exactly one cell");
    assert!(
        zero_cells > 0,
        "zero-count cells of the study region are listed"
    );
    // ranks run by z: the first cell's z is the largest
    let z0 = features[0]["properties"]["gi_star_z"].as_f64().unwrap();
    assert!(features.iter().all(|f| {
        f["properties"]["gi_star_z"]
            .as_f64()
            .is_none_or(|z| z <= z0)
    }));

    let table = ok(&[
        "hotspots",
        "--db",
        db,
        "--crime-type",
        "Violence and sexual offences",
        "--top",
        "10",
        "--format",
        "table",
    ]);
    assert!(table.contains("Incidents counted: 3171"), "{table}");
    let csv = ok(&[
        "hotspots",
        "--db",
        db,
        "--rank-by",
        "count",
        "--top",
        "3",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("rank,cell,count,harm,gi_star_z,p_value,significant"));
}

#[test]
fn bad_arguments_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    fails(&["hotspots", "--db", db], "no database");
    ok(&[
        "import",
        "--db",
        db,
        data("police-uk/West_Crime1.csv").to_str().unwrap(),
    ]);
    fails(
        &["hotspots", "--db", db, "--res", "4"],
        "resolution 4 is out of range",
    );
    fails(
        &["hotspots", "--db", db, "--crime-type", "Knife crime"],
        "unknown crime type",
    );
    fails(&["hotspots", "--db", db, "--hours", "25-03"], "hour range");
    fails(
        &["hotspots", "--db", db, "--days", "funday"],
        "day of the week",
    );
    fails(
        &["hotspots", "--db", db, "--from", "2018-13"],
        "not a month",
    );
    fails(
        &[
            "hotspots", "--db", db, "--from", "2018-06", "--to", "2018-05",
        ],
        "starts",
    );
    fails(&["hotspots", "--db", db, "--bbox", "1,2,3"], "bounding box");
    fails(
        &["hotspots", "--db", db, "--k", "0"],
        "--k: must be between 1 and 10",
    );
    fails(&["hotspots", "--db", db, "--alpha", "2"], "alpha");
    fails(
        &["hotspots", "--db", db, "--weights", "/nonexistent.csv"],
        "nonexistent",
    );
    fails(
        &["import", "--db", db, "--map", "colour=X", "x.csv"],
        "not a field",
    );
    fails(&["import", "--db", db, "/nonexistent.csv"], "nonexistent");
}

#[test]
fn synthetic_timed_data_night_time_window_and_region() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    let csv = dir.path().join("synth.csv");
    ok(&[
        "synth",
        "--rows",
        "20000",
        "--seed",
        "3",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let out = ok(&["import", "--db", db, csv.to_str().unwrap()]);
    assert!(out.contains("20000 imported, 0 rejected"), "{out}");
    let run = |extra: &[&str]| -> Value {
        let mut args = vec![
            "hotspots",
            "--db",
            db,
            "--format",
            "geojson",
            "--crime-type",
            "Violence and sexual offences",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let all = run(&[]);
    let nte = run(&["--days", "fri,sat", "--hours", "20-04"]);
    let counted = |v: &Value| v["hexspot"]["incidents"]["counted"].as_u64().unwrap();
    assert!(counted(&nte) > 0 && counted(&nte) < counted(&all));
    assert_eq!(nte["hexspot"]["incidents"]["left_out"]["no_time_of_day"], 0);
    assert_eq!(nte["hexspot"]["query"]["time_window"]["hours"], 16);
    // harm with the shipped ONS CSS table: violence rows with an offence label get its weight
    let harm = run(&[
        "--weights",
        data("harm/ons-css-example.csv").to_str().unwrap(),
        "--measure",
        "harm",
        "--rank-by",
        "harm",
    ]);
    assert!(
        harm["hexspot"]["incidents"]["harm_weights"]["from_table"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(harm["hexspot"]["incidents"]["harm_total"].as_f64().unwrap() > counted(&harm) as f64);
    // a study region from the Leeds ward boundaries: incidents elsewhere are left out and counted
    let leeds = run(&[
        "--region",
        data("boundaries/E08000035-leeds-wards.json")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        leeds["hexspot"]["incidents"]["left_out"]["outside_region"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        counted(&leeds)
            + leeds["hexspot"]["incidents"]["left_out"]["outside_region"]
                .as_u64()
                .unwrap()
            == counted(&all)
    );
}
