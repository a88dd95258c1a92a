//! Parsers for the values found in police and force files.

use std::sync::LazyLock;

use hexspot_engine::{Day, MinuteOfDay, YearMonth};
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};

/// Europe/London from the tz database bundled with jiff, never the machine's own: the
/// same file gives the same rows on every machine.
static UK: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZoneDatabase::bundled()
        .get("Europe/London")
        .expect("jiff's bundled tz database holds Europe/London")
});

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
/// `s` without surrounding whitespace, as [`str::trim`], looking no further when both
/// ends are visible ASCII (nearly every field of a real file).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (b'!'..=b'~').contains(&a) && (b'!'..=b'~').contains(&b) => s,
        _ => s.trim(),
    }
}

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
    let s = trim(s);
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
    let s = trim(s);
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
    let s = trim(s);
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
/// Times without an offset are the local wall-clock time, as police systems record them,
/// kept as they are (even one that the clocks skipped or showed twice). Times with `Z` or
/// an offset are converted to UK local time by Europe/London's rules at that instant, from
/// the IANA tz database bundled with jiff: GMT, BST, and the historic rules too (British
/// Standard Time all year 1968–71, double summer time in the 1940s). `None` when the
/// local day falls outside the supported years (1900–2200) or the offset is not `hh:mm`.
///
/// ```
/// use hexspot_ingest::values::parse_datetime;
/// // 01:00 UTC on 30 March 2025 is 02:00 BST
/// let w = parse_datetime("2025-03-30T01:00Z").unwrap();
/// assert_eq!(w.time.unwrap().get(), 2 * 60);
/// ```
#[must_use]
pub fn parse_datetime(s: &str) -> Option<When> {
    let s = trim(s);
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
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, Some(Offset::UTC))
    } else if let Some(i) = time.rfind(['+', '-']).filter(|&i| i >= 4) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off[1..].replace(':', "");
        if off.len() != 4 || !digits(&off) {
            return None;
        }
        let (h, m) = (off[..2].parse::<i32>().ok()?, off[2..].parse::<i32>().ok()?);
        if m >= 60 {
            return None;
        }
        (
            c,
            Some(Offset::from_seconds(sign * (h * 60 + m) * 60).ok()?),
        )
    } else {
        (time, None)
    };
    let t = parse_time(clock)?;
    let (day, t) = match offset {
        None => (day, t),
        Some(offset) => uk_local(day, t, offset)?,
    };
    Some(When {
        month: day.year_month(),
        day: Some(day),
        time: Some(t),
    })
}

/// The UK local day and time of the instant shown as `day` `clock` at UTC `offset`;
/// `None` when that local day is outside the supported years.
fn uk_local(day: Day, clock: MinuteOfDay, offset: Offset) -> Option<(Day, MinuteOfDay)> {
    let (y, m, d) = day.ymd();
    let shown = DateTime::new(
        i16::try_from(y).ok()?,
        m as i8,
        d as i8,
        clock.hour() as i8,
        (clock.get() % 60) as i8,
        0,
        0,
    )
    .ok()?;
    let local = UK.to_datetime(offset.to_timestamp(shown).ok()?);
    let day = Day::from_ymd(
        local.year().into(),
        local.month() as u32,
        local.day() as u32,
    )
    .ok()?;
    let time = MinuteOfDay::new(local.hour() as u32, local.minute() as u32).ok()?;
    Some((day, time))
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
