//! Domain values that can be invalid, each made only through a checked constructor.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::error::ValueError;

/// The finest H3 resolution the engine stores for each incident; it only orders the
/// table's rows. A query's cells hold the point itself at the query's resolution
/// ([`crate::binning`]), never an ancestor of this cell.
pub const FINE_RESOLUTION: h3o::Resolution = h3o::Resolution::Fifteen;

/// An H3 resolution that hotspot queries may bin at: 5 to 12 inclusive.
///
/// ```
/// use hexspot_engine::Resolution;
/// assert_eq!(Resolution::try_from(9).unwrap().get(), 9);
/// assert!(Resolution::try_from(13).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resolution(h3o::Resolution);

impl Resolution {
    /// The coarsest resolution a query may use.
    pub const MIN: u8 = 5;
    /// The finest resolution a query may use.
    pub const MAX: u8 = 12;

    /// The resolution as a number.
    #[must_use]
    pub fn get(self) -> u8 {
        u8::from(self.0)
    }

    /// The resolution as h3o's type.
    #[must_use]
    pub fn h3(self) -> h3o::Resolution {
        self.0
    }

    /// Average area of one cell at this resolution, in square metres.
    #[must_use]
    pub fn average_cell_area_m2(self) -> f64 {
        self.0.area_m2()
    }
}

impl TryFrom<u8> for Resolution {
    type Error = ValueError;

    /// # Errors
    /// [`ValueError::Resolution`] outside 5..=12.
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        if !(Self::MIN..=Self::MAX).contains(&value) {
            return Err(ValueError::Resolution(value.into()));
        }
        h3o::Resolution::try_from(value)
            .map(Self)
            .map_err(|_| ValueError::Resolution(value.into()))
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// A calendar month, stored as months since year 0 (`year * 12 + month - 1`).
///
/// ```
/// use hexspot_engine::YearMonth;
/// let m: YearMonth = "2025-02".parse().unwrap();
/// assert_eq!((m.year(), m.month()), (2025, 2));
/// assert_eq!(m.to_string(), "2025-02");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth(i32);

impl YearMonth {
    /// # Errors
    /// [`ValueError::Month`] when `month` is not 1..=12 or the year is outside 1900..=2200.
    pub fn new(year: i32, month: u32) -> Result<Self, ValueError> {
        if !(1..=12).contains(&month) || !(1900..=2200).contains(&year) {
            return Err(ValueError::Month(format!("{year:04}-{month:02}")));
        }
        Ok(Self(year * 12 + month as i32 - 1))
    }

    /// The index used for storage: `year * 12 + month - 1`.
    #[must_use]
    pub fn index(self) -> i32 {
        self.0
    }

    /// Rebuilds a month from [`YearMonth::index`].
    ///
    /// # Errors
    /// [`ValueError::Month`] when the index is outside the supported years.
    pub fn from_index(index: i32) -> Result<Self, ValueError> {
        Self::new(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// The month, 1..=12.
    #[must_use]
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The first day of the month.
    #[must_use]
    pub fn first_day(self) -> Day {
        Day::from_date(self.date())
    }

    /// The last day of the month.
    #[must_use]
    pub fn last_day(self) -> Day {
        Day::from_date(self.date().last_of_month())
    }

    /// The first day of the month in jiff's calendar.
    fn date(self) -> Date {
        // a year outside i16 is only reachable through `Day::year_month` on a clamped
        // day, which stays within jiff's years
        let year = i16::try_from(self.year()).expect("months are within jiff's years");
        Date::new(year, self.month() as i8, 1).expect("the 1st exists in every month")
    }
}

impl FromStr for YearMonth {
    type Err = ValueError;

    /// Parses `YYYY-MM`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ValueError::Month(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        Self::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// A calendar day, as days since 1970-01-01 (proleptic Gregorian), within jiff's
/// calendar (years −9999..=9999).
///
/// ```
/// use hexspot_engine::{Day, Weekday};
/// let d = Day::from_ymd(2025, 2, 14).unwrap();
/// assert_eq!(d.weekday(), Weekday::Fri);
/// assert_eq!(d.to_string(), "2025-02-14");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

impl Day {
    /// 1970-01-01, day 0.
    const EPOCH: Date = Date::constant(1970, 1, 1);
    /// The index of jiff's first day, -9999-01-01.
    const FIRST: i32 = -4_371_587;
    /// The index of jiff's last day, 9999-12-31.
    const LAST: i32 = 2_932_896;

    /// # Errors
    /// [`ValueError::Date`] when the date does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Self, ValueError> {
        let bad = || ValueError::Date(format!("{year:04}-{month:02}-{day:02}"));
        let ym = YearMonth::new(year, month).map_err(|_| bad())?;
        let day = i8::try_from(day).map_err(|_| bad())?;
        let date = Date::new(ym.year() as i16, ym.month() as i8, day).map_err(|_| bad())?;
        Ok(Self::from_date(date))
    }

    /// Days since 1970-01-01.
    #[must_use]
    pub fn index(self) -> i32 {
        self.0
    }

    /// Rebuilds a day from [`Day::index`]. Indexes beyond the calendar's years
    /// −9999..=9999 (never written by hexspot, whose months are 1900..=2200) are
    /// clamped to its first or last day.
    #[must_use]
    pub fn from_index(index: i32) -> Self {
        Self(index.clamp(Self::FIRST, Self::LAST))
    }

    /// The day of the week.
    #[must_use]
    pub fn weekday(self) -> Weekday {
        let wd = jiff::civil::Weekday::Thursday.wrapping_add(self.0); // 1970-01-01
        Weekday::ALL[wd.to_monday_zero_offset() as usize]
    }

    /// `(year, month, day)`.
    #[must_use]
    pub fn ymd(self) -> (i32, u32, u32) {
        let d = self.date();
        (i32::from(d.year()), d.month() as u32, d.day() as u32)
    }

    /// The month this day falls in.
    #[must_use]
    pub fn year_month(self) -> YearMonth {
        let (y, m, _) = self.ymd();
        YearMonth(y * 12 + m as i32 - 1)
    }

    fn from_date(date: Date) -> Self {
        Self(date.duration_since(Self::EPOCH).as_hours().div_euclid(24) as i32)
    }

    fn date(self) -> Date {
        Self::EPOCH
            .checked_add(self.0.days())
            .expect("a day's index is within jiff's calendar")
    }
}

impl FromStr for Day {
    type Err = ValueError;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ValueError::Date(s.to_owned());
        let mut it = s.splitn(3, '-');
        let (y, m, d) = (
            it.next().ok_or_else(bad)?,
            it.next().ok_or_else(bad)?,
            it.next().ok_or_else(bad)?,
        );
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        Self::from_ymd(
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        )
        .map_err(|_| bad())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// A day of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday
    Mon,
    /// Tuesday
    Tue,
    /// Wednesday
    Wed,
    /// Thursday
    Thu,
    /// Friday
    Fri,
    /// Saturday
    Sat,
    /// Sunday
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// 0 for Monday … 6 for Sunday.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Three-letter lower-case name, as accepted by `--days`.
    #[must_use]
    pub fn short_name(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.index()]
    }
}

impl FromStr for Weekday {
    type Err = ValueError;

    /// `fri`, `Fri`, `friday`: any prefix of three letters or more of the English name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const NAMES: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let lower = s.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .position(|n| lower.len() >= 3 && n.starts_with(&lower))
            .map(|i| Self::ALL[i])
            .ok_or_else(|| ValueError::Weekday(s.to_owned()))
    }
}

/// A minute of the day, 0..1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinuteOfDay(u16);

impl MinuteOfDay {
    /// # Errors
    /// [`ValueError::Time`] when hour ≥ 24 or minute ≥ 60.
    pub fn new(hour: u32, minute: u32) -> Result<Self, ValueError> {
        if hour >= 24 || minute >= 60 {
            return Err(ValueError::Time(format!("{hour:02}:{minute:02}")));
        }
        Ok(Self((hour * 60 + minute) as u16))
    }

    /// Minutes since midnight.
    #[must_use]
    pub fn get(self) -> u16 {
        self.0
    }

    /// The hour, 0..24.
    #[must_use]
    pub fn hour(self) -> u32 {
        u32::from(self.0 / 60)
    }
}

/// A set of hours of the week (7 × 24 = 168 bits), Monday 00:00 first.
///
/// Built from days and an hour range; a range that crosses midnight belongs to the day
/// it starts on, so Fri–Sat 20–04 covers Fri 20:00–Sat 04:00 and Sat 20:00–Sun 04:00.
///
/// ```
/// use hexspot_engine::{WeeklyWindow, Weekday};
/// let w = WeeklyWindow::from_days_hours(&[Weekday::Fri, Weekday::Sat], 20, 4).unwrap();
/// assert!(w.contains(Weekday::Sat, 3));
/// assert!(w.contains(Weekday::Sun, 2));
/// assert!(!w.contains(Weekday::Fri, 3));
/// assert_eq!(w.hours(), 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklyWindow {
    mask: [u64; 3],
}

impl WeeklyWindow {
    fn empty() -> Self {
        Self { mask: [0; 3] }
    }

    /// Days × an hour range `[start, end)`. `end` may be less than `start` (the range
    /// crosses midnight into the next day, wrapping Sunday into Monday); `end` may be
    /// 24; `start == end` is rejected as ambiguous.
    ///
    /// # Errors
    /// [`ValueError::Hours`] for hours out of range or an empty range; [`ValueError::Days`]
    /// for no days.
    pub fn from_days_hours(days: &[Weekday], start: u32, end: u32) -> Result<Self, ValueError> {
        if start > 23 || end > 24 || start == end {
            return Err(ValueError::Hours(format!("{start}-{end}")));
        }
        if days.is_empty() {
            return Err(ValueError::Days("no days given".into()));
        }
        let mut w = Self::empty();
        for d in days {
            let base = d.index() * 24;
            let len = if end > start {
                end - start
            } else {
                24 - start + end
            };
            for h in 0..len as usize {
                w.set((base + start as usize + h) % 168);
            }
        }
        Ok(w)
    }

    fn set(&mut self, bit: usize) {
        self.mask[bit / 64] |= 1 << (bit % 64);
    }

    /// Whether `hour` (0..24) of `day` is in the window.
    #[must_use]
    pub fn contains(&self, day: Weekday, hour: u32) -> bool {
        hour < 24 && self.contains_hour_of_week(day.index() * 24 + hour as usize)
    }

    /// Whether hour-of-week `h` (0 = Monday 00:00 … 167 = Sunday 23:00) is in the window.
    #[must_use]
    #[inline]
    pub fn contains_hour_of_week(&self, h: usize) -> bool {
        h < 168 && self.mask[h / 64] & (1 << (h % 64)) != 0
    }

    /// Number of hours in the window.
    #[must_use]
    pub fn hours(&self) -> u32 {
        self.mask.iter().map(|m| m.count_ones()).sum()
    }
}

/// A three-valued incident flag (knife-enabled, domestic, victim under 25): sources such
/// as police.uk do not carry these, so "not recorded" is kept apart from "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flag {
    /// The source did not record it.
    #[default]
    Unknown,
    /// Recorded as no.
    No,
    /// Recorded as yes.
    Yes,
}

impl Flag {
    fn bits(self) -> u8 {
        match self {
            Flag::Unknown => 0,
            Flag::No => 1,
            Flag::Yes => 2,
        }
    }

    fn from_bits(b: u8) -> Self {
        match b & 3 {
            1 => Flag::No,
            2 => Flag::Yes,
            _ => Flag::Unknown,
        }
    }

    /// `Some(bool)` when recorded.
    #[must_use]
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Flag::Unknown => None,
            Flag::No => Some(false),
            Flag::Yes => Some(true),
        }
    }
}

impl From<Option<bool>> for Flag {
    fn from(v: Option<bool>) -> Self {
        match v {
            None => Flag::Unknown,
            Some(false) => Flag::No,
            Some(true) => Flag::Yes,
        }
    }
}

/// Which flag of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagKind {
    /// Knife or sharp instrument used or threatened.
    Knife,
    /// Domestic-abuse related.
    Domestic,
    /// Victim aged under 25.
    VictimUnder25,
}

impl FlagKind {
    /// All flags.
    pub const ALL: [FlagKind; 3] = [Self::Knife, Self::Domestic, Self::VictimUnder25];

    fn shift(self) -> u8 {
        match self {
            FlagKind::Knife => 0,
            FlagKind::Domestic => 2,
            FlagKind::VictimUnder25 => 4,
        }
    }

    /// The field name used in files and parameters.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FlagKind::Knife => "knife",
            FlagKind::Domestic => "domestic",
            FlagKind::VictimUnder25 => "victim_under_25",
        }
    }
}

/// The three flags of one incident packed into a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// Packs the three flags.
    #[must_use]
    pub fn new(knife: Flag, domestic: Flag, victim_under_25: Flag) -> Self {
        Self(knife.bits() | domestic.bits() << 2 | victim_under_25.bits() << 4)
    }

    /// One flag.
    #[must_use]
    pub fn get(self, kind: FlagKind) -> Flag {
        Flag::from_bits(self.0 >> kind.shift())
    }

    /// The packed byte (for storage).
    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Unpacks a stored byte; unknown bit patterns read as [`Flag::Unknown`].
    #[must_use]
    pub fn from_bits(bits: u8) -> Self {
        Self::new(
            Flag::from_bits(bits),
            Flag::from_bits(bits >> 2),
            Flag::from_bits(bits >> 4),
        )
    }
}

/// A WGS84 point, longitude and latitude in degrees, both finite and in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

impl LonLat {
    /// # Errors
    /// [`ValueError::Coordinates`] for non-finite or out-of-range values, and for (0, 0),
    /// which in police data means "not geocoded".
    pub fn new(lon: f64, lat: f64) -> Result<Self, ValueError> {
        let ok = lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat)
            && !(lon == 0.0 && lat == 0.0);
        if ok {
            Ok(Self { lon, lat })
        } else {
            Err(ValueError::Coordinates { lon, lat })
        }
    }

    /// Longitude in degrees.
    #[must_use]
    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Latitude in degrees.
    #[must_use]
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// The incident's cell at [`FINE_RESOLUTION`].
    #[must_use]
    pub fn fine_cell(self) -> h3o::CellIndex {
        h3o::LatLng::new(self.lat, self.lon)
            .expect("range checked in LonLat::new")
            .to_cell(FINE_RESOLUTION)
    }
}

/// A WGS84 bounding box: west, south, east, north in degrees (west < east; the
/// antimeridian is not crossed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl BBox {
    /// # Errors
    /// [`ValueError::BBox`] unless −180 ≤ west < east ≤ 180 and −90 ≤ south < north ≤ 90.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Result<Self, ValueError> {
        let all_finite = [west, south, east, north].iter().all(|v| v.is_finite());
        if !all_finite
            || !(-180.0..=180.0).contains(&west)
            || !(-180.0..=180.0).contains(&east)
            || !(-90.0..=90.0).contains(&south)
            || !(-90.0..=90.0).contains(&north)
            || west >= east
            || south >= north
        {
            return Err(ValueError::BBox(format!("{west},{south},{east},{north}")));
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    /// `[west, south, east, north]`.
    #[must_use]
    pub fn to_array(self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }

    /// Whether a point lies inside or on the edge.
    #[must_use]
    #[inline]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.west && lon <= self.east && lat >= self.south && lat <= self.north
    }
}

impl FromStr for BBox {
    type Err = ValueError;

    /// Parses `west,south,east,north`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| ValueError::BBox(s.to_owned()))?;
        match parts[..] {
            [w, so, e, n] => Self::new(w, so, e, n),
            _ => Err(ValueError::BBox(s.to_owned())),
        }
    }
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
