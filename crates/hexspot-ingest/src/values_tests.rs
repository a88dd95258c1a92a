use super::*;

#[test]
fn months_in_every_spelling_seen() {
    for (s, want) in [
        ("2025-02", "2025-02"),
        ("Feb-25", "2025-02"),
        ("feb-2025", "2025-02"),
        ("February 2025", "2025-02"),
        ("02/2025", "2025-02"),
        ("2025/02", "2025-02"),
        (" 2018-10 ", "2018-10"),
    ] {
        assert_eq!(
            parse_month(s).map(|m| m.to_string()).as_deref(),
            Some(want),
            "{s}"
        );
    }
    for bad in ["", "2025", "2025-13", "Foo-25", "25-Feb-2025x", "2025-2-1"] {
        assert!(parse_month(bad).is_none(), "{bad}");
    }
}

#[test]
fn datetimes_iso_and_uk() {
    let w = parse_datetime("2025-02-14T21:37").unwrap();
    assert_eq!(
        (w.day.unwrap().to_string(), w.time.unwrap().get()),
        ("2025-02-14".into(), 21 * 60 + 37)
    );
    let w = parse_datetime("14/02/2025 21:37:59").unwrap();
    assert_eq!(w.time.unwrap().get(), 21 * 60 + 37);
    let w = parse_datetime("2025-02-14").unwrap();
    assert_eq!(w.time, None);
    assert!(parse_datetime("2025-02-30T10:00").is_none());
    assert!(parse_datetime("2025-02-14T25:00").is_none());
    assert!(parse_datetime("yesterday").is_none());
}

#[test]
fn utc_times_become_uk_local_time() {
    // winter: GMT = UTC
    let w = parse_datetime("2025-01-10T23:30Z").unwrap();
    assert_eq!(
        (w.day.unwrap().to_string(), w.time.unwrap().get()),
        ("2025-01-10".into(), 23 * 60 + 30)
    );
    // summer: BST = UTC+1, crossing midnight into the next day and month
    let w = parse_datetime("2025-07-31T23:30:00Z").unwrap();
    assert_eq!(
        (w.day.unwrap().to_string(), w.time.unwrap().get()),
        ("2025-08-01".into(), 30)
    );
    assert_eq!(w.month.to_string(), "2025-08");
    // BST 2025 began 30 March 01:00 UTC and ended 26 October 01:00 UTC
    assert_eq!(
        parse_datetime("2025-03-30T00:59Z")
            .unwrap()
            .time
            .unwrap()
            .get(),
        59
    );
    assert_eq!(
        parse_datetime("2025-03-30T01:00Z")
            .unwrap()
            .time
            .unwrap()
            .get(),
        120
    );
    assert_eq!(
        parse_datetime("2025-10-26T00:59Z")
            .unwrap()
            .time
            .unwrap()
            .get(),
        60 + 59
    );
    assert_eq!(
        parse_datetime("2025-10-26T01:00Z")
            .unwrap()
            .time
            .unwrap()
            .get(),
        60
    );
    // an explicit offset
    assert_eq!(
        parse_datetime("2025-07-01T12:00+02:00")
            .unwrap()
            .time
            .unwrap()
            .get(),
        11 * 60
    );
}

#[test]
fn flags() {
    assert_eq!(parse_flag("Y"), Ok(Some(true)));
    assert_eq!(parse_flag("false"), Ok(Some(false)));
    assert_eq!(parse_flag(" "), Ok(None));
    assert_eq!(parse_flag("maybe"), Err("maybe".into()));
}
