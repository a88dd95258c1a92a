//! The synthetic incidents as the engine's in-memory [`IncidentTable`], for benchmarks
//! that want a large table without going through CSV and SQLite.

use chrono::{Datelike, Timelike};
use hexspot_engine::{
    Day, Flag, Flags, IncidentRow, IncidentTable, IncidentTableBuilder, LonLat, MinuteOfDay,
    YearMonth,
};

use crate::{SynthConfig, generate};

/// The rows of [`generate`]`(config)` as an [`IncidentTable`], every row from import 1.
///
/// Coordinates are kept at full `f64` precision (an import of [`crate::write_csv`]'s
/// output sees them rounded to six decimals, which can move a rare point into a
/// neighbouring fine cell). Builds 1,000,000 rows in about a second in a release build.
///
/// # Panics
/// Never for a valid [`SynthConfig`]: every generated point, date and time is valid.
///
/// # Examples
/// ```
/// use hexspot_synth::{SynthConfig, incident_table};
///
/// let table = incident_table(&SynthConfig { rows: 100, seed: 7, ..SynthConfig::default() });
/// assert_eq!(table.len(), 100);
/// ```
#[must_use]
pub fn incident_table(config: &SynthConfig) -> IncidentTable {
    let capacity = usize::try_from(config.rows).unwrap_or(0);
    let mut builder = IncidentTableBuilder::with_capacity(capacity);
    for row in generate(config) {
        let (date, time) = (row.datetime.date(), row.datetime.time());
        let (y, m, d) = (date.year(), date.month(), date.day());
        let location = LonLat::new(row.longitude, row.latitude).expect("synthetic point is valid");
        builder
            .push(&IncidentRow {
                location,
                fine_cell: location.fine_cell(),
                month: YearMonth::new(y, m).expect("valid month"),
                day: Some(Day::from_ymd(y, m, d).expect("valid day")),
                time: Some(MinuteOfDay::new(time.hour(), time.minute()).expect("valid time")),
                crime_type: row.crime_type,
                offence: row.offence_code,
                flags: Flags::new(
                    Flag::from(Some(row.knife)),
                    Flag::from(Some(row.domestic)),
                    Flag::from(Some(row.victim_under_25)),
                ),
                weight: None,
                import_id: 1,
            })
            .expect("a few names");
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn rows_and_months_are_as_configured() {
        let config = SynthConfig {
            rows: 5_000,
            seed: 7,
            start: NaiveDate::from_ymd_opt(2023, 11, 1).unwrap(),
            months: 3,
        };
        let table = incident_table(&config);
        assert_eq!(table.len(), 5_000);
        let (first, last) = table.month_range().expect("rows");
        assert_eq!(first, YearMonth::new(2023, 11).unwrap());
        assert_eq!(last, YearMonth::new(2024, 1).unwrap());
        assert!(table.crime_types().len() <= crate::CRIME_TYPES.len());
    }

    #[test]
    fn no_rows_no_table() {
        let table = incident_table(&SynthConfig {
            rows: 0,
            ..SynthConfig::default()
        });
        assert!(table.is_empty());
        assert_eq!(table.month_range(), None);
    }
}
