//! `hexspot emerging` and `hexspot kde` end to end, on real police.uk months of one
//! force (Leicestershire, `../shared/data/crime/leicestershire`, not in the repository;
//! `HEXSPOT_SHARED_DATA` names another copy of `shared/data`).

use serde_json::Value;

mod common;
use common::{fails, import, leicestershire, ok};

const VIOLENCE: &str = "Violence and sexual offences";

/// Violence, res 8, 2021-11..2022-10: the category totals (see README). No cold
/// category: an empty cell's z is too small for BH to call it cold.
const TOTALS: [(&str, u64); 17] = [
    ("new_hot", 3),
    ("consecutive_hot", 9),
    ("intensifying_hot", 34),
    ("persistent_hot", 108),
    ("diminishing_hot", 1),
    ("sporadic_hot", 35),
    ("oscillating_hot", 0),
    ("historical_hot", 0),
    ("new_cold", 0),
    ("consecutive_cold", 0),
    ("intensifying_cold", 0),
    ("persistent_cold", 0),
    ("diminishing_cold", 0),
    ("sporadic_cold", 0),
    ("oscillating_cold", 0),
    ("historical_cold", 0),
    ("no_pattern", 3144),
];

#[test]
fn emerging_hot_spots_and_density_on_twelve_leicestershire_months() {
    let Some(dir) = leicestershire() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("l.db");
    let db = db.to_str().unwrap();
    let months: Vec<String> = (0..12)
        .map(|i| {
            let (y, m) = if i < 2 { (2021, 11 + i) } else { (2022, i - 1) };
            dir.join(format!("{y}-{m:02}-leicestershire-street.csv"))
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    import(db, &months);

    let base = [
        "emerging",
        "--db",
        db,
        "--crime-type",
        VIOLENCE,
        "--res",
        "8",
        "--from",
        "2021-11",
        "--to",
        "2022-10",
    ];
    let mut a = base.to_vec();
    a.extend(["--format", "geojson"]);
    let gj: Value = serde_json::from_str(&ok(&a)).unwrap();
    let meta = &gj["hexspot"];
    let features = gj["features"].as_array().unwrap();
    assert_eq!(meta["cells"].as_u64().unwrap() as usize, features.len());
    assert_eq!(meta["slices"]["count"], 12);
    assert!(meta["slices"]["caution"].is_null());
    assert_eq!(
        meta["statistics"]["n"].as_u64().unwrap() as usize,
        features.len() * 12
    );
    assert_eq!(meta["gap_check"]["months_checked"], 12);
    assert_eq!(meta["query"]["time_lag"], 1);
    let totals = meta["category_totals"].as_object().unwrap();
    let got: Vec<(&str, u64)> = totals
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_u64().unwrap()))
        .collect();
    eprintln!("category totals: {got:?}");
    let mut want = TOTALS.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "the recorded Leicestershire totals");
    assert_eq!(features.len(), 3334);
    assert_eq!(
        got.iter().map(|x| x.1).sum::<u64>() as usize,
        features.len()
    );
    let mut counted = 0u64;
    for f in features {
        let p = &f["properties"];
        let counts = p["counts"].as_array().unwrap();
        let z = p["z"].as_array().unwrap();
        assert_eq!((counts.len(), z.len()), (12, 12));
        counted += counts.iter().map(|c| c.as_u64().unwrap()).sum::<u64>();
        assert_eq!(p["final_z"], z[11]);
        let cat = p["category"].as_str().unwrap();
        assert!(totals.contains_key(cat));
        let hot = p["hot_slices"].as_u64().unwrap();
        if cat == "persistent_hot" {
            assert!(hot >= 11, "{p}");
            assert_eq!(p["trend"], "none");
        }
        if cat == "new_hot" {
            assert_eq!(hot, 1);
        }
    }
    assert_eq!(counted, meta["incidents"]["counted"].as_u64().unwrap());

    // the same cells in CSV, one row each
    let mut a = base.to_vec();
    a.extend(["--format", "csv"]);
    let csv = ok(&a);
    assert_eq!(csv.lines().count(), features.len() + 1);

    // refusals name the months
    let mut a = base.to_vec();
    a[8] = "2019-11";
    fails(&a, "2019-11");
    let mut a = base.to_vec();
    a.extend(["--slice-months", "5"]);
    fails(
        &a,
        "the period 2021-11 to 2022-10 is 12 months, not a whole number of 5-month slices",
    );
    let mut a = base.to_vec();
    a[8] = "2022-08";
    fails(&a, "the period 2022-08 to 2022-10 makes 3 slice(s)");
    fails(
        &["emerging", "--db", db, "--res", "8", "--from", "2022-01"],
        "--to: emerging hot spots need a period",
    );

    // kernel density: a surface whose integral over the cells is the incidents
    let kde = ok(&[
        "kde",
        "--db",
        db,
        "--crime-type",
        VIOLENCE,
        "--from",
        "2022-10",
        "--to",
        "2022-10",
        "--res",
        "10",
        "--bandwidth-m",
        "400",
        "--format",
        "geojson",
    ]);
    let kde: Value = serde_json::from_str(&kde).unwrap();
    let meta = &kde["hexspot"];
    assert_eq!(meta["kernel"]["bandwidth_m"], 400.0);
    assert!(
        meta["cell_set"]["rule"]
            .as_str()
            .unwrap()
            .contains("within h = 400 m")
    );
    let cells = kde["features"].as_array().unwrap();
    let mut mass = 0.0;
    let mut last = f64::INFINITY;
    for (i, f) in cells.iter().enumerate() {
        let p = &f["properties"];
        assert_eq!(p["rank"].as_u64().unwrap() as usize, i + 1);
        let d = p["density_km2"].as_f64().unwrap();
        assert!(d <= last && d >= 0.0);
        last = d;
        let cell: h3o::CellIndex = p["cell"].as_str().unwrap().parse().unwrap();
        mass += d * cell.area_km2();
    }
    let n = meta["incidents"]["counted"].as_f64().unwrap();
    assert!(
        (mass / n - 1.0).abs() < 0.02,
        "Σ D·area = {mass} for {n} incidents"
    );
    fails(
        &["kde", "--db", db, "--bandwidth-m", "0"],
        "--bandwidth-m: must be more than 0",
    );
}
