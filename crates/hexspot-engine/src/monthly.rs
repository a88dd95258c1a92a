//! The monthly series of a set of cells (one cell, a patrol area) and its
//! Mann-Kendall trend: per month of the period the selected incidents in those cells,
//! a month the data holds no incident at all in being a gap, not a zero.

use std::collections::HashSet;

use h3o::CellIndex;

use crate::emerging::Trend;
use crate::error::QueryError;
use crate::filter::{CompiledFilter, Exclusions, Filter, Verdict};
use crate::harm::{HarmTable, ResolvedHarm};
use crate::mann_kendall::{MannKendall, mann_kendall};
use crate::query_types::Alpha;
use crate::table::IncidentTable;
use crate::types::{Resolution, YearMonth};

/// One month of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Month {
    /// The month.
    pub month: YearMonth,
    /// The selected incidents that month, `None` when the month is a gap: the data
    /// holds no incident at all in it (of any type, anywhere), so zero is not known.
    pub count: Option<u64>,
    /// Their summed harm (`None` in a gap).
    pub harm: Option<f64>,
}

/// A monthly series with its trend.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlySeries {
    /// Every month of the period, oldest first, gaps included (as gaps).
    pub months: Vec<Month>,
    /// Mann-Kendall on the counts of the months that are not gaps, in order; `None`
    /// when fewer than three months are.
    pub mk: Option<MannKendall>,
    /// The trend at the level asked for (`None` with `mk`).
    pub trend: Option<Trend>,
    /// Rows of these cells left out because the data could not answer the filter.
    pub exclusions: Exclusions,
}

/// The Mann-Kendall test and trend of `months`' counts, gaps skipped.
#[must_use]
pub fn trend_of(months: &[Month], alpha: Alpha) -> (Option<MannKendall>, Option<Trend>) {
    let values: Vec<f64> = months
        .iter()
        .filter_map(|m| m.count.map(|c| c as f64))
        .collect();
    let mk = mann_kendall(&values).ok();
    (mk, mk.map(|m| Trend::of(&m, alpha)))
}

/// The series of the selected incidents in `cells` (all at one resolution) over the
/// filter's period — or, without one, every month of the data — and its trend at
/// `alpha`.
///
/// # Errors
/// [`QueryError::UnknownCrimeType`] and the like for the filter,
/// [`QueryError::Cells`] for no cells or cells of different resolutions.
pub fn monthly_series(
    table: &IncidentTable,
    cells: &[CellIndex],
    filter: &Filter,
    harm: &HarmTable,
    alpha: Alpha,
) -> Result<MonthlySeries, QueryError> {
    let first = cells
        .first()
        .ok_or_else(|| QueryError::Cells("no cells were given".into()))?;
    if let Some(c) = cells.iter().find(|c| c.resolution() != first.resolution()) {
        return Err(QueryError::Cells(format!(
            "{c} is at resolution {}, {first} at {}: give cells of one resolution",
            u8::from(c.resolution()),
            u8::from(first.resolution())
        )));
    }
    let res = Resolution::try_from(u8::from(first.resolution()))
        .map_err(|e| QueryError::Cells(format!("{first}: {e}")))?;
    let Some((lo, hi)) = table.months else {
        return Ok(MonthlySeries {
            months: Vec::new(),
            mk: None,
            trend: None,
            exclusions: Exclusions::default(),
        });
    };
    let (from, to) = match filter.period {
        Some(p) => (p.from().year_month().index(), p.to().year_month().index()),
        None => (lo, hi),
    };
    let held = table.months_held_where(|_| true);
    let mut months: Vec<Month> = (from..=to)
        .map(|m| {
            let in_data = m >= lo && m <= hi && held[(m - lo) as usize];
            Month {
                month: YearMonth::from_index(m).expect("months of a valid period"),
                count: in_data.then_some(0),
                harm: in_data.then_some(0.0),
            }
        })
        .collect();
    let column = table.cells_at(res);
    let wanted: HashSet<u64> = cells.iter().map(|&c| u64::from(c)).collect();
    let slots: Vec<bool> = column.cells().iter().map(|c| wanted.contains(c)).collect();
    let cf = CompiledFilter::new(filter, table)?;
    let rh = ResolvedHarm::new(harm, table);
    let mut exclusions = Exclusions::default();
    for (i, &slot) in column.slots().iter().enumerate() {
        if !slots[slot as usize] {
            continue;
        }
        match cf.test(table, i) {
            Verdict::Keep => {
                let m = &mut months[(table.month[i] - from) as usize];
                if let (Some(c), Some(h)) = (&mut m.count, &mut m.harm) {
                    *c += 1;
                    *h += rh.weight(table, i).0;
                }
            }
            Verdict::Drop => {}
            Verdict::Excluded(reason) => reason(&mut exclusions),
        }
    }
    let (mk, trend) = trend_of(&months, alpha);
    Ok(MonthlySeries {
        months,
        mk,
        trend,
        exclusions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use h3o::LatLng;

    use crate::filter::Period;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    /// Incidents at cell centres: `(cell, month, crime type, how many)`, months as text.
    fn table(rows: &[(CellIndex, &str, &str, u32)]) -> IncidentTable {
        let rows: Vec<_> = rows.iter().map(|&(c, m, t, n)| (c, ym(m), t, n)).collect();
        crate::space_time::tests::table(&rows)
    }

    fn cells() -> (CellIndex, CellIndex, CellIndex) {
        let a = LatLng::new(53.7965, -1.5478)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        let far = LatLng::new(52.63, -1.13)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        (a, a.grid_disk::<Vec<_>>(1)[1], far)
    }

    #[test]
    fn counts_per_month_with_gaps_as_gaps_and_the_trend() {
        let (a, b, far) = cells();
        // 2024-03 holds nothing anywhere: a gap; 2024-05 holds data elsewhere only: 0
        let t = table(&[
            (a, "2024-01", "Violence", 1),
            (a, "2024-02", "Violence", 2),
            (b, "2024-02", "Violence", 1),
            (a, "2024-04", "Violence", 4),
            (a, "2024-04", "Burglary", 7),
            (far, "2024-05", "Violence", 3),
            (b, "2024-06", "Violence", 6),
        ]);
        let filter = Filter {
            crime_types: vec!["violence".into()],
            ..Filter::default()
        };
        let s = monthly_series(
            &t,
            &[a, b],
            &filter,
            &HarmTable::default(),
            Alpha::default(),
        )
        .unwrap();
        let counts: Vec<Option<u64>> = s.months.iter().map(|m| m.count).collect();
        assert_eq!(counts, [Some(1), Some(3), None, Some(4), Some(0), Some(6)]);
        assert_eq!(s.months[0].month, ym("2024-01"));
        assert_eq!(s.months[2].harm, None);
        // Mann-Kendall over 1, 3, 4, 0, 6 (the gap skipped), by hand over the pairs
        // i < j: from 1: +3 −1; from 3: +2 −1; from 4: +1 −1; from 0: +1; S = 4
        let mk = s.mk.unwrap();
        assert_eq!(mk.n, 5);
        assert_eq!(mk.s, 4);
        assert_eq!(s.trend, Some(Trend::None));

        // a period: only its months, the gap still a gap
        let filter = Filter {
            period: Some(Period::months(ym("2024-02"), ym("2024-04")).unwrap()),
            ..filter
        };
        let s = monthly_series(&t, &[a], &filter, &HarmTable::default(), Alpha::default()).unwrap();
        let counts: Vec<Option<u64>> = s.months.iter().map(|m| m.count).collect();
        assert_eq!(counts, [Some(2), None, Some(4)]);
        // two months that are not gaps: too few for the test
        assert_eq!(s.mk, None);
        assert_eq!(s.trend, None);
    }

    #[test]
    fn a_steady_rise_is_an_upward_trend() {
        let (a, _, _) = cells();
        let rows: Vec<(CellIndex, String, u32)> =
            (1..=10).map(|m| (a, format!("2024-{m:02}"), m)).collect();
        let rows: Vec<(CellIndex, &str, &str, u32)> = rows
            .iter()
            .map(|(c, m, n)| (*c, m.as_str(), "Violence", *n))
            .collect();
        let t = table(&rows);
        let s = monthly_series(
            &t,
            &[a],
            &Filter::default(),
            &HarmTable::default(),
            Alpha::default(),
        )
        .unwrap();
        let mk = s.mk.unwrap();
        assert_eq!(mk.s, 45);
        assert_eq!(s.trend, Some(Trend::Up));
    }

    #[test]
    fn cells_must_be_given_at_one_resolution() {
        let (a, _, _) = cells();
        let t = table(&[(a, "2024-01", "Violence", 1)]);
        let f = Filter::default();
        let h = HarmTable::default();
        let err = monthly_series(&t, &[], &f, &h, Alpha::default()).unwrap_err();
        assert!(matches!(err, QueryError::Cells(_)));
        let parent = a.parent(h3o::Resolution::Eight).unwrap();
        let err = monthly_series(&t, &[a, parent], &f, &h, Alpha::default()).unwrap_err();
        assert!(err.to_string().contains("one resolution"), "{err}");
        // an unknown crime type is named
        let f = Filter {
            crime_types: vec!["Arson".into()],
            ..Filter::default()
        };
        assert!(matches!(
            monthly_series(&t, &[a], &f, &h, Alpha::default()),
            Err(QueryError::UnknownCrimeType { .. })
        ));
    }
}
