//! Error types of the engine.

use thiserror::Error;

/// A value that could not be made into one of the engine's domain types.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ValueError {
    /// Resolution outside 5..=12.
    #[error("resolution {0} is out of range: hotspot queries take 5 to 12")]
    Resolution(i64),
    /// Not a `YYYY-MM` month between 1900 and 2200.
    #[error("{0:?} is not a month: expected YYYY-MM")]
    Month(String),
    /// Not a `YYYY-MM-DD` date that exists.
    #[error("{0:?} is not a date: expected YYYY-MM-DD")]
    Date(String),
    /// Not a time of day.
    #[error("{0:?} is not a time of day")]
    Time(String),
    /// Not a day of the week.
    #[error("{0:?} is not a day of the week: use mon, tue, wed, thu, fri, sat or sun")]
    Weekday(String),
    /// Bad day list.
    #[error("bad days: {0}")]
    Days(String),
    /// Bad hour range.
    #[error("{0:?} is not an hour range: expected START-END with hours 0-24, e.g. 20-04")]
    Hours(String),
    /// Coordinates out of range.
    #[error("coordinates ({lon}, {lat}) are not a WGS84 longitude/latitude")]
    Coordinates {
        /// longitude given
        lon: f64,
        /// latitude given
        lat: f64,
    },
    /// Bad bounding box.
    #[error("{0:?} is not a bounding box: expected west,south,east,north in degrees")]
    BBox(String),
}

/// A query the engine cannot run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum QueryError {
    /// A crime type that is not in the data.
    #[error("unknown crime type {name:?}; the data holds: {known}")]
    UnknownCrimeType {
        /// the name asked for
        name: String,
        /// the known names, comma separated
        known: String,
    },
    /// An offence that is not in the data.
    #[error("unknown offence {name:?}; the data holds: {known}")]
    UnknownOffence {
        /// the name asked for
        name: String,
        /// the known names, comma separated
        known: String,
    },
    /// The period's start is after its end.
    #[error("the period starts ({from}) after it ends ({to})")]
    Period {
        /// start
        from: String,
        /// end
        to: String,
    },
    /// A region polygon h3o could not cover.
    #[error("the region polygon is not valid: {0}")]
    Region(String),
    /// A patrol plan's budget that allows nothing.
    #[error("the budget must allow something: {0}")]
    Budget(String),
    /// Cells that cannot make a series (none, or of several resolutions).
    #[error("cells: {0}")]
    Cells(String),
    /// The study region is larger than the query allows.
    #[error(
        "the study region would hold more than the {max} cells allowed: use a coarser res, a smaller k or narrower filters"
    )]
    RegionTooLarge {
        /// the limit
        max: usize,
    },
    /// A harm weight that is not a number from 0 to [`crate::harm::MAX_WEIGHT`].
    #[error("harm weight for {name:?} must be a number from 0 to 1000000, got {value:e}")]
    Weight {
        /// the crime type or offence
        name: String,
        /// the value given
        value: f64,
    },
    /// The caller stopped the computation (its [`crate::Cancel`] was set).
    #[error(transparent)]
    Cancelled(#[from] crate::cancel::Cancelled),
}
