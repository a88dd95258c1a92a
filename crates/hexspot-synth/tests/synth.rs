//! Integration tests for `hexspot-synth`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::time::Instant;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use hexspot_synth::{
    CRIME_TYPES, CSV_HEADER, SynthConfig, SynthError, SynthRow, generate, write_csv,
};

const VIOLENCE: &str = "Violence and sexual offences";

fn config(rows: u64, seed: u64) -> SynthConfig {
    SynthConfig {
        rows,
        seed,
        ..SynthConfig::default()
    }
}

fn csv_bytes(config: &SynthConfig) -> Vec<u8> {
    let mut out = Vec::new();
    let n = write_csv(config, &mut out).expect("write to Vec");
    assert_eq!(n, config.rows);
    out
}

/// Fri 20:00–Sat 04:00 or Sat 20:00–Sun 04:00.
fn in_weekend_night(dt: NaiveDateTime) -> bool {
    let dow = dt.weekday().num_days_from_monday();
    let h = dt.hour();
    matches!((dow, h), (4 | 5, 20..=23) | (5 | 6, 0..=3))
}

#[test]
fn defaults() {
    let c = SynthConfig::default();
    assert_eq!(c.start, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    assert_eq!(c.months, 12);
    assert_eq!(c.end_date(), NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
}

#[test]
fn same_seed_gives_identical_bytes() {
    let c = config(5_000, 42);
    assert_eq!(csv_bytes(&c), csv_bytes(&c));
    let a: Vec<SynthRow> = generate(&c).collect();
    let b: Vec<SynthRow> = generate(&c).collect();
    assert_eq!(a, b);
}

#[test]
fn different_seed_gives_different_bytes() {
    let a = csv_bytes(&config(1_000, 1));
    let b = csv_bytes(&config(1_000, 2));
    assert_ne!(a, b);
    // Same length prefix of ids, but the data rows differ.
    let la: Vec<&[u8]> = a.split(|&b| b == b'\n').collect();
    let lb: Vec<&[u8]> = b.split(|&b| b == b'\n').collect();
    let differing = la.iter().zip(&lb).filter(|(x, y)| x != y).count();
    assert!(differing > 990, "{differing}");
}

#[test]
fn prefix_is_stable_across_row_counts() {
    let short = csv_bytes(&config(100, 7));
    let long = csv_bytes(&config(1_000, 7));
    assert!(long.starts_with(&short));
}

#[test]
fn row_count_is_exact() {
    for rows in [0u64, 1, 2, 999, 12_345] {
        let c = config(rows, 3);
        let bytes = csv_bytes(&c);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(lines, rows + 1, "header + rows");
        assert_eq!(generate(&c).count() as u64, rows);
        assert_eq!(
            generate(&c).size_hint(),
            (rows as usize, Some(rows as usize))
        );
    }
}

#[test]
fn header_is_exact() {
    let bytes = csv_bytes(&config(3, 0));
    let first = bytes.split(|&b| b == b'\n').next().unwrap();
    assert_eq!(first, CSV_HEADER.join(",").as_bytes());
    assert_eq!(
        CSV_HEADER.join(","),
        "id,datetime,longitude,latitude,crime_type,offence_code,knife,domestic,victim_under_25,weight"
    );
    // Empty data set still has a header.
    assert_eq!(
        csv_bytes(&config(0, 0)),
        format!("{}\n", CSV_HEADER.join(",")).into_bytes()
    );
}

#[test]
fn points_lie_in_west_yorkshire() {
    for row in generate(&config(100_000, 11)) {
        assert!(
            (-2.6..=-0.8).contains(&row.longitude) && (53.3..=54.2).contains(&row.latitude),
            "{row:?}"
        );
        // Tighter: the generator keeps everything in the WY bounding box.
        assert!((-2.17..=-1.20).contains(&row.longitude), "{row:?}");
        assert!((53.52..=53.96).contains(&row.latitude), "{row:?}");
    }
}

#[test]
fn datetimes_lie_in_period() {
    let cases = [
        (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), 12),
        (NaiveDate::from_ymd_opt(2023, 11, 15).unwrap(), 3),
        (NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(), 1),
        (NaiveDate::from_ymd_opt(2021, 6, 30).unwrap(), 0), // treated as 1
    ];
    for (start, months) in cases {
        let c = SynthConfig {
            rows: 20_000,
            seed: 5,
            start,
            months,
        };
        let lo = start.and_hms_opt(0, 0, 0).unwrap();
        let hi = c.end_date().and_hms_opt(0, 0, 0).unwrap();
        assert!(hi > lo);
        let (mut min, mut max) = (hi, lo);
        for row in generate(&c) {
            assert!(row.datetime >= lo && row.datetime < hi, "{row:?}");
            assert_eq!(row.datetime.second(), 0);
            min = min.min(row.datetime);
            max = max.max(row.datetime);
        }
        // The whole period is used: first and last day both hit.
        assert_eq!(min.date(), start, "{start} {months}");
        assert_eq!(
            max.date(),
            c.end_date().pred_opt().unwrap(),
            "{start} {months}"
        );
    }
}

#[test]
fn violence_concentrates_on_weekend_nights() {
    let rows: Vec<SynthRow> = generate(&config(20_000, 2024))
        .filter(|r| r.crime_type == VIOLENCE)
        .collect();
    assert!(rows.len() > 6_000);
    let night = rows.iter().filter(|r| in_weekend_night(r.datetime)).count();
    let share = night as f64 / rows.len() as f64;
    // A flat week would give 16 / 168 = 9.5%.
    assert!(share > 0.20, "weekend-night share of violence {share:.3}");

    // Shoplifting is a daytime crime: mostly 08:00–19:59, rare at weekend nights.
    let shop: Vec<SynthRow> = generate(&config(20_000, 2024))
        .filter(|r| r.crime_type == "Shoplifting")
        .collect();
    let day = shop
        .iter()
        .filter(|r| (8..20).contains(&r.datetime.hour()))
        .count() as f64
        / shop.len() as f64;
    assert!(day > 0.85, "daytime share of shoplifting {day:.3}");
    let shop_night =
        shop.iter().filter(|r| in_weekend_night(r.datetime)).count() as f64 / shop.len() as f64;
    assert!(shop_night < 0.05, "{shop_night}");
}

#[test]
fn mix_and_flags_are_roughly_as_documented() {
    let n = 200_000u64;
    let mut by_type: HashMap<&str, (u64, u64, u64)> = HashMap::new(); // count, knife, domestic
    let mut under25 = 0u64;
    let mut leeds = 0u64;
    for r in generate(&config(n, 99)) {
        let e = by_type.entry(r.crime_type).or_default();
        e.0 += 1;
        e.1 += u64::from(r.knife);
        e.2 += u64::from(r.domestic);
        under25 += u64::from(r.victim_under_25);
        // within ~3 km of Leeds city centre
        let dx = (r.longitude + 1.5432) * 66_000.0;
        let dy = (r.latitude - 53.7966) * 111_195.0;
        if dx * dx + dy * dy < 3_000.0 * 3_000.0 {
            leeds += 1;
        }
    }
    let share = |t: &str| by_type.get(t).map_or(0, |e| e.0) as f64 / n as f64;
    let rate = |t: &str, f: fn(&(u64, u64, u64)) -> u64| {
        let e = by_type[t];
        f(&e) as f64 / e.0 as f64
    };
    assert!(by_type.keys().all(|t| CRIME_TYPES.contains(t)));
    assert_eq!(by_type.len(), 14, "every type occurs");
    assert!((share(VIOLENCE) - 0.38).abs() < 0.01);
    assert!((share("Public order") - 0.09).abs() < 0.005);
    assert!((share("Bicycle theft") - 0.005).abs() < 0.002);
    assert!((rate(VIOLENCE, |e| e.1) - 0.04).abs() < 0.005);
    assert!((rate("Possession of weapons", |e| e.1) - 0.60).abs() < 0.05);
    assert!((rate("Robbery", |e| e.1) - 0.30).abs() < 0.04);
    assert_eq!(rate("Shoplifting", |e| e.1), 0.0);
    assert!((rate(VIOLENCE, |e| e.2) - 0.30).abs() < 0.01);
    assert!((rate("Burglary", |e| e.2) - 0.05).abs() < 0.01);
    assert!((under25 as f64 / n as f64 - 0.25).abs() < 0.01);
    // Leeds is the heaviest centre: 85% × 30/95.5 ≈ 27% plus background.
    let leeds = leeds as f64 / n as f64;
    assert!((0.22..0.35).contains(&leeds), "{leeds}");
}

#[test]
fn csv_fields_are_well_formed_and_match_generate() {
    let c = SynthConfig {
        rows: 20_000,
        seed: 8,
        start: NaiveDate::from_ymd_opt(2023, 4, 1).unwrap(),
        months: 6,
    };
    let bytes = csv_bytes(&c);
    let mut rdr = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(rdr.headers().unwrap(), CSV_HEADER.as_slice());
    let mut offences = 0;
    let mut n = 0;
    for (rec, row) in rdr.records().zip(generate(&c)) {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), 10);
        n += 1;
        assert_eq!(&rec[0], format!("SYN-{n:010}"));
        assert_eq!(rec[0], row.id);
        assert_eq!(rec[1].len(), 16, "{}", &rec[1]);
        let dt = NaiveDateTime::parse_from_str(&rec[1], "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(dt, row.datetime);
        for (field, value) in [(&rec[2], row.longitude), (&rec[3], row.latitude)] {
            let (_, frac) = field.split_once('.').unwrap();
            assert_eq!(frac.len(), 6, "{field}");
            assert!((field.parse::<f64>().unwrap() - value).abs() <= 5.000_001e-7);
        }
        assert_eq!(&rec[4], row.crime_type);
        assert!(CRIME_TYPES.contains(&&rec[4]));
        assert_eq!(&rec[5], row.offence_code.unwrap_or(""));
        if !rec[5].is_empty() {
            offences += 1;
            assert_eq!(&rec[4], VIOLENCE);
            assert!(
                [
                    "Wounding",
                    "Assault with injury",
                    "Assault without injury",
                    "GBH without intent"
                ]
                .contains(&&rec[5])
            );
        }
        assert_eq!(&rec[6], row.knife.to_string());
        assert_eq!(&rec[7], row.domestic.to_string());
        assert_eq!(&rec[8], row.victim_under_25.to_string());
        assert_eq!(&rec[9], "");
    }
    assert_eq!(n, 20_000);
    assert!(offences > 5_000);
}

#[test]
fn writes_to_a_file() {
    let mut file = tempfile::tempfile().unwrap();
    let c = config(2_500, 77);
    assert_eq!(write_csv(&c, &mut file).unwrap(), 2_500);
    let mut read_back = Vec::new();
    use std::io::Seek;
    file.rewind().unwrap();
    file.read_to_end(&mut read_back).unwrap();
    assert_eq!(read_back, csv_bytes(&c));
}

struct FailingWriter;

impl Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::other("disk full"))
    }
}

#[test]
fn io_errors_are_reported() {
    let err = write_csv(&config(100_000, 0), FailingWriter).unwrap_err();
    assert!(matches!(err, SynthError::Csv(_) | SynthError::Io(_)));
    assert!(err.to_string().contains("disk full"), "{err}");
    // Tiny output only fails on the final flush.
    let err = write_csv(&config(1, 0), FailingWriter).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
}

/// Throughput check; run with
/// `cargo test --release -p hexspot-synth -- --ignored --nocapture`.
#[test]
#[ignore = "timing; meaningful only in release"]
fn one_million_rows_timing() {
    let c = config(1_000_000, 1);
    let mut sink = io::sink();
    let t = Instant::now();
    let n = write_csv(&c, &mut sink).unwrap();
    let csv_time = t.elapsed();
    let mut out = Vec::with_capacity(120 << 20);
    let t = Instant::now();
    write_csv(&c, &mut out).unwrap();
    let vec_time = t.elapsed();
    let file = tempfile::tempfile().unwrap();
    let t = Instant::now();
    write_csv(&c, file).unwrap();
    let file_time = t.elapsed();
    let t = Instant::now();
    let count = generate(&c).count();
    let gen_time = t.elapsed();
    println!(
        "1M rows: write_csv to sink {csv_time:?}, to Vec {vec_time:?} ({} MB), to file {file_time:?}, generate() {gen_time:?}",
        out.len() / 1_000_000
    );
    assert_eq!(n, 1_000_000);
    assert_eq!(count, 1_000_000);
}
