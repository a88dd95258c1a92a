//! Which column holds which field: presets for police.uk and hexspot's own CSV, name
//! synonyms for force extracts, and the user's mapping (`--map field=Column`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::MappingError;

/// A field hexspot reads from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Incident or crime reference.
    Id,
    /// Date and time together.
    DateTime,
    /// Date only.
    Date,
    /// Time of day only.
    Time,
    /// Month only (police.uk).
    Month,
    /// WGS84 longitude.
    Longitude,
    /// WGS84 latitude.
    Latitude,
    /// British National Grid easting (EPSG:27700), metres.
    Easting,
    /// British National Grid northing (EPSG:27700), metres.
    Northing,
    /// Broad crime type.
    CrimeType,
    /// Offence name or Home Office offence code.
    Offence,
    /// Knife-enabled flag.
    Knife,
    /// Domestic flag.
    Domestic,
    /// Victim-under-25 flag.
    VictimUnder25,
    /// Harm weight.
    Weight,
    /// police.uk `Location` (the anonymised map point's description).
    Location,
    /// police.uk `LSOA code`.
    LsoaCode,
    /// police.uk `LSOA name`.
    LsoaName,
    /// police.uk `Last outcome category`.
    Outcome,
    /// police.uk `Context`.
    Context,
    /// police.uk `Reported by`.
    ReportedBy,
    /// police.uk `Falls within`.
    FallsWithin,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 22] = [
        Field::Id,
        Field::DateTime,
        Field::Date,
        Field::Time,
        Field::Month,
        Field::Longitude,
        Field::Latitude,
        Field::Easting,
        Field::Northing,
        Field::CrimeType,
        Field::Offence,
        Field::Knife,
        Field::Domestic,
        Field::VictimUnder25,
        Field::Weight,
        Field::Location,
        Field::LsoaCode,
        Field::LsoaName,
        Field::Outcome,
        Field::Context,
        Field::ReportedBy,
        Field::FallsWithin,
    ];

    /// Position in [`Field::ALL`] (the declaration order).
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in `--map` and mapping files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::DateTime => "datetime",
            Field::Date => "date",
            Field::Time => "time",
            Field::Month => "month",
            Field::Longitude => "longitude",
            Field::Latitude => "latitude",
            Field::Easting => "easting",
            Field::Northing => "northing",
            Field::CrimeType => "crime_type",
            Field::Offence => "offence",
            Field::Knife => "knife",
            Field::Domestic => "domestic",
            Field::VictimUnder25 => "victim_under_25",
            Field::Weight => "weight",
            Field::Location => "location",
            Field::LsoaCode => "lsoa_code",
            Field::LsoaName => "lsoa_name",
            Field::Outcome => "outcome",
            Field::Context => "context",
            Field::ReportedBy => "reported_by",
            Field::FallsWithin => "falls_within",
        }
    }

    /// Header names (normalised: lower case, letters and digits only) recognised
    /// without a mapping.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Id => &[
                "id",
                "crimeid",
                "urn",
                "crimereference",
                "crimeref",
                "reference",
                "incidentid",
            ],
            Field::DateTime => &[
                "datetime",
                "occurred",
                "occurredat",
                "offencedatetime",
                "committedfrom",
                "datetimefrom",
            ],
            Field::Date => &["date", "offencedate", "datecommitted"],
            Field::Time => &["time", "offencetime", "timecommitted"],
            Field::Month => &["month"],
            Field::Longitude => &["longitude", "lon", "lng", "long"],
            Field::Latitude => &["latitude", "lat"],
            Field::Easting => &["easting", "eastings", "bngeasting"],
            Field::Northing => &["northing", "northings", "bngnorthing"],
            Field::CrimeType => &["crimetype", "crimecategory", "category"],
            Field::Offence => &[
                "offence",
                "offencecode",
                "offencetype",
                "hocode",
                "homeofficecode",
                "hooffencecode",
            ],
            Field::Knife => &["knife", "knifeenabled", "knifecrime", "knifeflag"],
            Field::Domestic => &["domestic", "domesticabuse", "domesticflag"],
            Field::VictimUnder25 => &["victimunder25", "victimu25", "under25"],
            Field::Weight => &["weight", "harm", "harmweight"],
            Field::Location => &["location"],
            Field::LsoaCode => &["lsoacode"],
            Field::LsoaName => &["lsoaname"],
            Field::Outcome => &["lastoutcomecategory", "outcome"],
            Field::Context => &["context"],
            Field::ReportedBy => &["reportedby"],
            Field::FallsWithin => &["fallswithin"],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = MappingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = normalise(s);
        Field::ALL
            .into_iter()
            .find(|f| normalise(f.name()) == n)
            .ok_or_else(|| MappingError::UnknownField(s.to_owned()))
    }
}

/// Lower case, letters and digits only: `Crime_type`, `Crime type` and `CrimeType` all
/// become `crimetype`; a UTF-8 byte-order mark disappears too.
#[must_use]
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The user's mapping of fields to column (or property) names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    fields: BTreeMap<Field, String>,
}

impl ColumnMap {
    /// Adds `field=Column`.
    ///
    /// # Errors
    /// [`MappingError`] when the text has no `=` or names no known field.
    pub fn add_pair(&mut self, pair: &str) -> Result<(), MappingError> {
        let (f, c) = pair
            .split_once('=')
            .ok_or_else(|| MappingError::Syntax(pair.to_owned()))?;
        let column = c.trim().trim_matches('"').to_owned();
        if column.is_empty() {
            return Err(MappingError::Syntax(pair.to_owned()));
        }
        self.fields.insert(f.trim().parse()?, column);
        Ok(())
    }

    /// Reads a mapping file: one `field = Column` per line; `#` starts a comment;
    /// a `[columns]` section header is allowed, so the file may be written as TOML.
    ///
    /// # Errors
    /// [`MappingError`] naming the bad line.
    pub fn parse_file(text: &str) -> Result<Self, MappingError> {
        let mut m = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line == "[columns]" {
                continue;
            }
            m.add_pair(line).map_err(|e| MappingError::Line {
                line: i + 1,
                source: Box::new(e),
            })?;
        }
        Ok(m)
    }

    /// Whether no fields are mapped.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The mapped column for a field.
    #[must_use]
    pub fn get(&self, f: Field) -> Option<&str> {
        self.fields.get(&f).map(String::as_str)
    }
}

/// Fields resolved to column positions for one file's header.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) index: BTreeMap<Field, usize>,
}

impl Resolved {
    /// Resolves a header. The user's mapping wins; other fields are found by synonym.
    pub(crate) fn new(header: &[String], map: &ColumnMap) -> Result<Self, MappingError> {
        let norm: Vec<String> = header.iter().map(|h| normalise(h)).collect();
        let mut index = BTreeMap::new();
        for f in Field::ALL {
            if let Some(col) = map.get(f) {
                let pos = header
                    .iter()
                    .position(|h| h.trim_start_matches('\u{feff}').trim() == col)
                    .or_else(|| norm.iter().position(|h| *h == normalise(col)))
                    .ok_or_else(|| MappingError::MissingColumn {
                        field: f.name(),
                        column: col.to_owned(),
                        header: header.join(", "),
                    })?;
                index.insert(f, pos);
            }
        }
        let taken: Vec<usize> = index.values().copied().collect();
        for f in Field::ALL {
            if index.contains_key(&f) {
                continue;
            }
            if let Some(pos) = f
                .synonyms()
                .iter()
                .find_map(|s| norm.iter().position(|h| h == s))
                .filter(|p| !taken.contains(p))
            {
                index.insert(f, pos);
            }
        }
        let r = Self { index };
        let mut missing = Vec::new();
        if !r.has(Field::DateTime) && !r.has(Field::Date) && !r.has(Field::Month) {
            missing.push("a date: datetime, date or month");
        }
        let lonlat = r.has(Field::Longitude) && r.has(Field::Latitude);
        let bng = r.has(Field::Easting) && r.has(Field::Northing);
        if !lonlat && !bng {
            missing.push("coordinates: longitude and latitude, or easting and northing");
        }
        if !r.has(Field::CrimeType) && !r.has(Field::Offence) {
            missing.push("an offence: crime_type or offence");
        }
        if !missing.is_empty() {
            return Err(MappingError::Incomplete {
                missing: missing.join("; "),
                header: header.join(", "),
            });
        }
        if bng && !lonlat && !cfg!(feature = "bng") {
            return Err(MappingError::NoGridSupport {
                header: header.join(", "),
            });
        }
        Ok(r)
    }

    pub(crate) fn has(&self, f: Field) -> bool {
        self.index.contains_key(&f)
    }

    /// The columns used, for the report.
    pub(crate) fn describe(&self, header: &[String]) -> Vec<(Field, String)> {
        self.index
            .iter()
            .map(|(f, &i)| (*f, header[i].trim_start_matches('\u{feff}').to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn index_is_the_position_in_all() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i, "{f}");
        }
    }
}
