//! The queries' checked numbers: the k-ring size [`K`], the FDR level [`Alpha`], the
//! space-time cube's [`SliceMonths`] and [`TimeLag`], the kernel [`Bandwidth`], and a
//! backtest's [`WindowMonths`] and [`Folds`]. Each is only made through a checked
//! constructor, so a [`HotspotQuery`] holding one needs no further check.
//!
//! A leaf module: it imports nothing else of the engine.
//!
//! [`HotspotQuery`]: crate::HotspotQuery

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The largest k accepted (a k-ring of 10 is 331 cells).
pub const MAX_K: u32 = 10;

/// The k-ring size of a hotspot query: the neighbourhood of a cell is every cell within
/// grid distance k of it, the cell itself included. 1 to [`MAX_K`].
///
/// ```
/// use hexspot_engine::K;
/// let k: K = "2".parse().unwrap();
/// assert_eq!(k.get(), 2);
/// assert_eq!(K::default().get(), 1);
/// assert!(K::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct K(u32);

/// A k-ring size that cannot be used. The message reads after the parameter's name
/// (`k: must be between 1 and 10, got 0`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KError {
    /// Outside 1 to [`MAX_K`].
    #[error("must be between 1 and {MAX_K}, got {0}")]
    OutOfRange(u32),
    /// Not a whole number.
    #[error("must be a whole number between 1 and {MAX_K}, got {0:?}")]
    NotANumber(String),
}

impl K {
    /// A k-ring size, checked.
    ///
    /// # Errors
    /// [`KError::OutOfRange`] when `k` is 0 or above [`MAX_K`].
    pub const fn new(k: u32) -> Result<Self, KError> {
        if k == 0 || k > MAX_K {
            Err(KError::OutOfRange(k))
        } else {
            Ok(Self(k))
        }
    }

    /// The size, 1 to [`MAX_K`].
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for K {
    /// 1: the cell and its six neighbours.
    fn default() -> Self {
        Self(1)
    }
}

impl TryFrom<u32> for K {
    type Error = KError;

    fn try_from(k: u32) -> Result<Self, KError> {
        Self::new(k)
    }
}

impl FromStr for K {
    type Err = KError;

    fn from_str(s: &str) -> Result<Self, KError> {
        let k: u32 = s
            .trim()
            .parse()
            .map_err(|_| KError::NotANumber(s.to_owned()))?;
        Self::new(k)
    }
}

impl fmt::Display for K {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The false discovery rate for Benjamini–Hochberg: a number strictly between 0 and 1.
///
/// ```
/// use hexspot_engine::Alpha;
/// let a: Alpha = "0.01".parse().unwrap();
/// assert_eq!(a.get(), 0.01);
/// assert_eq!(Alpha::default().get(), 0.05);
/// assert!(Alpha::new(1.0).is_err());
/// assert!(Alpha::new(f64::NAN).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Alpha(f64);

/// A number as a message shows it: as written for ordinary sizes (`2`, `0.5`), in
/// exponent form for huge or tiny ones (`1e308`, not 309 digits).
///
/// ```
/// use hexspot_engine::short_number;
/// assert_eq!(short_number(2.0), "2");
/// assert_eq!(short_number(1e308), "1e308");
/// assert_eq!(short_number(-1.5e-9), "-1.5e-9");
/// ```
#[must_use]
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-4..1e15).contains(&a) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

/// An FDR level that cannot be used. The message reads after the parameter's name
/// (`alpha: must be between 0 and 1 (exclusive), got 2`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AlphaError {
    /// Not strictly between 0 and 1 (NaN included).
    #[error("must be between 0 and 1 (exclusive), got {}", short_number(*.0))]
    OutOfRange(f64),
    /// Not a number.
    #[error("must be a number between 0 and 1 (exclusive), got {0:?}")]
    NotANumber(String),
}

impl Alpha {
    /// An FDR level, checked.
    ///
    /// # Errors
    /// [`AlphaError::OutOfRange`] unless `0 < alpha < 1`.
    pub fn new(alpha: f64) -> Result<Self, AlphaError> {
        if alpha > 0.0 && alpha < 1.0 {
            Ok(Self(alpha))
        } else {
            Err(AlphaError::OutOfRange(alpha))
        }
    }

    /// The level, strictly between 0 and 1.
    #[must_use]
    pub const fn get(self) -> f64 {
        self.0
    }
}

impl Default for Alpha {
    /// 0.05.
    fn default() -> Self {
        Self(0.05)
    }
}

impl TryFrom<f64> for Alpha {
    type Error = AlphaError;

    fn try_from(alpha: f64) -> Result<Self, AlphaError> {
        Self::new(alpha)
    }
}

impl FromStr for Alpha {
    type Err = AlphaError;

    fn from_str(s: &str) -> Result<Self, AlphaError> {
        let a: f64 = s
            .trim()
            .parse()
            .map_err(|_| AlphaError::NotANumber(s.to_owned()))?;
        Self::new(a)
    }
}

impl fmt::Display for Alpha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The longest slice of a space-time cube, in months.
pub const MAX_SLICE_MONTHS: u32 = 12;

/// The length of a space-time cube's slices in whole months, 1 to [`MAX_SLICE_MONTHS`].
///
/// ```
/// use hexspot_engine::SliceMonths;
/// assert_eq!(SliceMonths::default().get(), 1);
/// assert_eq!("3".parse::<SliceMonths>().unwrap().get(), 3);
/// assert!(SliceMonths::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SliceMonths(u32);

/// A slice length that cannot be used (`slice_months: must be …`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SliceMonthsError {
    /// Outside 1 to [`MAX_SLICE_MONTHS`].
    #[error("must be between 1 and {MAX_SLICE_MONTHS} months, got {0}")]
    OutOfRange(u32),
    /// Not a whole number.
    #[error("must be a whole number of months between 1 and {MAX_SLICE_MONTHS}, got {0:?}")]
    NotANumber(String),
}

impl SliceMonths {
    /// A slice length, checked.
    ///
    /// # Errors
    /// [`SliceMonthsError::OutOfRange`] when `months` is 0 or above [`MAX_SLICE_MONTHS`].
    pub const fn new(months: u32) -> Result<Self, SliceMonthsError> {
        if months == 0 || months > MAX_SLICE_MONTHS {
            Err(SliceMonthsError::OutOfRange(months))
        } else {
            Ok(Self(months))
        }
    }

    /// The length in months.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for SliceMonths {
    /// One month.
    fn default() -> Self {
        Self(1)
    }
}

impl FromStr for SliceMonths {
    type Err = SliceMonthsError;

    fn from_str(s: &str) -> Result<Self, SliceMonthsError> {
        let m: u32 = s
            .trim()
            .parse()
            .map_err(|_| SliceMonthsError::NotANumber(s.to_owned()))?;
        Self::new(m)
    }
}

impl fmt::Display for SliceMonths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The largest time lag of space-time Gi*, in slices.
pub const MAX_TIME_LAG: u32 = 12;

/// The time lag L of space-time Gi*: a bin's neighbours are in its own slice and the L
/// slices before it. 0 to [`MAX_TIME_LAG`].
///
/// ```
/// use hexspot_engine::TimeLag;
/// assert_eq!(TimeLag::default().get(), 1);
/// assert_eq!(TimeLag::new(0).unwrap().get(), 0);
/// assert!(TimeLag::new(13).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeLag(u32);

/// A time lag that cannot be used (`time_lag: must be …`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeLagError {
    /// Above [`MAX_TIME_LAG`].
    #[error("must be between 0 and {MAX_TIME_LAG} slices, got {0}")]
    OutOfRange(u32),
}

impl TimeLag {
    /// A time lag, checked.
    ///
    /// # Errors
    /// [`TimeLagError::OutOfRange`] above [`MAX_TIME_LAG`].
    pub const fn new(lag: u32) -> Result<Self, TimeLagError> {
        if lag > MAX_TIME_LAG {
            Err(TimeLagError::OutOfRange(lag))
        } else {
            Ok(Self(lag))
        }
    }

    /// The lag in slices.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for TimeLag {
    /// One slice.
    fn default() -> Self {
        Self(1)
    }
}

impl fmt::Display for TimeLag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The largest kernel density bandwidth, in metres.
pub const MAX_BANDWIDTH_M: f64 = 20_000.0;

/// A kernel density bandwidth h in metres: finite, above 0 and at most
/// [`MAX_BANDWIDTH_M`].
///
/// ```
/// use hexspot_engine::Bandwidth;
/// assert_eq!(Bandwidth::new(400.0).unwrap().metres(), 400.0);
/// assert!(Bandwidth::new(0.0).is_err());
/// assert!(Bandwidth::new(f64::NAN).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Bandwidth(f64);

/// A bandwidth that cannot be used (`bandwidth_m: must be …`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BandwidthError {
    /// Not in (0, [`MAX_BANDWIDTH_M`]] (NaN included).
    #[error("must be more than 0 and at most {MAX_BANDWIDTH_M} metres, got {}", short_number(*.0))]
    OutOfRange(f64),
}

impl Bandwidth {
    /// A bandwidth, checked.
    ///
    /// # Errors
    /// [`BandwidthError::OutOfRange`] unless `0 < metres ≤ MAX_BANDWIDTH_M`.
    pub fn new(metres: f64) -> Result<Self, BandwidthError> {
        if metres > 0.0 && metres <= MAX_BANDWIDTH_M {
            Ok(Self(metres))
        } else {
            Err(BandwidthError::OutOfRange(metres))
        }
    }

    /// The bandwidth in metres.
    #[must_use]
    pub const fn metres(self) -> f64 {
        self.0
    }
}

/// The longest training or test window of a backtest, in months.
pub const MAX_WINDOW_MONTHS: u32 = 120;

/// The length of a backtest's training or test window in whole months, 1 to
/// [`MAX_WINDOW_MONTHS`].
///
/// ```
/// use hexspot_engine::WindowMonths;
/// assert_eq!("12".parse::<WindowMonths>().unwrap().get(), 12);
/// assert!(WindowMonths::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WindowMonths(u32);

/// A window length that cannot be used (`train_months: must be …`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WindowMonthsError {
    /// Outside 1 to [`MAX_WINDOW_MONTHS`].
    #[error("must be between 1 and {MAX_WINDOW_MONTHS} months, got {0}")]
    OutOfRange(u32),
    /// Not a whole number.
    #[error("must be a whole number of months between 1 and {MAX_WINDOW_MONTHS}, got {0:?}")]
    NotANumber(String),
}

impl WindowMonths {
    /// A window length, checked.
    ///
    /// # Errors
    /// [`WindowMonthsError::OutOfRange`] when `months` is 0 or above
    /// [`MAX_WINDOW_MONTHS`].
    pub const fn new(months: u32) -> Result<Self, WindowMonthsError> {
        if months == 0 || months > MAX_WINDOW_MONTHS {
            Err(WindowMonthsError::OutOfRange(months))
        } else {
            Ok(Self(months))
        }
    }

    /// The length in months.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl FromStr for WindowMonths {
    type Err = WindowMonthsError;

    fn from_str(s: &str) -> Result<Self, WindowMonthsError> {
        let m: u32 = s
            .trim()
            .parse()
            .map_err(|_| WindowMonthsError::NotANumber(s.to_owned()))?;
        Self::new(m)
    }
}

impl fmt::Display for WindowMonths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The most folds a backtest runs.
pub const MAX_FOLDS: u32 = 60;

/// The number of rolling-origin folds of a backtest, 1 to [`MAX_FOLDS`].
///
/// ```
/// use hexspot_engine::Folds;
/// assert_eq!(Folds::new(6).unwrap().get(), 6);
/// assert!(Folds::new(0).is_err());
/// assert!(Folds::new(61).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Folds(u32);

/// A number of folds that cannot be used (`folds: must be …`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FoldsError {
    /// Outside 1 to [`MAX_FOLDS`].
    #[error("must be between 1 and {MAX_FOLDS}, got {0}")]
    OutOfRange(u32),
}

impl Folds {
    /// A number of folds, checked.
    ///
    /// # Errors
    /// [`FoldsError::OutOfRange`] when `folds` is 0 or above [`MAX_FOLDS`].
    pub const fn new(folds: u32) -> Result<Self, FoldsError> {
        if folds == 0 || folds > MAX_FOLDS {
            Err(FoldsError::OutOfRange(folds))
        } else {
            Ok(Self(folds))
        }
    }

    /// The number of folds.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Folds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
#[path = "query_types_tests.rs"]
mod tests;
