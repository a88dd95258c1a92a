//! The public product: the selected incidents per (cell, month) at one publication
//! resolution over a period of whole months, each count through the disclosure rule
//! ([`crate::publish`]).
//!
//! The study region is every cell holding at least one selected incident in the
//! period; each of its cells is published for every month of the period, a month with
//! none as 0. A cell outside it had no selected incident in any month. No totals are
//! made: only (cell, month) values, so no total can be differenced against its parts.
//! No point, incident, location or exact count leaves this module.

use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::error::QueryError;
use crate::filter::{CompiledFilter, Filter, Period, Verdict};
use crate::hotspots::{Limit, RankBy, StudyRegion};
use crate::params::{ParamError, QueryParams};
use crate::publish::{Disclosed, PublishResolution, disclose};
use crate::table::IncidentTable;
use crate::types::YearMonth;

/// What a publication counts: the resolution, the whole months and the filters.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationQuery {
    /// The one resolution.
    pub resolution: PublishResolution,
    /// First month.
    pub from: YearMonth,
    /// Last month (inclusive).
    pub to: YearMonth,
    /// The filters; its period is `from`–`to` in whole months.
    pub filter: Filter,
}

impl PublicationQuery {
    /// The months of the period, oldest first.
    #[must_use]
    pub fn months(&self) -> Vec<YearMonth> {
        (self.from.index()..=self.to.index())
            .map(|m| YearMonth::from_index(m).expect("months of a valid period"))
            .collect()
    }
}

/// A publication's parameters as text: the CLI's flags (feature `clap`), checked by
/// [`PublishParams::query`] with the hotspot query's own rules for the filters.
/// There is no query-string form: the public never chooses what is published.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct PublishParams {
    /// H3 resolution: 8 (≈ 0.74 km² per cell) or 9 (≈ 0.105 km²).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = crate::publish::DEFAULT_PUBLISH_RES))]
    pub res: u8,
    /// First month: YYYY-MM (required).
    #[cfg_attr(feature = "clap", arg(long))]
    pub from: Option<String>,
    /// Last month (inclusive): YYYY-MM (required).
    #[cfg_attr(feature = "clap", arg(long))]
    pub to: Option<String>,
    /// Keep only this crime type (repeat for several); case-insensitive.
    #[cfg_attr(feature = "clap", arg(long, value_name = "TYPE"))]
    pub crime_type: Vec<String>,
    /// Keep only this offence or offence code (repeat for several).
    #[cfg_attr(feature = "clap", arg(long, value_name = "OFFENCE"))]
    pub offence: Vec<String>,
    /// Keep only knife-enabled incidents.
    #[cfg_attr(feature = "clap", arg(long))]
    pub knife: bool,
    /// Keep only incidents with a victim under 25.
    #[cfg_attr(feature = "clap", arg(long))]
    pub under_25: bool,
    /// Keep only incidents inside west,south,east,north (degrees).
    #[cfg_attr(feature = "clap", arg(long, allow_hyphen_values = true))]
    pub bbox: Option<String>,
}

impl PublishParams {
    /// The checked query.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name: `res` other than 8 or 9,
    /// `from` or `to` that is not a month (YYYY-MM), a period that ends before it
    /// starts, a bad `bbox`.
    pub fn query(&self) -> Result<PublicationQuery, ParamError> {
        let resolution =
            PublishResolution::try_from(self.res).map_err(|e| ParamError::new("res", e))?;
        let month = |param: &'static str, s: Option<&str>| {
            let s = s.ok_or_else(|| ParamError::new(param, "required: a month, YYYY-MM"))?;
            s.parse::<YearMonth>()
                .map_err(|_| ParamError::new(param, format!("{s:?} is not a month (YYYY-MM)")))
        };
        let (from, to) = (
            month("from", self.from.as_deref())?,
            month("to", self.to.as_deref())?,
        );
        // the hotspot query's own checks of the same filters
        let params = QueryParams {
            res: Some(resolution.get().get()),
            crime_type: self.crime_type.clone(),
            offence: self.offence.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            knife: self.knife,
            under_25: self.under_25,
            bbox: self.bbox.clone(),
            ..QueryParams::default()
        };
        let mut filter = params
            .query(
                StudyRegion::OccupiedWithRings,
                RankBy::Count,
                Limit::All,
                None,
            )?
            .filter;
        filter.period =
            Some(Period::months(from, to).map_err(|e| ParamError::new("to", e.to_string()))?);
        Ok(PublicationQuery {
            resolution,
            from,
            to,
            filter,
        })
    }
}

/// One published (cell, month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedCell {
    /// The cell.
    pub cell: h3o::CellIndex,
    /// The month.
    pub month: YearMonth,
    /// Its count through the rule.
    pub value: Disclosed,
}

/// The public product of one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    /// What was counted.
    pub query: PublicationQuery,
    /// The study region's cells, in H3 index order.
    pub cells: Vec<h3o::CellIndex>,
    /// Every (cell, month) of the study region: by cell, then month.
    pub values: Vec<PublishedCell>,
}

impl Publication {
    /// How many values are suppressed.
    #[must_use]
    pub fn suppressed(&self) -> usize {
        self.values
            .iter()
            .filter(|v| v.value.is_suppressed())
            .count()
    }
}

/// Why a publication cannot be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PublishError {
    /// The filter cannot be answered by the data (an unknown crime type…).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Months of the period in which the data hold no incident at all (of any type,
    /// anywhere): publishing 0 for them would state what is not known.
    #[error("the data hold no incidents at all in {}: publish a period the data cover", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Gaps(Vec<YearMonth>),
}

/// The publication of `query` over `table`.
///
/// # Errors
/// [`PublishError::Query`] for a filter the data cannot answer,
/// [`PublishError::Gaps`] when a month of the period holds no incident at all.
pub fn publication(
    table: &IncidentTable,
    query: &PublicationQuery,
) -> Result<Publication, PublishError> {
    let cf = CompiledFilter::new(&query.filter, table)?;
    let months = query.months();
    let (first, n_months) = (query.from.index(), months.len());
    let held = table.months_held_where(|_| true);
    let gaps: Vec<YearMonth> = months
        .iter()
        .copied()
        .filter(|m| match table.months {
            Some((lo, hi)) if (lo..=hi).contains(&m.index()) => !held[(m.index() - lo) as usize],
            _ => true,
        })
        .collect();
    if !gaps.is_empty() {
        return Err(PublishError::Gaps(gaps));
    }
    let column = table.cells_at(query.resolution.get());
    let mut counts: FxHashMap<u32, Vec<u64>> = FxHashMap::default();
    for (i, &slot) in column.slots().iter().enumerate() {
        let m = table.month[i] - first;
        if m < 0 || m as usize >= n_months {
            continue;
        }
        if let Verdict::Keep = cf.test(table, i) {
            counts.entry(slot).or_insert_with(|| vec![0; n_months])[m as usize] += 1;
        }
    }
    let mut occupied: Vec<(h3o::CellIndex, Vec<u64>)> = counts
        .into_iter()
        .map(|(slot, c)| {
            let cell = h3o::CellIndex::try_from(column.cells()[slot as usize])
                .expect("a cell column holds valid cells");
            (cell, c)
        })
        .collect();
    occupied.sort_unstable_by_key(|(cell, _)| *cell);
    let values = occupied
        .iter()
        .flat_map(|(cell, c)| {
            months.iter().zip(c).map(move |(&month, &n)| PublishedCell {
                cell: *cell,
                month,
                value: disclose(n),
            })
        })
        .collect();
    Ok(Publication {
        query: query.clone(),
        cells: occupied.into_iter().map(|(cell, _)| cell).collect(),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(res: u8, from: &str, to: &str) -> PublishParams {
        PublishParams {
            res,
            from: Some(from.into()),
            to: Some(to.into()),
            ..PublishParams::default()
        }
    }

    #[test]
    fn only_months_and_resolutions_eight_and_nine_are_taken() {
        assert!(params(8, "2024-01", "2024-03").query().is_ok());
        assert!(params(9, "2024-01", "2024-01").query().is_ok());
        let e = params(10, "2024-01", "2024-03").query().unwrap_err();
        assert_eq!(e.param, "res");
        assert_eq!(
            e.to_string(),
            "res: the public product is published at H3 resolution 8 or 9, not 10"
        );
        assert_eq!(
            params(8, "2024-01-05", "2024-03")
                .query()
                .unwrap_err()
                .param,
            "from"
        );
        let no_end = PublishParams {
            to: None,
            ..params(8, "2024-01", "2024-03")
        };
        assert_eq!(no_end.query().unwrap_err().param, "to");
        assert_eq!(
            params(8, "2024-04", "2024-03").query().unwrap_err().param,
            "from"
        );
        let q = params(8, "2024-01", "2024-03").query().unwrap();
        assert_eq!(q.months().len(), 3);
        assert_eq!(q.filter.period, Some(Period::months(q.from, q.to).unwrap()));
    }

    /// Incidents at cell centres of resolution-8 cells: `(cell, month, how many)`.
    fn table(rows: &[(h3o::CellIndex, &str, u32)]) -> IncidentTable {
        let rows: Vec<_> = rows
            .iter()
            .map(|&(c, m, n)| (c, m.parse().unwrap(), "Violence", n))
            .collect();
        crate::space_time::tests::table(&rows)
    }

    fn cell(lon: f64, lat: f64) -> h3o::CellIndex {
        h3o::LatLng::new(lat, lon)
            .unwrap()
            .to_cell(h3o::Resolution::Eight)
    }

    #[test]
    fn counts_per_cell_and_month_go_through_the_rule() {
        // 12 in one place in January, 3 in February; 1 elsewhere in March
        let (a, b) = (cell(-1.55, 53.80), cell(-1.40, 53.70));
        let t = table(&[(a, "2024-01", 12), (a, "2024-02", 3), (b, "2024-03", 1)]);
        let q = params(8, "2024-01", "2024-03").query().unwrap();
        let p = publication(&t, &q).unwrap();
        assert_eq!(p.cells.len(), 2);
        assert_eq!(p.values.len(), 6, "every month of every region cell");
        let at = |c: h3o::CellIndex, m: &str| {
            p.values
                .iter()
                .find(|v| v.cell == c && v.month.to_string() == m)
                .unwrap()
                .value
        };
        assert_eq!(at(a, "2024-01").count(), Some(10));
        assert_eq!(at(a, "2024-02"), Disclosed::Suppressed);
        assert_eq!(at(a, "2024-03").count(), Some(0));
        assert_eq!(at(b, "2024-01").count(), Some(0));
        assert_eq!(at(b, "2024-03"), Disclosed::Suppressed);
        assert_eq!(p.suppressed(), 2);
        // months outside the period are not counted
        let q = params(8, "2024-02", "2024-02").query().unwrap();
        let p = publication(&t, &q).unwrap();
        assert_eq!(p.cells.len(), 1);
        assert_eq!(p.values[0].value, Disclosed::Suppressed);
    }

    #[test]
    fn a_month_the_data_do_not_hold_is_refused() {
        let a = cell(-1.55, 53.80);
        let t = table(&[(a, "2024-01", 1), (a, "2024-03", 1)]);
        let q = params(8, "2023-12", "2024-03").query().unwrap();
        let e = publication(&t, &q).unwrap_err();
        assert_eq!(
            e,
            PublishError::Gaps(vec!["2023-12".parse().unwrap(), "2024-02".parse().unwrap()])
        );
        assert!(e.to_string().contains("2023-12, 2024-02"));
    }
}
