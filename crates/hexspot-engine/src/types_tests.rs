use super::*;

/// Days since 1970-01-01 and weekdays, from Python's `datetime.date.toordinal`.
const KNOWN_DAYS: [((i32, u32, u32), i32, Weekday); 9] = [
    ((1900, 1, 1), -25_567, Weekday::Mon),
    ((1900, 2, 28), -25_509, Weekday::Wed),
    // 1900 is not a leap year
    ((1900, 3, 1), -25_508, Weekday::Thu),
    ((1970, 1, 1), 0, Weekday::Thu),
    // 2000 is
    ((2000, 2, 29), 11_016, Weekday::Tue),
    ((2000, 3, 1), 11_017, Weekday::Wed),
    ((2024, 2, 29), 19_782, Weekday::Thu),
    ((2025, 2, 14), 20_133, Weekday::Fri),
    ((2200, 12, 31), 84_370, Weekday::Wed),
];

#[test]
fn day_indexes_and_weekdays_are_the_stored_ones() {
    for ((y, m, d), index, weekday) in KNOWN_DAYS {
        let day = Day::from_ymd(y, m, d).unwrap();
        assert_eq!(day.index(), index, "{y}-{m}-{d}");
        assert_eq!(day.ymd(), (y, m, d));
        assert_eq!(day.weekday(), weekday, "{y}-{m}-{d}");
        assert_eq!(Day::from_index(index), day);
    }
}

#[test]
fn every_supported_day_round_trips_in_order() {
    let first = Day::from_ymd(1900, 1, 1).unwrap().index();
    let last = Day::from_ymd(2200, 12, 31).unwrap().index();
    let mut prev: Option<Day> = None;
    for i in first..=last {
        let day = Day::from_index(i);
        let (y, m, d) = day.ymd();
        assert_eq!(Day::from_ymd(y, m, d).unwrap(), day);
        assert_eq!(day.to_string().parse::<Day>().unwrap(), day);
        assert_eq!(day.year_month(), YearMonth::new(y, m).unwrap());
        if let Some(p) = prev {
            assert_eq!(day.weekday().index(), (p.weekday().index() + 1) % 7);
            if d == 1 {
                assert_eq!(p.year_month().last_day(), p);
                assert_eq!(day.year_month().first_day(), day);
            }
        }
        prev = Some(day);
    }
}

#[test]
fn months_keep_their_stored_index_and_length() {
    let m = YearMonth::new(2025, 2).unwrap();
    assert_eq!(m.index(), 2025 * 12 + 1);
    assert_eq!(YearMonth::from_index(m.index()).unwrap(), m);
    for (y, mo, len) in [(1900, 2, 28), (2000, 2, 29), (2024, 2, 29), (2025, 2, 28)] {
        let m = YearMonth::new(y, mo).unwrap();
        assert_eq!(m.last_day().index() - m.first_day().index() + 1, len);
    }
    assert_eq!(
        YearMonth::new(2025, 12).unwrap().last_day().to_string(),
        "2025-12-31"
    );
}

#[test]
fn dates_that_do_not_exist_are_refused() {
    for (y, m, d) in [
        (2025, 2, 29),
        (1900, 2, 29),
        (2025, 4, 31),
        (2025, 1, 0),
        (2025, 13, 1),
        (2025, 1, 300),
        (1899, 12, 31),
        (2201, 1, 1),
    ] {
        assert!(Day::from_ymd(y, m, d).is_err(), "{y}-{m}-{d}");
    }
}

#[test]
fn indexes_beyond_the_calendar_are_clamped_to_its_ends() {
    assert_eq!(Day::from_index(Day::FIRST).ymd(), (-9999, 1, 1));
    assert_eq!(Day::from_index(Day::LAST).ymd(), (9999, 12, 31));
    assert_eq!(Day::from_index(i32::MIN).index(), Day::FIRST);
    assert_eq!(Day::from_index(i32::MAX).to_string(), "9999-12-31");
    // the weekday still follows the clamped day
    assert_eq!(Day::from_index(i32::MAX).weekday(), Weekday::Fri);
}
