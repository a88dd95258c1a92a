//! Parsers for the values found in police and force files.

use hexspot_engine::{Day, MinuteOfDay, YearMonth};

/// When an incident happened, as precisely as the source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Always known.
    pub month: YearMonth,
    /// Known for force extracts, not for police.uk.
    pub day: Option<Day>,
    /// Known where the source gives a time of day.
    pub time: Option<MinuteOfDay>,
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `Feb`, `feb`, `February` → 2.
fn month_name(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    MONTH_NAMES
        .iter()
        .position(|m| m.starts_with(&l))
        .map(|i| i as u32 + 1)
}

fn year(s: &str) -> Option<i32> {
    match s.len() {
        4 => s.parse().ok(),
        // a spreadsheet's two-digit year: 00–99 → 2000–2099
        2 => s.parse::<i32>().ok().map(|y| 2000 + y),
        _ => None,
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a month: `2025-02` (police.uk), `Feb-25` / `Feb-2025` / `February 2025` (as a
/// spreadsheet rewrites it), `02/2025` or `2025/02`.
///
/// ```
/// use hexspot_ingest::values::parse_month;
/// assert_eq!(parse_month("Feb-25").unwrap().to_string(), "2025-02");
/// assert_eq!(parse_month("2018-10").unwrap().to_string(), "2018-10");
/// assert!(parse_month("13-2025").is_none());
/// ```
#[must_use]
pub fn parse_month(s: &str) -> Option<YearMonth> {
    let s = s.trim();
    let (a, b) = s
        .split_once('-')
        .or_else(|| s.split_once('/'))
        .or_else(|| s.split_once(' '))?;
    let (a, b) = (a.trim(), b.trim());
    let (y, m) = if digits(a) && digits(b) {
        if a.len() == 4 && b.len() <= 2 {
            (a.parse().ok()?, b.parse().ok()?)
        } else if b.len() == 4 && a.len() <= 2 {
            (b.parse().ok()?, a.parse().ok()?)
        } else {
            return None;
        }
    } else if digits(b) {
        (year(b)?, month_name(a)?)
    } else if digits(a) {
        (year(a)?, month_name(b)?)
    } else {
        return None;
    };
    YearMonth::new(y, m).ok()
}

/// Parses a date: `2025-02-14` or `14/02/2025` (UK order).
#[must_use]
pub fn parse_date(s: &str) -> Option<Day> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Day>() {
        return Some(d);
    }
    let mut it = s.split('/');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || !digits(d) || !digits(m) || y.len() != 4 || d.len() > 2 || m.len() > 2
    {
        return None;
    }
    Day::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// Parses a time of day: `21:37`, `21:37:05`, `21:37:05.123` or `2137`.
#[must_use]
pub fn parse_time(s: &str) -> Option<MinuteOfDay> {
    let s = s.trim();
    let (h, m) = if let Some((h, rest)) = s.split_once(':') {
        let m = rest.split(':').next()?;
        (h, m)
    } else if s.len() == 4 && digits(s) {
        (&s[..2], &s[2..])
    } else {
        return None;
    };
    if !digits(h) || !digits(m) || h.len() > 2 || m.len() != 2 {
        return None;
    }
    MinuteOfDay::new(h.parse().ok()?, m.parse().ok()?).ok()
}

/// Parses a date-time: ISO 8601 (`2025-02-14T21:37`, with optional seconds, a space
/// instead of `T`, and an optional `Z` or `±hh:mm` offset) or UK `14/02/2025 21:37`.
/// A date alone is accepted too (no time of day).
///
/// Times without an offset are the local wall-clock time, as police systems record them.
/// Times with `Z` or an offset are converted to UK local time (GMT, or BST from 01:00 UTC
/// on the last Sunday of March to 01:00 UTC on the last Sunday of October).
#[must_use]
pub fn parse_datetime(s: &str) -> Option<When> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let day = parse_date(date)?;
    let Some(time) = time.filter(|t| !t.is_empty()) else {
        return Some(When {
            month: day.year_month(),
            day: Some(day),
            time: None,
        });
    };
    // split off a zone designator
    let (clock, offset_min) = if let Some(c) = time.strip_suffix('Z') {
        (c, Some(0))
    } else if let Some(i) = time.rfind(['+', '-']).filter(|&i| i >= 4) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off[1..].replace(':', "");
        if off.len() != 4 || !digits(&off) {
            return None;
        }
        let mins = off[..2].parse::<i32>().ok()? * 60 + off[2..].parse::<i32>().ok()?;
        (c, Some(sign * mins))
    } else {
        (time, None)
    };
    let t = parse_time(clock)?;
    let (day, t) = match offset_min {
        None => (day, t),
        Some(off) => {
            let utc = i64::from(day.index()) * 1440 + i64::from(t.get()) - i64::from(off);
            uk_local_from_utc_minutes(utc)
        }
    };
    Some(When {
        month: day.year_month(),
        day: Some(day),
        time: Some(t),
    })
}

fn last_sunday(year: i32, month: u32) -> Day {
    let last = YearMonth::new(year, month).expect("valid month").last_day();
    // Monday = 0 … Sunday = 6, so a day with index d is (d + 1) % 7 days after Sunday
    Day::from_index(last.index() - (last.weekday().index() as i32 + 1) % 7)
}

/// UK local day and time for minutes since 1970-01-01T00:00Z.
fn uk_local_from_utc_minutes(utc: i64) -> (Day, MinuteOfDay) {
    let day = Day::from_index(utc.div_euclid(1440) as i32);
    let (y, _, _) = day.ymd();
    let start = i64::from(last_sunday(y, 3).index()) * 1440 + 60;
    let end = i64::from(last_sunday(y, 10).index()) * 1440 + 60;
    let local = if (start..end).contains(&utc) {
        utc + 60
    } else {
        utc
    };
    let d = Day::from_index(local.div_euclid(1440) as i32);
    let m = local.rem_euclid(1440) as u32;
    (
        d,
        MinuteOfDay::new(m / 60, m % 60).expect("minute of day in range"),
    )
}

/// Parses a yes/no flag; empty means not recorded (`Ok(None)`).
///
/// # Errors
/// The trimmed text when it is not one of yes/no, y/n, true/false, t/f, 1/0.
pub fn parse_flag(s: &str) -> Result<Option<bool>, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "y" | "yes" | "true" | "t" | "1" => Ok(Some(true)),
        "n" | "no" | "false" | "f" | "0" => Ok(Some(false)),
        other => Err(other.to_owned()),
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
