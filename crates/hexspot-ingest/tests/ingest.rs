//! Ingest tests: each police.uk quirk against the real files in `data/`, plus force
//! extracts (mapped columns, British National Grid), GeoJSON points and bad rows.

use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};

use hexspot_ingest::{
    ColumnMap, Format, ReadOptions, ReadSummary, read_file, read_harm_table, read_region,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

/// What a read produced, with owned copies of the fields the tests look at.
struct Read {
    summary: ReadSummary,
    months: Vec<String>,
    ids: Vec<Option<String>>,
    points: Vec<(f64, f64)>,
    times: Vec<Option<u16>>,
    crime_types: Vec<String>,
    flags: Vec<u8>,
    weights: Vec<Option<f64>>,
}

fn read(path: &Path, columns: ColumnMap) -> Read {
    let mut r = Read {
        summary: ReadSummary {
            format: Format::Csv,
            sha256: String::new(),
            bytes: 0,
            lines: 0,
            rows_read: 0,
            rows_accepted: 0,
            rejected: vec![],
            notes: vec![],
            columns: vec![],
        },
        months: vec![],
        ids: vec![],
        points: vec![],
        times: vec![],
        crime_types: vec![],
        flags: vec![],
        weights: vec![],
    };
    let mut sink = |rec: &hexspot_ingest::Record<'_>| -> Result<(), Infallible> {
        r.months.push(rec.when.month.to_string());
        r.ids.push(rec.crime_id.map(str::to_owned));
        r.points.push((rec.location.lon(), rec.location.lat()));
        r.times.push(rec.when.time.map(|t| t.get()));
        r.crime_types.push(rec.crime_type.to_owned());
        r.flags.push(rec.flags.bits());
        r.weights.push(rec.weight);
        Ok(())
    };
    let opts = ReadOptions { columns };
    let summary = read_file(path, &opts, &mut |_| {}, &mut sink).unwrap();
    r.summary = summary;
    r
}

fn temp_file(ext: &str, content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    f.write_all(content).unwrap();
    f
}

#[test]
fn leeds_file_with_bom_and_spreadsheet_months() {
    let r = read(&data("police-uk/crimedataleeds.csv"), ColumnMap::default());
    let s = &r.summary;
    assert_eq!(s.format, Format::PoliceUk);
    assert_eq!(
        (s.rows_read, s.rows_accepted, s.rejected.len()),
        (8009, 8009, 0)
    );
    assert!(
        r.months.iter().all(|m| m == "2025-02"),
        "Feb-25 is February 2025"
    );
    assert_eq!(
        r.ids.iter().filter(|i| i.is_none()).count(),
        474,
        "empty Crime IDs (ASB) kept"
    );
    assert_eq!(
        r.crime_types
            .iter()
            .filter(|t| *t == "Violence and sexual offences")
            .count(),
        3171
    );
    assert!(
        r.times.iter().all(Option::is_none),
        "police.uk has no time of day"
    );
    assert_eq!(s.sha256.len(), 64);
}

#[test]
fn west_yorkshire_subset_with_underscore_headers_and_crlf() {
    let raw = std::fs::read(data("police-uk/West_Crime1.csv")).unwrap();
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "the fixture really has CRLF"
    );
    let r = read(&data("police-uk/West_Crime1.csv"), ColumnMap::default());
    assert_eq!(r.summary.format, Format::PoliceUk);
    assert_eq!(
        (r.summary.rows_accepted, r.summary.rejected.len()),
        (1611, 0)
    );
    assert!(r.months.iter().all(|m| m == "2018-05"));
    assert_eq!(
        r.crime_types
            .iter()
            .filter(|t| *t == "Violence and sexual offences")
            .count(),
        600
    );
    assert!(
        r.crime_types.iter().all(|t| !t.ends_with('\r')),
        "no CR left in the last field"
    );
}

#[test]
fn a_stray_quote_loses_its_own_line_only() {
    // the issue's case: one `"` added at the start of line 11's Location field
    let raw = std::fs::read_to_string(data("police-uk/crimedataleeds.csv")).unwrap();
    let mut lines: Vec<&str> = raw.lines().collect();
    let damaged = lines[10].replacen(",On or near", ",\"On or near", 1);
    assert_ne!(damaged, lines[10]);
    lines[10] = &damaged;
    let f = temp_file(".csv", (lines.join("\n") + "\n").as_bytes());
    let r = read(f.path(), ColumnMap::default());
    let s = &r.summary;
    assert_eq!(
        (s.lines, s.rows_read, s.rows_accepted, s.rejected.len()),
        (8010, 8009, 8008, 1),
        "every other row kept"
    );
    assert_eq!(s.rejected[0].line, 11);
    assert_eq!(s.rejected[0].reason.code(), "open_quote");
    assert!(
        s.rejected[0].raw.contains("\"On or near"),
        "{}",
        s.rejected[0].raw
    );
    assert!(
        s.rejected[0].reason.to_string().contains("stray quote"),
        "{}",
        s.rejected[0].reason
    );
}

#[test]
fn crlf_lines_are_numbered_as_the_file_numbers_them() {
    let text = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\r\n\
        a,2025-02,X,X,-1.5,53.8,On or near A,E1,L,Robbery,,\r\n\
        b,2025-02,X,X,,,On or near B,E1,L,Robbery,,\r\n\
        c,2025-02,X,X,-1.5,53.8,\"On or near \r\nC\",E1,L,Robbery,,\r\n\
        d,2025-02,X,X,-1.5,,On or near D,E1,L,Robbery,,\r\n";
    let f = temp_file(".csv", text.as_bytes());
    let r = read(f.path(), ColumnMap::default());
    let s = &r.summary;
    // a quoted field across two lines is one row; the lines are the file's
    assert_eq!((s.lines, s.rows_read, s.rows_accepted), (6, 4, 2));
    let lines: Vec<u64> = s.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 6]);
}

#[test]
fn utf16_files_are_refused_by_name() {
    let text = "Crime ID,Month,Longitude,Latitude,Crime type\n";
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be_no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, name) in [
        (le, "UTF-16 (little-endian)"),
        (be_no_bom, "UTF-16 (big-endian"),
    ] {
        let f = temp_file(".csv", &bytes);
        let mut sink = |_: &hexspot_ingest::Record<'_>| -> Result<(), Infallible> { Ok(()) };
        let e = read_file(f.path(), &ReadOptions::default(), &mut |_| {}, &mut sink)
            .unwrap_err()
            .to_string();
        assert!(e.contains(name) && e.contains("save it as UTF-8"), "{e}");
    }
}

#[test]
fn weights_beyond_the_stated_range_are_rejected() {
    let text = "id,datetime,longitude,latitude,crime_type,weight\n\
        1,2025-02-01T10:00,-1.5,53.8,Robbery,1e200\n\
        2,2025-02-01T10:00,-1.5,53.8,Robbery,1000000\n\
        3,2025-02-01T10:00,-1.5,53.8,Robbery,1000001\n";
    let f = temp_file(".csv", text.as_bytes());
    let r = read(f.path(), ColumnMap::default());
    assert_eq!(r.weights, [Some(1e6)]);
    let bad: Vec<(u64, &str)> = r
        .summary
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.code()))
        .collect();
    assert_eq!(bad, [(2, "bad_weight"), (4, "bad_weight")]);
}

#[test]
fn northamptonshire_repeated_ids_and_far_points_are_kept_and_noted() {
    let r = read(
        &data("police-uk/2018-10-northamptonshire-street.csv"),
        ColumnMap::default(),
    );
    assert_eq!(
        (r.summary.rows_accepted, r.summary.rejected.len()),
        (6705, 0)
    );
    assert_eq!(r.ids.iter().filter(|i| i.is_none()).count(), 1574);
    let notes = r.summary.notes.join("\n");
    assert!(notes.contains("9 rows repeat a Crime ID"), "{notes}");
    assert!(notes.contains("more than 50 km"), "{notes}");
    // rows_accepted == rows read: the far points are among the kept rows
}

#[test]
fn south_yorkshire_rows_without_coordinates_are_rejected_with_lines() {
    let r = read(
        &data("police-uk/2018-10-south-yorkshire-street.excerpt.csv"),
        ColumnMap::default(),
    );
    let s = &r.summary;
    assert_eq!(s.rows_read, 3000);
    assert_eq!(
        s.rows_accepted + s.rejected.len() as u64,
        3000,
        "nothing lost silently"
    );
    assert_eq!(s.rejected.len(), 663);
    assert!(
        s.rejected
            .iter()
            .all(|j| j.reason.code() == "no_coordinates")
    );
    assert_eq!(s.rejections_by_reason(), vec![("no_coordinates", 663)]);
    // line numbers are file lines: the header is line 1
    let first = &s.rejected[0];
    let text =
        std::fs::read_to_string(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv"))
            .unwrap();
    let line = text.lines().nth(first.line as usize - 1).unwrap();
    assert!(line.contains(",,,"), "line {} is {line:?}", first.line);
    assert!(first.raw.starts_with(line.split(',').next().unwrap()));
}

#[test]
fn bad_rows_are_reported_and_good_rows_kept() {
    let csv = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
        a,2025-02,WYP,WYP,-1.55,53.80,On or near X,E01,Leeds 1,Robbery,,\n\
        b,2025-13,WYP,WYP,-1.55,53.80,On or near X,E01,Leeds 1,Robbery,,\n\
        c,2025-02,WYP,WYP,abc,53.80,On or near X,E01,Leeds 1,Robbery,,\n\
        d,2025-02,WYP,WYP,-1.55,53.80\n\
        e,2025-02,WYP,WYP,-1.55,95.0,On or near X,E01,Leeds 1,Robbery,,\n\
        f,2025-02,WYP,WYP,-1.55,53.80,On or near X,E01,Leeds 1,,,\n\
        \n\
        g,2025-02,WYP,WYP,-1.56,53.81,On or near Y,E01,Leeds 1,Robbery,,\n";
    let mut bytes = csv.as_bytes().to_vec();
    // a row with invalid UTF-8
    bytes.extend_from_slice(
        b"h,2025-02,WYP,WYP,-1.55,53.80,On or near \xff,E01,Leeds 1,Robbery,,\n",
    );
    let f = temp_file(".csv", &bytes);
    let r = read(f.path(), ColumnMap::default());
    let got: Vec<(u64, &str)> = r
        .summary
        .rejected
        .iter()
        .map(|j| (j.line, j.reason.code()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "bad_month"),
            (4, "bad_coordinates"),
            (5, "field_count"),
            (6, "bad_coordinates"),
            (7, "no_crime_type"),
            (10, "not_utf8"),
        ]
    );
    assert_eq!(r.summary.rows_accepted, 2);
    assert_eq!(r.summary.rows_read, 8, "the blank line is not a row");
    assert_eq!(r.ids, vec![Some("a".into()), Some("g".into())]);
}

#[cfg(feature = "bng")]
#[test]
fn force_extract_with_bng_coordinates_and_separate_date_time() {
    // Leeds Town Hall is at about OSGB36 E 429,835 N 433,910 (lon −1.5487, lat 53.8003)
    let csv = "URN,Offence Date,Offence Time,X,Y,HO Offence,Knife Flag,DA,Harm\n\
        W1,14/02/2025,21:37,429835,433910,Wounding,Y,N,1965\n\
        W2,2025-02-15,0130,429835,433910,Assault with injury,N,,\n\
        W3,2025-02-15,,429835,433910,Assault with injury,maybe,,\n\
        W4,2025-02-15,10:00,-5,433910,Assault with injury,N,,\n";
    let f = temp_file(".csv", csv.as_bytes());
    let mut map = ColumnMap::default();
    for pair in [
        "id=URN",
        "date=Offence Date",
        "time=Offence Time",
        "easting=X",
        "northing=Y",
        "offence=HO Offence",
        "knife=Knife Flag",
        "domestic=DA",
        "weight=Harm",
    ] {
        map.add_pair(pair).unwrap();
    }
    let r = read(f.path(), map);
    assert_eq!(r.summary.format, Format::Csv);
    assert_eq!(r.summary.rows_accepted, 2);
    let codes: Vec<&str> = r.summary.rejected.iter().map(|j| j.reason.code()).collect();
    assert_eq!(codes, vec!["bad_flag", "outside_bng_grid"]);
    let (lon, lat) = r.points[0];
    assert!(
        (lon - -1.5487).abs() < 0.002 && (lat - 53.8003).abs() < 0.002,
        "{lon}, {lat}"
    );
    assert_eq!(r.times, vec![Some(21 * 60 + 37), Some(90)]);
    assert_eq!(
        r.crime_types,
        vec!["Wounding", "Assault with injury"],
        "offence stands in for crime type"
    );
    assert_eq!(r.weights, vec![Some(1965.0), None]);
    let flags = hexspot_engine::Flags::from_bits(r.flags[0]);
    assert_eq!(
        flags.get(hexspot_engine::FlagKind::Knife),
        hexspot_engine::Flag::Yes
    );
    assert_eq!(
        flags.get(hexspot_engine::FlagKind::Domestic),
        hexspot_engine::Flag::No
    );
    assert_eq!(
        flags.get(hexspot_engine::FlagKind::VictimUnder25),
        hexspot_engine::Flag::Unknown
    );
}

#[cfg(feature = "bng")]
#[test]
fn ostn15_matches_an_ordnance_survey_test_point() {
    // lonlat_bng's published round trip (ETRS89 1.716073973 E, 52.658007833 N)
    let (lon, lat) = lonlat_bng_roundtrip(651_409.792, 313_177.448);
    assert!(
        (lon - 1.716_073_973).abs() < 1e-6 && (lat - 52.658_007_833).abs() < 1e-6,
        "{lon} {lat}"
    );
}

#[cfg(feature = "bng")]
fn lonlat_bng_roundtrip(e: f64, n: f64) -> (f64, f64) {
    let csv =
        format!("id,datetime,easting,northing,crime_type\nx,2025-02-14T10:00,{e},{n},Robbery\n");
    let f = temp_file(".csv", csv.as_bytes());
    let r = read(f.path(), ColumnMap::default());
    assert_eq!(r.summary.rows_accepted, 1, "{:?}", r.summary.rejected);
    r.points[0]
}

/// Built without the `bng` feature (`cargo test -p hexspot-ingest --no-default-features`,
/// which scripts/test.sh runs): eastings/northings alone are a clear file error, and a
/// row that has only them, in a file that also has longitude/latitude, is rejected.
#[cfg(not(feature = "bng"))]
#[test]
fn without_the_bng_feature_grid_coordinates_are_refused_clearly() {
    let f = temp_file(
        ".csv",
        b"id,datetime,easting,northing,crime_type\nx,2025-02-14T10:00,429835,433910,Robbery\n",
    );
    let e = read_file(f.path(), &ReadOptions::default(), &mut |_| {}, &mut |_| {
        Ok::<(), Infallible>(())
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            hexspot_ingest::IngestError::Mapping {
                source: hexspot_ingest::MappingError::NoGridSupport { .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("`bng` feature"), "{e}");

    let both = temp_file(
        ".csv",
        b"id,datetime,longitude,latitude,easting,northing,crime_type\n\
          a,2025-02-14T10:00,-1.5487,53.8003,,,Robbery\n\
          b,2025-02-14T10:00,,,429835,433910,Robbery\n",
    );
    let r = read(both.path(), ColumnMap::default());
    assert_eq!(r.summary.rows_accepted, 1);
    let codes: Vec<&str> = r.summary.rejected.iter().map(|j| j.reason.code()).collect();
    assert_eq!(codes, vec!["bng_not_supported"]);
}

#[test]
fn mapping_file_with_comments_and_a_columns_section() {
    let m = ColumnMap::parse_file(
        "# force extract\n[columns]\nid = URN\neasting = \"X\"  # metres\nnorthing=Y\n\n",
    )
    .unwrap();
    assert_eq!(m.get(hexspot_ingest::Field::Easting), Some("X"));
    assert_eq!(m.get(hexspot_ingest::Field::Id), Some("URN"));
    let e = ColumnMap::parse_file("id = URN\nwhatever\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("line 2"), "{e}");
}

#[test]
fn hexspot_csv_is_recognised_without_a_mapping() {
    let csv = "id,datetime,longitude,latitude,crime_type,offence_code,knife,domestic,victim_under_25,weight\n\
        SYN-1,2024-03-15T21:37,-1.543200,53.796600,Violence and sexual offences,Wounding,true,false,true,\n";
    let f = temp_file(".csv", csv.as_bytes());
    let r = read(f.path(), ColumnMap::default());
    assert_eq!(r.summary.rows_accepted, 1);
    assert_eq!(r.times, vec![Some(21 * 60 + 37)]);
}

#[test]
fn missing_columns_are_a_clear_file_error() {
    let f = temp_file(".csv", b"a,b,c\n1,2,3\n");
    let e = read_file(f.path(), &ReadOptions::default(), &mut |_| {}, &mut |_| {
        Ok::<(), Infallible>(())
    })
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("cannot find") && msg.contains("--map"),
        "{msg}"
    );
    let mut map = ColumnMap::default();
    map.add_pair("easting=Nope").unwrap();
    let e = read_file(
        f.path(),
        &ReadOptions { columns: map },
        &mut |_| {},
        &mut |_| Ok::<(), Infallible>(()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("Nope"), "{e}");
    assert!(ColumnMap::default().add_pair("colour=X").is_err());
    let empty = temp_file(".csv", b"");
    assert!(
        read_file(
            empty.path(),
            &ReadOptions::default(),
            &mut |_| {},
            &mut |_| Ok::<(), Infallible>(())
        )
        .is_err()
    );
}

#[test]
fn geojson_points_with_the_same_properties() {
    let gj = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","geometry":{"type":"Point","coordinates":[-1.5432,53.7966]},
       "properties":{"id":"G1","datetime":"2025-02-14T23:10","crime_type":"Robbery","knife":true}},
      {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{}},
      {"type":"Feature","geometry":{"type":"Point","coordinates":[-1.5,53.8]},
       "properties":{"Crime ID":"G3","Month":"2025-02","Crime type":"Violence and sexual offences"}}
    ]}"#;
    let f = temp_file(".geojson", gj.as_bytes());
    let r = read(f.path(), ColumnMap::default());
    assert_eq!(r.summary.format, Format::GeoJson);
    assert_eq!(r.summary.rows_accepted, 2);
    assert_eq!(r.summary.rejected.len(), 1);
    assert_eq!(
        (
            r.summary.rejected[0].line,
            r.summary.rejected[0].reason.code()
        ),
        (2, "not_a_point")
    );
    assert_eq!(r.ids, vec![Some("G1".into()), Some("G3".into())]);
    assert_eq!(r.times[0], Some(23 * 60 + 10));
}

#[test]
fn harm_table_and_region_files() {
    let t = read_harm_table(&data("harm/ons-css-example.csv")).unwrap();
    assert_eq!(t.get("Homicide"), Some(7979.0));
    assert_eq!(t.get("wounding"), Some(1965.0));
    let bad = temp_file(".csv", b"offence,weight\nHomicide,lots\n");
    let e = read_harm_table(bad.path()).unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
    let wards = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/boundaries/E08000035-leeds-wards.json");
    let mp = read_region(&wards).unwrap();
    assert_eq!(mp.0.len(), 33, "33 Leeds wards in 2013");
    let not_polygons = temp_file(".geojson", br#"{"type":"Point","coordinates":[0,0]}"#);
    assert!(read_region(not_polygons.path()).is_err());
}
