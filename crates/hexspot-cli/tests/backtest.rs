//! `hexspot backtest` and `hexspot evaluate` end to end on the 35 real Leicestershire
//! months (`../shared/data/crime/leicestershire`, not in the repository;
//! `HEXSPOT_SHARED_DATA` names another copy of `shared/data`): a backtest, a plan made
//! with its advice, and that plan evaluated over the following months.

use serde_json::Value;

mod common;
use common::{fails, import, leicestershire, ok};

const VIOLENCE: &str = "Violence and sexual offences";

#[test]
fn backtest_then_plan_then_evaluate_on_leicestershire() {
    let Some(dir) = leicestershire() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("l.db");
    let db = db.to_str().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_owned())
        .filter(|p| p.ends_with("-leicestershire-street.csv"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 35);
    import(db, &files);

    let base = [
        "backtest",
        "--db",
        db,
        "--crime-type",
        VIOLENCE,
        "--train-months",
        "12",
        "--test-months",
        "1",
        "--folds",
        "6",
        "--to",
        "2022-10",
        "--cells",
        "20",
    ];
    let mut a = base.to_vec();
    a.extend(["--format", "json"]);
    let j: Value = serde_json::from_str(&ok(&a)).unwrap();
    assert_eq!(j["folds"].as_array().unwrap().len(), 6);
    assert_eq!(j["folds"][0]["train"][0], "2021-05");
    assert_eq!(j["folds"][5]["test"][1], "2022-10");
    assert_eq!(j["hexspot"]["query"]["res"], 9);
    assert_eq!(j["ranking"][0], "count");
    let means = j["means"].as_array().unwrap();
    let pai = |m: &str| {
        means.iter().find(|x| x["method"] == m).unwrap()["pai"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!((pai("count") - 38.858).abs() < 5e-4);
    assert!((pai("gistar") - 34.444).abs() < 5e-4);
    assert!((pai("kde") - 38.526).abs() < 5e-4);
    assert_eq!(means[0]["curve"].as_array().unwrap().len(), 50);
    let rec = j["recommendation"].as_str().unwrap();
    assert!(rec.starts_with("On these data, ranking by count over the last 12 months at res 9 would have caught 9.2 %"), "{rec}");
    let mut a = base.to_vec();
    a.extend(["--format", "csv"]);
    let csv = ok(&a);
    // a header, 6 folds × 4 methods, 4 means
    assert_eq!(csv.lines().count(), 1 + 24 + 4);
    assert!(csv.lines().nth(25).unwrap().starts_with("mean,count,"));

    // the advice taken: 20 cells by count over the 12 months before May 2022
    let plan = tmp.path().join("plan.geojson");
    let plan = plan.to_str().unwrap();
    ok(&[
        "plan",
        "--db",
        db,
        "--cells",
        "20",
        "--rank-by",
        "count",
        "--crime-type",
        VIOLENCE,
        "--from",
        "2021-05",
        "--to",
        "2022-04",
        "--format",
        "geojson",
        "--out",
        plan,
    ]);
    let e: Value = serde_json::from_str(&ok(&[
        "evaluate",
        "--db",
        db,
        "--plan-file",
        plan,
        "--crime-type",
        VIOLENCE,
        "--before",
        "2021-11..2022-04",
        "--after",
        "2022-05..2022-10",
        "--format",
        "geojson",
    ]))
    .unwrap();
    let m = &e["hexspot"];
    let areas = m["areas"].as_array().unwrap();
    assert_eq!(areas[0]["area"], "treated");
    assert_eq!(areas[0]["cells"], 20);
    assert_eq!(m["weights"]["time"], serde_json::json!([1.0, 1.0]));
    let t = &m["test"];
    let (wdd, se) = (t["wdd"].as_f64().unwrap(), t["se"].as_f64().unwrap());
    let local = t["wdd_local"].as_f64().unwrap() + t["wdd_displacement"].as_f64().unwrap();
    assert!((wdd - local).abs() < 1e-9);
    assert!((t["ci_low"].as_f64().unwrap() - (wdd - 1.959_963_984_540_054 * se)).abs() < 1e-9);
    assert_eq!(e["features"].as_array().unwrap().len(), 3);

    fails(
        &[
            "evaluate",
            "--db",
            db,
            "--plan-file",
            plan,
            "--before",
            "2022-05..2022-06",
            "--after",
            "2022-01..2022-02",
        ],
        "--after: the after period must start after the before period ends",
    );
    fails(
        &["backtest", "--db", db, "--folds", "30", "--to", "2022-10"],
        "fold 1 needs",
    );
    fails(
        &["backtest", "--db", db, "--folds", "0"],
        "--folds: must be between 1 and 60",
    );
}
