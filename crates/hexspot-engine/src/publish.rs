//! The disclosure rule of the public product: a count from 1 to [`SUPPRESS_MAX`] is
//! suppressed, any other count is rounded to the nearest multiple of [`ROUND_TO`].
//!
//! Zero stays zero (it is published as 0: an empty cell-month names no one). A count of
//! 10 or more rounds to the nearest multiple of 5; no integer is ever halfway between
//! two multiples of 5 (`n mod 5` is 0, 1, 2, 3 or 4, never 2.5), so there is no tie to
//! break: remainders 1 and 2 round down, 3 and 4 up. Rounding never takes a count of
//! 10 or more below 10, so a published number is 0 or at least 10.
//!
//! The rule is the whole of it: a [`Disclosed`] value can only be made by [`disclose`],
//! so a count that skipped the rule cannot be written. [`check`] is the rule read
//! backwards, for the differencing audit of a published set.

use std::fmt;

use thiserror::Error;

use crate::types::{Resolution, YearMonth};

/// The largest count that is suppressed (the smallest is 1).
pub const SUPPRESS_MAX: u64 = 9;
/// Published counts are multiples of this.
pub const ROUND_TO: u64 = 5;

/// The published form of one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disclosed {
    /// 0, or a multiple of 5 that is at least 10.
    Count(RoundedCount),
    /// The count was 1 to [`SUPPRESS_MAX`]; no number is published.
    Suppressed,
}

impl Disclosed {
    /// The number published, `None` when suppressed.
    #[must_use]
    pub fn count(self) -> Option<u64> {
        match self {
            Disclosed::Count(c) => Some(c.get()),
            Disclosed::Suppressed => None,
        }
    }

    /// Whether the count was suppressed.
    #[must_use]
    pub fn is_suppressed(self) -> bool {
        self == Disclosed::Suppressed
    }
}

/// A count after the rule: 0 or a multiple of [`ROUND_TO`] of at least 10. Made only
/// by [`disclose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoundedCount(u64);

impl RoundedCount {
    /// The number.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RoundedCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Applies the rule to an exact count.
///
/// ```
/// use hexspot_engine::publish::{Disclosed, disclose};
/// assert_eq!(disclose(0).count(), Some(0));
/// assert_eq!(disclose(7), Disclosed::Suppressed);
/// assert_eq!(disclose(12).count(), Some(10));
/// assert_eq!(disclose(13).count(), Some(15));
/// ```
#[must_use]
pub fn disclose(n: u64) -> Disclosed {
    match n {
        0 => Disclosed::Count(RoundedCount(0)),
        1..=SUPPRESS_MAX => Disclosed::Suppressed,
        // remainders 0–2 down, 3–4 up; an integer has no remainder of 2.5
        _ => Disclosed::Count(RoundedCount((n + ROUND_TO / 2) / ROUND_TO * ROUND_TO)),
    }
}

/// A resolution the public product may be published at: 8 (about 0.74 km² a cell) or
/// 9 (about 0.105 km²). Finer cells would hold too few incidents to publish anything
/// but suppressions; coarser ones are not asked for.
///
/// ```
/// use hexspot_engine::publish::PublishResolution;
/// assert_eq!(PublishResolution::try_from(8).unwrap().get().get(), 8);
/// assert!(PublishResolution::try_from(10).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublishResolution(Resolution);

/// The default publication resolution.
pub const DEFAULT_PUBLISH_RES: u8 = 8;

/// A resolution the product is not published at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the public product is published at H3 resolution 8 or 9, not {0}")]
pub struct NotPublishable(pub u8);

impl TryFrom<u8> for PublishResolution {
    type Error = NotPublishable;

    /// # Errors
    /// [`NotPublishable`] for anything but 8 or 9.
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            8 | 9 => Resolution::try_from(value)
                .map(Self)
                .map_err(|_| NotPublishable(value)),
            _ => Err(NotPublishable(value)),
        }
    }
}

impl PublishResolution {
    /// The resolution.
    #[must_use]
    pub fn get(self) -> Resolution {
        self.0
    }
}

impl Default for PublishResolution {
    fn default() -> Self {
        Self(Resolution::try_from(DEFAULT_PUBLISH_RES).expect("8 is a query resolution"))
    }
}

/// One (cell, month) as it stands in a published file, read back for the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedValue {
    /// The cell (H3 index).
    pub cell: u64,
    /// The month.
    pub month: YearMonth,
    /// The number given, `None` for null.
    pub count: Option<u64>,
    /// The `suppressed` flag given.
    pub suppressed: bool,
}

/// What the differencing audit found wrong with a published value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// A number from 1 to [`SUPPRESS_MAX`] is published.
    SmallCount(u64),
    /// A number that is not a multiple of [`ROUND_TO`] is published: the exact count.
    NotRounded(u64),
    /// Marked suppressed but a number is given.
    SuppressedWithCount(u64),
    /// Neither a number nor marked suppressed.
    NoCount,
    /// Published in another copy but not in this one: the copies are not one product.
    Absent,
    /// Two published values for one (cell, month) differ: together they narrow it.
    Disagrees {
        /// the one seen first
        first: Disclosed,
        /// the other
        other: Disclosed,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |d: &Disclosed| d.count().map_or("suppressed".to_owned(), |c| c.to_string());
        match self {
            Finding::SmallCount(n) => write!(
                f,
                "count {n} is published (1–{SUPPRESS_MAX} must be suppressed)"
            ),
            Finding::NotRounded(n) => write!(
                f,
                "count {n} is not a multiple of {ROUND_TO}: it is not rounded"
            ),
            Finding::SuppressedWithCount(n) => {
                write!(f, "marked suppressed but count {n} is given")
            }
            Finding::NoCount => write!(f, "no count and not marked suppressed"),
            Finding::Absent => write!(f, "published in another file but not in this one"),
            Finding::Disagrees { first, other } => {
                write!(
                    f,
                    "published twice, as {} and as {}",
                    show(first),
                    show(other)
                )
            }
        }
    }
}

/// The rule read backwards: what is wrong with one published value, if anything.
///
/// ```
/// use hexspot_engine::publish::{Finding, check};
/// assert_eq!(check(Some(15), false), Ok(hexspot_engine::publish::disclose(15)));
/// assert_eq!(check(Some(7), false), Err(Finding::SmallCount(7)));
/// assert_eq!(check(Some(12), false), Err(Finding::NotRounded(12)));
/// ```
///
/// # Errors
/// The [`Finding`] when the value could not have come from [`disclose`].
pub fn check(count: Option<u64>, suppressed: bool) -> Result<Disclosed, Finding> {
    match (count, suppressed) {
        (Some(n), true) => Err(Finding::SuppressedWithCount(n)),
        (None, true) => Ok(Disclosed::Suppressed),
        (None, false) => Err(Finding::NoCount),
        (Some(n @ 1..=SUPPRESS_MAX), false) => Err(Finding::SmallCount(n)),
        (Some(n), false) if n % ROUND_TO != 0 => Err(Finding::NotRounded(n)),
        (Some(n), false) => Ok(disclose(n)),
    }
}

/// One finding of the audit, at the (cell, month) it was found at, in the copy
/// (file) it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFinding {
    /// The copy's name (a file name).
    pub copy: String,
    /// The cell.
    pub cell: u64,
    /// The month.
    pub month: YearMonth,
    /// What is wrong.
    pub finding: Finding,
}

/// The differencing audit of a published set given as several copies of it (the
/// GeoJSON and the CSV): every published value is checked against the rule, and every
/// (cell, month) must be published the same way wherever it appears, since two
/// different values for one count would narrow it, and in every copy. The product
/// publishes no totals, so the values themselves are every count that can be derived
/// from it. An empty answer: nothing found.
#[must_use]
pub fn audit(copies: &[(&str, &[PublishedValue])]) -> Vec<AuditFinding> {
    let mut found = Vec::new();
    let mut seen: std::collections::BTreeMap<(u64, YearMonth), Disclosed> =
        std::collections::BTreeMap::new();
    let mut held: Vec<std::collections::HashSet<(u64, YearMonth)>> = Vec::new();
    for (name, values) in copies {
        held.push(values.iter().map(|v| (v.cell, v.month)).collect());
        for v in *values {
            let at = |finding| AuditFinding {
                copy: (*name).to_owned(),
                cell: v.cell,
                month: v.month,
                finding,
            };
            match check(v.count, v.suppressed) {
                Err(f) => found.push(at(f)),
                Ok(d) => match seen.get(&(v.cell, v.month)) {
                    Some(&first) if first != d => {
                        found.push(at(Finding::Disagrees { first, other: d }));
                    }
                    Some(_) => {}
                    None => {
                        seen.insert((v.cell, v.month), d);
                    }
                },
            }
        }
    }
    for ((name, _), keys) in copies.iter().zip(&held) {
        for &(cell, month) in seen.keys().filter(|k| !keys.contains(k)) {
            found.push(AuditFinding {
                copy: (*name).to_owned(),
                cell,
                month,
                finding: Finding::Absent,
            });
        }
    }
    found
}

#[cfg(test)]
#[path = "publish_tests.rs"]
mod tests;
