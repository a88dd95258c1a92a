//! Errors: whole-file failures ([`IngestError`]) and per-row rejections
//! ([`RejectReason`], which are data in the report, not failures).

use std::path::PathBuf;

use thiserror::Error;

/// A column mapping that cannot be used.
#[derive(Debug, Error)]
pub enum MappingError {
    /// Not `field=Column`.
    #[error("{0:?} is not a mapping: expected field=Column")]
    Syntax(String),
    /// An unknown field name.
    #[error(
        "{0:?} is not a field; fields are: id, datetime, date, time, month, longitude, \
         latitude, easting, northing, crime_type, offence, knife, domestic, \
         victim_under_25, weight, location, lsoa_code, lsoa_name, outcome, context"
    )]
    UnknownField(String),
    /// A mapping file line.
    #[error("line {line}: {source}")]
    Line {
        /// 1-based line
        line: usize,
        /// what was wrong
        source: Box<MappingError>,
    },
    /// A mapped column that is not in the header.
    #[error("{field} is mapped to column {column:?}, which is not in the header ({header})")]
    MissingColumn {
        /// the field
        field: &'static str,
        /// the column asked for
        column: String,
        /// the header found
        header: String,
    },
    /// Coordinates only as easting/northing, in a build without the `bng` feature.
    #[error(
        "the coordinates are British National Grid eastings/northings, which this build \
         of hexspot cannot read (built without the `bng` feature): give longitude and \
         latitude columns, or use a build with default features (header: {header})"
    )]
    NoGridSupport {
        /// the header found
        header: String,
    },
    /// Required fields not found.
    #[error(
        "cannot find {missing} in the header ({header}); name the columns with \
         --map field=Column or --mapping FILE"
    )]
    Incomplete {
        /// what is missing
        missing: String,
        /// the header found
        header: String,
    },
}

/// A file that cannot be read at all (as opposed to rows that are rejected).
#[derive(Debug, Error)]
pub enum IngestError<E: std::error::Error + 'static> {
    /// Could not open or read.
    #[error("{path}: {source}")]
    Io {
        /// the file
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
    /// The header cannot be mapped.
    #[error("{path}: {source}")]
    Mapping {
        /// the file
        path: PathBuf,
        /// the cause
        source: MappingError,
    },
    /// Empty file or no header.
    #[error("{0}: the file is empty (no header row)")]
    Empty(PathBuf),
    /// A text encoding other than UTF-8 that would read as garbage.
    #[error("{path}: the file is {encoding} text; save it as UTF-8 (or CSV UTF-8) and import that")]
    Encoding {
        /// the file
        path: PathBuf,
        /// the encoding found
        encoding: &'static str,
    },
    /// The header line cannot be read as CSV.
    #[error("{path}: line 1 (the header): {reason}")]
    Header {
        /// the file
        path: PathBuf,
        /// what was wrong
        reason: String,
    },
    /// Not a GeoJSON FeatureCollection.
    #[error("{path}: not a GeoJSON FeatureCollection: {message}")]
    GeoJson {
        /// the file
        path: PathBuf,
        /// what was wrong
        message: String,
    },
    /// The row sink (the store) failed.
    #[error(transparent)]
    Sink(E),
}

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RejectReason {
    /// No coordinates (police.uk publishes crimes it could not place this way).
    #[error("no coordinates")]
    NoCoordinates,
    /// Coordinates that do not parse or are out of range.
    #[error("bad coordinates: {0}")]
    BadCoordinates(String),
    /// Easting/northing outside the OSTN15 grid.
    #[error("easting/northing {0} is outside the British National Grid (OSTN15) area")]
    OutsideGrid(String),
    /// Only an easting/northing, in a build without the `bng` feature.
    #[error(
        "easting/northing given but this build cannot read British National Grid (no `bng` feature)"
    )]
    NoGridSupport,
    /// No date, date-time or month.
    #[error("no date")]
    NoDate,
    /// A month that does not parse.
    #[error("bad month {0:?}")]
    BadMonth(String),
    /// A date or date-time that does not parse.
    #[error("bad date/time {0:?}")]
    BadDateTime(String),
    /// A time of day that does not parse.
    #[error("bad time of day {0:?}")]
    BadTime(String),
    /// No crime type or offence.
    #[error("no crime type")]
    NoCrimeType,
    /// A flag that is not yes/no.
    #[error("{field} flag {value:?} is not yes/no")]
    BadFlag {
        /// which flag
        field: &'static str,
        /// the text
        value: String,
    },
    /// A weight that is not a number from 0 to [`hexspot_engine::MAX_WEIGHT`].
    #[error("weight {0:?} is not a number from 0 to 1000000")]
    BadWeight(String),
    /// A different number of fields from the header.
    #[error("{got} fields where the header has {want}")]
    FieldCount {
        /// fields in the row
        got: usize,
        /// fields in the header
        want: usize,
    },
    /// Text that is not UTF-8.
    #[error("not valid UTF-8 text")]
    NotUtf8,
    /// A GeoJSON feature that is not a Point.
    #[error("geometry is {0}, not a Point")]
    NotAPoint(String),
    /// The CSV parser could not read the row.
    #[error("unreadable row: {0}")]
    Csv(String),
    /// A quote opens a field that does not close into one record (a stray quote).
    #[error(
        "a quote opens a field that does not close on this line or within {max_lines} lines \
         into one record (a stray quote?); the line was skipped and the next read as a row"
    )]
    OpenQuote {
        /// the most lines a record may span
        max_lines: usize,
    },
    /// A line far longer than any real record.
    #[error("the line is {bytes} bytes long, more than a record may be ({max})")]
    TooLong {
        /// its length
        bytes: usize,
        /// the limit
        max: usize,
    },
}

impl RejectReason {
    /// A short stable code to group rejections by.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::NoCoordinates => "no_coordinates",
            RejectReason::BadCoordinates(_) => "bad_coordinates",
            RejectReason::OutsideGrid(_) => "outside_bng_grid",
            RejectReason::NoGridSupport => "bng_not_supported",
            RejectReason::NoDate => "no_date",
            RejectReason::BadMonth(_) => "bad_month",
            RejectReason::BadDateTime(_) => "bad_datetime",
            RejectReason::BadTime(_) => "bad_time",
            RejectReason::NoCrimeType => "no_crime_type",
            RejectReason::BadFlag { .. } => "bad_flag",
            RejectReason::BadWeight(_) => "bad_weight",
            RejectReason::FieldCount { .. } => "field_count",
            RejectReason::NotUtf8 => "not_utf8",
            RejectReason::NotAPoint(_) => "not_a_point",
            RejectReason::Csv(_) => "unreadable",
            RejectReason::OpenQuote { .. } => "open_quote",
            RejectReason::TooLong { .. } => "too_long",
        }
    }
}
