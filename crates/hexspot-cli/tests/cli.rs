//! End-to-end: the `hexspot` binary on real police.uk files and on synthetic timed data.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{fails, hexspot, ok};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
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

#[test]
fn plan_twenty_cells_by_harm_in_the_night_time_economy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    let csv = dir.path().join("synth.csv");
    let csv = csv.to_str().unwrap();
    ok(&["synth", "--rows", "30000", "--seed", "5", "--out", csv]);
    ok(&["import", "--db", db, csv]);
    let args = |format: &str| -> Vec<String> {
        [
            "plan",
            "--db",
            db,
            "--cells",
            "20",
            "--rank-by",
            "harm",
            "--crime-type",
            "Violence and sexual offences",
            "--days",
            "fri,sat",
            "--hours",
            "20-04",
            "--format",
            format,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let run = |format: &str| {
        let a = args(format);
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let v: Value = serde_json::from_str(&run("geojson")).unwrap();
    let plan = &v["hexspot"]["plan"];
    assert_eq!(plan["cells"], 20);
    assert_eq!(plan["budget"]["cells"], 20);
    assert_eq!(v["hexspot"]["query"]["time_window"]["hours"], 16);
    let areas = v["features"].as_array().unwrap();
    assert_eq!(areas.len(), plan["areas"].as_u64().unwrap() as usize);
    let cells: usize = areas
        .iter()
        .map(|a| a["properties"]["cells"].as_array().unwrap().len())
        .sum();
    assert_eq!(cells, 20, "every picked cell is in one area");
    let mut cumulative = 0.0;
    for (i, a) in areas.iter().enumerate() {
        let p = &a["properties"];
        assert_eq!(p["area_rank"], i + 1);
        assert_eq!(a["geometry"]["type"], "MultiPolygon");
        for k in [
            "area_m2",
            "count",
            "harm",
            "harm_share",
            "cumulative_harm_share",
            "significant",
            "peak_windows",
            "dose",
        ] {
            assert!(!p[k].is_null(), "{k}");
        }
        cumulative += p["harm_share"].as_f64().unwrap();
        assert!((p["cumulative_harm_share"].as_f64().unwrap() - cumulative).abs() < 1e-9);
        // windows inside Fri–Sat 20:00–04:00 only
        for w in p["peak_windows"].as_array().unwrap() {
            let t = w["window"].as_str().unwrap();
            assert!(
                t.starts_with("fri") || t.starts_with("sat") || t.starts_with("sun"),
                "{t}"
            );
        }
    }
    assert!((plan["harm_share"].as_f64().unwrap() - cumulative).abs() < 1e-9);
    let share = plan["concentration"]["share_of_cells_for_half_harm"]
        .as_f64()
        .unwrap();
    assert!(share > 0.0 && share < 0.5, "{share}");
    // the CSV has the same areas, the table says the same share
    let csv_out = run("csv");
    let lines: Vec<&str> = csv_out.lines().collect();
    assert!(lines[0].starts_with("area_rank,cells,area_m2,count,harm,harm_share"));
    assert_eq!(lines.len(), areas.len() + 1);
    let table = run("table");
    assert!(table.contains("20 cells"), "{table}");
    // bad budgets and exclusions are named
    fails(&["plan", "--db", db, "--cells", "0"], "--cells");
    fails(&["plan", "--db", db, "--area-km2=0"], "--area-km2");
    fails(&["plan", "--db", db], "--cells");
    fails(
        &["plan", "--db", db, "--cells", "5", "--exclude", "nope"],
        "--exclude",
    );
    // excluding the top area's first cell leaves it out of the plan
    let top = areas[0]["properties"]["cells"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let mut a = args("geojson");
    a.extend(["--exclude".to_owned(), top.clone()]);
    let v: Value =
        serde_json::from_str(&ok(&a.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    assert_eq!(v["hexspot"]["plan"]["excluded_cells"], 1);
    assert!(v["features"].as_array().unwrap().iter().all(|f| {
        f["properties"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c != top.as_str())
    }));
}

/// The five West Yorkshire ward files and their districts, and the same for MSOAs.
fn west_yorkshire(db: &str, set: &str, code: &str, name: &str, kind: &str) {
    let districts = ["bradford", "calderdale", "kirklees", "leeds", "wakefield"];
    let mut args: Vec<String> = [
        "boundaries",
        "import",
        "--db",
        db,
        "--set",
        set,
        "--code",
        code,
        "--name",
        name,
    ]
    .map(String::from)
    .to_vec();
    for (i, d) in districts.iter().enumerate() {
        let mut title = d.to_string();
        title[..1].make_ascii_uppercase();
        args.extend(["--district".to_owned(), title]);
        let file = match kind {
            "wards" => format!("boundaries/E0800003{}-{d}-wards.json", i + 2),
            _ => format!("boundaries/msoa/E0800003{}-{d}-msoa.json", i + 2),
        };
        args.push(data(&file).to_str().unwrap().to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args);
}

#[test]
fn ward_comparison_on_real_data_with_estimated_populations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("areas.db");
    let db = db.to_str().unwrap();
    let leeds = data("police-uk/crimedataleeds.csv");
    ok(&["import", "--db", db, leeds.to_str().unwrap()]);
    west_yorkshire(db, "wards", "WD13CD", "WD13NM", "wards");
    west_yorkshire(db, "msoa", "MSOA11CD", "MSOA11NM", "msoa");
    let pop = data("population/ons-msoa-2020-SAPE23DT4.csv");
    let out = hexspot(&[
        "population",
        "import",
        "--db",
        db,
        "--set",
        "wards",
        pop.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("population for 299 of 299 areas (total 2345235)"),
        "{said}"
    );
    assert!(
        said.contains("estimated population for 124 of 124 areas"),
        "{said}"
    );

    let json: Value = serde_json::from_str(&ok(&[
        "areas",
        "--db",
        db,
        "--set",
        "wards",
        "--crime-type",
        "Violence and sexual offences",
        "--format",
        "json",
    ]))
    .unwrap();
    let areas = json["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 124);
    let meta = &json["hexspot"];
    assert_eq!(meta["incidents"]["counted"], 3171);
    // every Leeds point lands in a Leeds ward
    assert_eq!(meta["incidents"]["outside_every_area"], 0);
    let leeds_total: u64 = areas
        .iter()
        .filter(|a| a["district"] == "Leeds")
        .map(|a| a["count"].as_u64().unwrap())
        .sum();
    assert_eq!(leeds_total, 3171);
    // estimated populations are labelled, and they add up to West Yorkshire's
    assert!(areas.iter().all(|a| a["population_estimated"] == true));
    assert_eq!(meta["set"]["population_estimated"], true);
    assert!(
        meta["set"]["population_source"]
            .as_str()
            .unwrap()
            .contains("areal weighting")
    );
    let total: f64 = areas
        .iter()
        .map(|a| a["population"].as_f64().unwrap())
        .sum();
    assert!((total - 2_345_235.0).abs() < 200.0, "{total}");
    // ranked by rate, 1 first, each rate = count / population × 1,000
    assert_eq!(meta["rank_by"], "rate_per_1000");
    let first = &areas[0];
    assert_eq!(first["rank"], 1);
    let rate = first["count"].as_f64().unwrap() / first["population"].as_f64().unwrap() * 1000.0;
    assert!((first["rate_per_1000"].as_f64().unwrap() - rate).abs() < 1e-9);
    let mut ranks: Vec<u64> = areas.iter().map(|a| a["rank"].as_u64().unwrap()).collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=124).collect::<Vec<_>>());
    // one month of data: the previous month is a gap, so no change is claimed
    assert_eq!(meta["periods"]["previous_covered"], false);
    assert!(areas.iter().all(|a| a["change_p"].is_null()));
    // district roll-ups: Leeds holds every incident
    let districts = json["districts"].as_array().unwrap();
    assert_eq!(districts.len(), 5);
    let leeds_row = districts.iter().find(|d| d["name"] == "Leeds").unwrap();
    assert_eq!(leeds_row["count"], 3171);
    assert_eq!(leeds_row["areas"], 33);

    // the table says which populations are estimates
    let table = ok(&["areas", "--db", db, "--set", "wards", "--format", "table"]);
    assert!(table.contains("population (est.)"), "{table}");
    assert!(table.contains(" est."));
    assert!(
        table.contains("est.: population estimated from \"msoa\""),
        "{table}"
    );
    // CSV: a row per ward, sorted as asked
    let csv = ok(&[
        "areas", "--db", db, "--set", "wards", "--format", "csv", "--sort", "count", "--order",
        "asc",
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 125);
    assert!(lines[0].starts_with(
        "code,name,district,count,harm,population,population_estimated,rate_per_1000"
    ));
    let counts: Vec<u64> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap()[3].parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "ascending counts");

    // districts dissolved from the wards, with their residents summed
    ok(&[
        "boundaries",
        "dissolve",
        "--db",
        db,
        "--from",
        "wards",
        "--set",
        "districts",
    ]);
    let d: Value = serde_json::from_str(&ok(&[
        "areas",
        "--db",
        db,
        "--set",
        "districts",
        "--format",
        "json",
    ]))
    .unwrap();
    let rows = d["areas"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let leeds_pop = rows.iter().find(|r| r["code"] == "Leeds").unwrap()["population"]
        .as_f64()
        .unwrap();
    assert!(
        (leeds_pop - 798_786.0).abs() / 798_786.0 < 0.005,
        "{leeds_pop}"
    );
    let listed = ok(&["boundaries", "list", "--db", db]);
    for set in ["wards", "msoa", "districts"] {
        assert!(listed.contains(set), "{listed}");
    }

    // mistakes are named
    fails(
        &["areas", "--db", db, "--set", "parishes"],
        "no boundary set \"parishes\"; the sets are: districts, msoa, wards",
    );
    fails(
        &["areas", "--db", db, "--set", "wards", "--sort", "colour"],
        "\"colour\" is not a column to sort by",
    );
    fails(
        &[
            "boundaries",
            "import",
            "--db",
            db,
            "--set",
            "x",
            "--code",
            "WD13CD",
            "--name",
            "WD13NM",
            "--district",
            "Leeds",
            "--district",
            "Bradford",
            data("boundaries/E08000035-leeds-wards.json")
                .to_str()
                .unwrap(),
        ],
        "give one per file (2 districts for 1 files)",
    );
    fails(
        &[
            "boundaries",
            "import",
            "--db",
            db,
            "--set",
            "x",
            "--code",
            "NOPE",
            "--name",
            "WD13NM",
            data("boundaries/E08000035-leeds-wards.json")
                .to_str()
                .unwrap(),
        ],
        "NOPE",
    );
    fails(
        &[
            "population",
            "import",
            "--db",
            db,
            "--set",
            "parishes",
            pop.to_str().unwrap(),
        ],
        "there is no boundary set \"parishes\"",
    );
    fails(
        &[
            "boundaries",
            "dissolve",
            "--db",
            db,
            "--from",
            "districts-of-nowhere",
            "--set",
            "y",
        ],
        "no boundary set",
    );
}

#[test]
fn ward_changes_are_tested_against_the_previous_period() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("synthetic.csv");
    let db = dir.path().join("synthetic.db");
    let db = db.to_str().unwrap();
    ok(&[
        "synth",
        "--rows",
        "20000",
        "--seed",
        "3",
        "--months",
        "12",
        "--out",
        csv.to_str().unwrap(),
    ]);
    ok(&["import", "--db", db, csv.to_str().unwrap()]);
    west_yorkshire(db, "wards", "WD13CD", "WD13NM", "wards");
    let json: Value = serde_json::from_str(&ok(&[
        "areas", "--db", db, "--set", "wards", "--from", "2024-07", "--to", "2024-12", "--format",
        "json",
    ]))
    .unwrap();
    let meta = &json["hexspot"];
    assert_eq!(meta["periods"]["previous"]["from"], "2024-01-01");
    assert_eq!(meta["periods"]["previous"]["to"], "2024-06-30");
    assert_eq!(meta["periods"]["previous_covered"], true);
    // no population imported: ranked by count, rates null
    assert_eq!(meta["rank_by"], "count");
    for a in json["areas"].as_array().unwrap() {
        assert!(a["rate_per_1000"].is_null());
        let (now, before) = (
            a["count"].as_u64().unwrap(),
            a["previous_count"].as_u64().unwrap(),
        );
        assert_eq!(a["change"].as_i64().unwrap(), now as i64 - before as i64);
        match hexspot_engine::poisson_change_p(now, before) {
            Some(p) => assert!((a["change_p"].as_f64().unwrap() - p).abs() < 1e-12),
            None => assert!(a["change_p"].is_null()),
        }
    }
}

/// Northamptonshire's seven districts (2013 codes), from the TopoJSON of every district
/// in England.
const NORTHANTS: &str = "E07000150,E07000151,E07000152,E07000153,E07000154,E07000155,E07000156";

#[test]
fn district_changes_on_real_consecutive_months_match_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("n.db");
    let db = db.to_str().unwrap();
    let oct = data("police-uk/2018-10-northamptonshire-street.csv");
    let nov = data("police-uk/2018-11-northamptonshire-street.csv");
    ok(&[
        "import",
        "--db",
        db,
        oct.to_str().unwrap(),
        nov.to_str().unwrap(),
    ]);
    // a study region whose first cell lies just left of and below its IJ anchor once
    // panicked (the tile grid's "none yet" key was tile (-1, -1)'s)
    let hot = ok(&[
        "hotspots",
        "--db",
        db,
        "--crime-type",
        "Violence and sexual offences",
        "--from",
        "2018-11",
        "--to",
        "2018-11",
        "--res",
        "5",
        "--top",
        "3",
        "--format",
        "csv",
    ]);
    assert_eq!(hot.lines().count(), 4, "{hot}");
    let topo = data("boundaries/lad/topo_lad.json");
    let topo = topo.to_str().unwrap();
    let import = |only: &str| {
        hexspot(&[
            "boundaries",
            "import",
            "--db",
            db,
            "--set",
            "northants",
            "--code",
            "LAD13CD",
            "--name",
            "LAD13NM",
            "--only",
            only,
            topo,
        ])
    };
    // a code not in the file: named, and nothing imported
    let out = import("E07000150,E99999999");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("E99999999"));
    assert!(ok(&["boundaries", "list", "--db", db]).is_empty());
    assert!(import(NORTHANTS).status.success());

    let json = ok(&[
        "areas",
        "--db",
        db,
        "--set",
        "northants",
        "--crime-type",
        "Violence and sexual offences",
        "--from",
        "2018-11",
        "--to",
        "2018-11",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let meta = &v["hexspot"];
    assert_eq!(
        meta["periods"]["previous_covered"], true,
        "{}",
        meta["periods"]
    );
    assert_eq!(meta["rank_by"], "count", "no populations: ranked by count");
    let areas = v["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 7);
    // (name, November, October, scipy.stats.binomtest(nov, nov + oct, 0.5).pvalue,
    // scipy 1.17.1)
    let expected = [
        ("Northampton", 736, 698, 0.3285341620017243),
        ("Wellingborough", 261, 199, 0.004402050131741185),
        ("Corby", 174, 210, 0.0739477265577392),
        ("East Northamptonshire", 151, 152, 1.0),
    ];
    for (name, now, before, p) in expected {
        let a = areas.iter().find(|a| a["name"] == name).unwrap();
        assert_eq!(a["count"], now, "{name}");
        assert_eq!(a["previous_count"], before, "{name}");
        assert_eq!(a["change"], now - before, "{name}");
        let got = a["change_p"].as_f64().unwrap();
        assert!(
            (got - p).abs() <= 1e-9 * p.max(1e-3),
            "{name}: {got} vs scipy {p}"
        );
    }
}
