//! The hotspot query's checked numbers: the k-ring size [`K`] and the FDR level
//! [`Alpha`]. Each is only made through a checked constructor, so a [`HotspotQuery`]
//! holding one needs no further check.
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

/// An FDR level that cannot be used. The message reads after the parameter's name
/// (`alpha: must be between 0 and 1 (exclusive), got 2`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AlphaError {
    /// Not strictly between 0 and 1 (NaN included).
    #[error("must be between 0 and 1 (exclusive), got {0}")]
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

#[cfg(test)]
#[path = "query_types_tests.rs"]
mod tests;
