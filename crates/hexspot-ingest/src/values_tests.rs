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

/// `(day, minutes after midnight)` of a date-time that has both.
fn local(s: &str) -> (String, u16) {
    let w = parse_datetime(s).unwrap_or_else(|| panic!("{s} refused"));
    let day = w.day.unwrap();
    assert_eq!(w.month, day.year_month(), "{s}");
    (day.to_string(), w.time.unwrap().get())
}

/// Regression: `1900-01-01T00:30+01:00` is 1899-12-31T23:30Z, and the hand-written BST
/// rule looked for the last Sunday of March 1899 through `YearMonth`, which refuses
/// years before 1900, and panicked. By Europe/London's rules of that date (GMT) the
/// local time is 1899-12-31 23:30, a month the store does not hold: the value is refused.
#[test]
fn bug_offset_time_rolling_back_into_1899_panicked() {
    assert_eq!(parse_datetime("1900-01-01T00:30+01:00"), None);
    // an hour later it is 00:30 GMT on New Year's Day 1900 (no summer time until 1916)
    assert_eq!(local("1900-01-01T01:30+01:00"), ("1900-01-01".into(), 30));
    // and at the other end of the supported years
    assert_eq!(parse_datetime("2200-12-31T23:30-01:00"), None);
}

/// Expected local times from Python's `zoneinfo` on the system tz database, an
/// independent copy of the same rules.
#[test]
fn historic_uk_rules_come_from_the_tz_database() {
    for (utc, want_day, want_minute) in [
        // the first summer time, 21 May 1916, 02:00 GMT
        ("1916-05-21T01:59Z", "1916-05-21", 60 + 59),
        ("1916-05-21T02:00Z", "1916-05-21", 3 * 60),
        // British Double Summer Time (GMT+2) in the war, and BST through its winters
        ("1941-06-15T12:00Z", "1941-06-15", 14 * 60),
        ("1942-01-15T12:00Z", "1942-01-15", 13 * 60),
        ("1947-06-15T12:00Z", "1947-06-15", 14 * 60),
        // British Standard Time: GMT+1 all year from 1968 to 1971
        ("1969-12-25T12:00Z", "1969-12-25", 13 * 60),
        ("1970-01-01T00:00Z", "1970-01-01", 60),
        ("1971-12-25T12:00Z", "1971-12-25", 12 * 60),
    ] {
        assert_eq!(local(utc), (want_day.into(), want_minute), "{utc}");
    }
}

#[test]
fn local_times_are_kept_as_recorded_even_when_skipped_or_repeated() {
    // 01:30 on 30 March 2025 never showed on UK clocks; 01:30 on 26 October showed twice
    assert_eq!(local("2025-03-30T01:30"), ("2025-03-30".into(), 60 + 30));
    assert_eq!(local("2025-10-26 01:30"), ("2025-10-26".into(), 60 + 30));
    // an offset says which of the two 01:30s: both are 01:30 on the clock
    assert_eq!(
        local("2025-10-26T01:30+01:00"),
        ("2025-10-26".into(), 60 + 30)
    );
    assert_eq!(
        local("2025-10-26T01:30+00:00"),
        ("2025-10-26".into(), 60 + 30)
    );
    // half an hour before the second 01:30 is the first one
    assert_eq!(local("2025-10-26T00:30Z"), ("2025-10-26".into(), 60 + 30));
}

#[test]
fn offsets_that_are_not_hh_mm_are_refused() {
    for bad in [
        "2025-07-01T12:00+1:00",
        "2025-07-01T12:00+01:60",
        "2025-07-01T12:00+0100x",
        "2025-07-01T12:00+99:00",
    ] {
        assert_eq!(parse_datetime(bad), None, "{bad}");
    }
    assert_eq!(
        local("2025-07-01T12:00-0530"),
        ("2025-07-01".into(), 18 * 60 + 30)
    );
}
