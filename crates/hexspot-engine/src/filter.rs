//! Which incidents a query looks at: period, crime types, offences, flags, weekly time
//! window and bounding box.

use crate::error::QueryError;
use crate::table::{Dictionary, IncidentTable, NO_DAY, NO_OFFENCE, NO_TIME};
use crate::types::{BBox, Day, FlagKind, Flags, WeeklyWindow, YearMonth};

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: Day,
    to: Day,
}

impl Period {
    /// # Errors
    /// [`QueryError::Period`] when `from` is after `to`.
    pub fn new(from: Day, to: Day) -> Result<Self, QueryError> {
        if from > to {
            return Err(QueryError::Period {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(Self { from, to })
    }

    /// Whole months, `from` to `to` inclusive.
    ///
    /// # Errors
    /// [`QueryError::Period`] when `from` is after `to`.
    pub fn months(from: YearMonth, to: YearMonth) -> Result<Self, QueryError> {
        Self::new(from.first_day(), to.last_day())
    }

    /// First day.
    #[must_use]
    pub fn from(&self) -> Day {
        self.from
    }

    /// Last day.
    #[must_use]
    pub fn to(&self) -> Day {
        self.to
    }
}

/// What a query keeps. Empty lists and `None` keep everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Keep incidents on these days. A row known only by month is kept when its whole
    /// month lies inside the period, otherwise left out and counted.
    pub period: Option<Period>,
    /// Keep these crime types (case-insensitive, exact names).
    pub crime_types: Vec<String>,
    /// Keep these offences (case-insensitive, exact names or codes).
    pub offences: Vec<String>,
    /// Keep rows whose flag has this value; rows that do not record the flag are left
    /// out and counted.
    pub flags: Vec<(FlagKind, bool)>,
    /// Keep incidents whose hour of the week is in the window; rows with no time of day
    /// are left out and counted.
    pub window: Option<WeeklyWindow>,
    /// Keep incidents inside this box.
    pub bbox: Option<BBox>,
}

impl Filter {
    /// Checks that `table` can answer the filter — its crime types and offences are
    /// in the data — without running it (every query checks the same way).
    ///
    /// # Errors
    /// [`QueryError::UnknownCrimeType`] or [`QueryError::UnknownOffence`].
    pub fn check(&self, table: &IncidentTable) -> Result<(), QueryError> {
        CompiledFilter::new(self, table).map(|_| ())
    }
}

/// Rows a query left out because the data could not answer it (not because they failed
/// an ordinary filter). Each row is counted once, under the first reason that applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// A flag filter was set but the row does not record that flag.
    pub flag_not_recorded: usize,
    /// The row is known only by month and the period cuts through that month.
    pub month_only_partial_period: usize,
    /// A time window was set but the row has no time of day.
    pub no_time_of_day: usize,
    /// The row's cell is outside the study region.
    pub outside_region: usize,
}

fn mask_for(
    dict: &Dictionary,
    wanted: &[String],
    unknown: fn(String, String) -> QueryError,
) -> Result<Option<Vec<bool>>, QueryError> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut mask = vec![false; dict.len()];
    for w in wanted {
        // every spelling that matches (files may differ in case)
        let mut found = false;
        for (i, n) in dict.names().iter().enumerate() {
            if n.eq_ignore_ascii_case(w.trim()) {
                mask[i] = true;
                found = true;
            }
        }
        match found {
            true => {}
            false => {
                let mut known: Vec<&str> = dict.names().iter().map(String::as_str).collect();
                known.sort_unstable();
                let known = if known.is_empty() {
                    "(none)".into()
                } else {
                    known.join(", ")
                };
                return Err(unknown(w.clone(), known));
            }
        }
    }
    Ok(Some(mask))
}

/// A filter checked against one table's dictionaries, ready to test rows.
#[derive(Debug)]
pub(crate) struct CompiledFilter<'f> {
    filter: &'f Filter,
    crime_mask: Option<Vec<bool>>,
    offence_mask: Option<Vec<bool>>,
    /// The period's months, for rows known only by month: those it touches, and those
    /// it holds whole (the first may exceed the last), as month indices.
    months: Option<MonthBounds>,
}

#[derive(Debug, Clone, Copy)]
struct MonthBounds {
    touched: (i32, i32),
    whole: (i32, i32),
}

impl MonthBounds {
    fn new(p: &Period) -> Self {
        let (first, last) = (p.from().year_month(), p.to().year_month());
        let lo = first.index() + i32::from(first.first_day() != p.from());
        let hi = last.index() - i32::from(last.last_day() != p.to());
        Self {
            touched: (first.index(), last.index()),
            whole: (lo, hi),
        }
    }
}

/// Outcome of testing one row.
pub(crate) enum Verdict {
    Keep,
    Drop,
    Excluded(fn(&mut Exclusions)),
}

impl<'f> CompiledFilter<'f> {
    pub(crate) fn new(filter: &'f Filter, table: &IncidentTable) -> Result<Self, QueryError> {
        Ok(Self {
            filter,
            crime_mask: mask_for(table.crime_types(), &filter.crime_types, |name, known| {
                QueryError::UnknownCrimeType { name, known }
            })?,
            offence_mask: mask_for(table.offences(), &filter.offences, |name, known| {
                QueryError::UnknownOffence { name, known }
            })?,
            months: filter.period.as_ref().map(MonthBounds::new),
        })
    }

    /// Whether every row is kept (no conditions at all).
    pub(crate) fn is_trivial(&self) -> bool {
        let f = self.filter;
        self.crime_mask.is_none()
            && self.offence_mask.is_none()
            && f.bbox.is_none()
            && f.flags.is_empty()
            && f.period.is_none()
            && f.window.is_none()
    }

    #[inline]
    pub(crate) fn test(&self, t: &IncidentTable, i: usize) -> Verdict {
        let f = self.filter;
        if let Some(m) = &self.crime_mask
            && !m[t.crime_type[i] as usize]
        {
            return Verdict::Drop;
        }
        if let Some(m) = &self.offence_mask {
            let o = t.offence[i];
            if o == NO_OFFENCE || !m[o as usize] {
                return Verdict::Drop;
            }
        }
        if let Some(b) = &f.bbox
            && !b.contains(t.lon[i], t.lat[i])
        {
            return Verdict::Drop;
        }
        let mut missing: Option<fn(&mut Exclusions)> = None;
        if !f.flags.is_empty() {
            let flags = Flags::from_bits(t.flags[i]);
            for &(kind, want) in &f.flags {
                match flags.get(kind).as_bool() {
                    Some(v) if v != want => return Verdict::Drop,
                    Some(_) => {}
                    None => {
                        missing.get_or_insert(|e| e.flag_not_recorded += 1);
                    }
                }
            }
        }
        let day = t.day[i];
        if let Some(p) = &f.period {
            if day == NO_DAY {
                let b = self.months.expect("compiled with the period");
                let m = t.month[i];
                if m < b.touched.0 || m > b.touched.1 {
                    return Verdict::Drop;
                }
                if m < b.whole.0 || m > b.whole.1 {
                    missing.get_or_insert(|e| e.month_only_partial_period += 1);
                }
            } else if day < p.from().index() || day > p.to().index() {
                return Verdict::Drop;
            }
        }
        if let Some(w) = &f.window {
            let minute = t.minute[i];
            if day == NO_DAY || minute == NO_TIME {
                missing.get_or_insert(|e| e.no_time_of_day += 1);
            } else {
                let wd = Day::from_index(day).weekday();
                let how = wd.index() * 24 + usize::from(minute / 60);
                if !w.contains_hour_of_week(how) {
                    return Verdict::Drop;
                }
            }
        }
        match missing {
            Some(reason) => Verdict::Excluded(reason),
            None => Verdict::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(from: (i32, u32, u32), to: (i32, u32, u32)) -> ((i32, i32), (i32, i32)) {
        let d = |(y, m, d)| Day::from_ymd(y, m, d).unwrap();
        let b = MonthBounds::new(&Period::new(d(from), d(to)).unwrap());
        (b.touched, b.whole)
    }

    fn month(y: i32, m: u32) -> i32 {
        YearMonth::new(y, m).unwrap().index()
    }

    /// A month-only row's verdict comes from month indices worked out once: the months
    /// a period touches, and those it holds whole.
    #[test]
    fn a_period_touches_and_holds_the_right_months() {
        // whole months
        assert_eq!(
            bounds((2024, 1, 1), (2024, 3, 31)),
            (
                (month(2024, 1), month(2024, 3)),
                (month(2024, 1), month(2024, 3))
            )
        );
        // cut at both ends (February 2024 has 29 days)
        assert_eq!(
            bounds((2024, 1, 15), (2024, 2, 28)),
            (
                (month(2024, 1), month(2024, 2)),
                (month(2024, 2), month(2024, 1))
            )
        );
        assert_eq!(
            bounds((2023, 12, 2), (2024, 2, 29)),
            (
                (month(2023, 12), month(2024, 2)),
                (month(2024, 1), month(2024, 2))
            )
        );
        // inside one month: touched, none whole
        let (t, w) = bounds((2024, 5, 3), (2024, 5, 20));
        assert_eq!(t, (month(2024, 5), month(2024, 5)));
        assert!(w.0 > w.1);
    }
}
