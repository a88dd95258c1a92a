//! A hotspot query spelled as text parameters — the same names and rules for the CLI's
//! flags and the server's query string, so both accept and refuse the same things.

use thiserror::Error;

use crate::filter::{Filter, Period};
use crate::hotspots::{HotspotQuery, Limit, MAX_K, Measure, RankBy, StudyRegion};
use crate::types::{BBox, Day, FlagKind, Resolution, Weekday, WeeklyWindow, YearMonth};

/// A parameter that cannot be used, named as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{param}: {message}")]
pub struct ParamError {
    /// The parameter's name (`from`, `res`, `hours`, …).
    pub param: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ParamError {
    /// An error for `param`.
    pub fn new(param: &'static str, message: impl std::fmt::Display) -> Self {
        Self {
            param,
            message: message.to_string(),
        }
    }
}

/// A hotspot query as text parameters. Defaults match the CLI's.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryParams {
    /// H3 resolution (5–12).
    pub res: u8,
    /// k-ring size.
    pub k: u32,
    /// Crime types to keep.
    pub crime_types: Vec<String>,
    /// Offences to keep.
    pub offences: Vec<String>,
    /// First month or day, `YYYY-MM` or `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last month or day (inclusive).
    pub to: Option<String>,
    /// Days the time window starts on (`mon` … `sun`; each may be a comma list).
    pub days: Vec<String>,
    /// Hours `START-END`, END exclusive, may cross midnight.
    pub hours: Option<String>,
    /// Keep only knife-enabled incidents.
    pub knife: bool,
    /// Keep only domestic (`Some(true)`) or non-domestic (`Some(false)`) incidents.
    pub domestic: Option<bool>,
    /// Keep only incidents with a victim under 25.
    pub under_25: bool,
    /// `west,south,east,north`.
    pub bbox: Option<String>,
    /// What Gi* is computed on.
    pub measure: Measure,
    /// Ranking order.
    pub rank_by: RankBy,
    /// How many cells.
    pub limit: Limit,
    /// FDR level.
    pub alpha: f64,
}

impl Default for QueryParams {
    fn default() -> Self {
        Self {
            res: 9,
            k: 1,
            crime_types: Vec::new(),
            offences: Vec::new(),
            from: None,
            to: None,
            days: Vec::new(),
            hours: None,
            knife: false,
            domestic: None,
            under_25: false,
            bbox: None,
            measure: Measure::Count,
            rank_by: RankBy::Z,
            limit: Limit::Top(20),
            alpha: 0.05,
        }
    }
}

impl QueryParams {
    /// The resolution, checked.
    ///
    /// # Errors
    /// When it is outside 5–12.
    pub fn resolution(&self) -> Result<Resolution, ParamError> {
        Resolution::try_from(self.res).map_err(|e| ParamError::new("res", e))
    }

    /// The engine query. An open side of the period is closed at the data's first or
    /// last month (`data_months`), so outputs state real dates.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name.
    pub fn query(
        &self,
        region: StudyRegion,
        data_months: Option<(YearMonth, YearMonth)>,
    ) -> Result<HotspotQuery, ParamError> {
        let resolution = self.resolution()?;
        if self.k == 0 || self.k > MAX_K {
            return Err(ParamError::new(
                "k",
                format!("must be between 1 and {MAX_K}, got {}", self.k),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(ParamError::new(
                "alpha",
                format!("must be between 0 and 1 (exclusive), got {}", self.alpha),
            ));
        }
        if self.limit == Limit::Top(0) {
            return Err(ParamError::new("top", "must be at least 1"));
        }
        let mut flags = Vec::new();
        if self.knife {
            flags.push((FlagKind::Knife, true));
        }
        if let Some(d) = self.domestic {
            flags.push((FlagKind::Domestic, d));
        }
        if self.under_25 {
            flags.push((FlagKind::VictimUnder25, true));
        }
        let filter = Filter {
            period: period(
                bound("from", self.from.as_deref(), false)?,
                bound("to", self.to.as_deref(), true)?,
                data_months,
            )?,
            crime_types: self.crime_types.clone(),
            offences: self.offences.clone(),
            flags,
            window: window(&self.days, self.hours.as_deref())?,
            bbox: self
                .bbox
                .as_deref()
                .map(str::parse::<BBox>)
                .transpose()
                .map_err(|e| ParamError::new("bbox", e))?,
        };
        Ok(HotspotQuery {
            filter,
            resolution,
            k: self.k,
            measure: self.measure,
            region,
            alpha: self.alpha,
            rank_by: self.rank_by,
            limit: self.limit,
            max_region_cells: usize::MAX,
        })
    }
}

/// `YYYY-MM` (the whole month: its first day as a start, its last as an end) or
/// `YYYY-MM-DD`.
fn bound(param: &'static str, s: Option<&str>, end: bool) -> Result<Option<Day>, ParamError> {
    let Some(s) = s else { return Ok(None) };
    let s = s.trim();
    let day = if s.len() == 7 {
        s.parse::<YearMonth>()
            .map(|m| if end { m.last_day() } else { m.first_day() })
            .map_err(|e| ParamError::new(param, e))?
    } else {
        s.parse::<Day>().map_err(|e| ParamError::new(param, e))?
    };
    Ok(Some(day))
}

fn period(
    from: Option<Day>,
    to: Option<Day>,
    data: Option<(YearMonth, YearMonth)>,
) -> Result<Option<Period>, ParamError> {
    let (f, t) = match (from, to, data) {
        (None, None, _) => return Ok(None),
        (f, t, Some((lo, hi))) => (
            f.unwrap_or_else(|| lo.first_day().min(t.unwrap_or(lo.first_day()))),
            t.unwrap_or_else(|| hi.last_day().max(f.unwrap_or(hi.last_day()))),
        ),
        (Some(f), t, None) => (f, t.unwrap_or(f)),
        (None, Some(t), None) => (t, t),
    };
    Period::new(f, t)
        .map(Some)
        .map_err(|e| ParamError::new("from", e))
}

fn window(days: &[String], hours: Option<&str>) -> Result<Option<WeeklyWindow>, ParamError> {
    if days.is_empty() && hours.is_none() {
        return Ok(None);
    }
    let days: Vec<Weekday> = if days.is_empty() {
        Weekday::ALL.to_vec()
    } else {
        days.iter()
            .flat_map(|d| d.split(','))
            .map(|d| d.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|e| ParamError::new("days", e))?
    };
    let (start, end) = match hours {
        None => (0, 24),
        Some(h) => {
            let bad = || ParamError::new("hours", format!("{h:?} is not START-END, e.g. 20-04"));
            let (a, b) = h.split_once('-').ok_or_else(bad)?;
            (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            )
        }
    };
    WeeklyWindow::from_days_hours(&days, start, end)
        .map(Some)
        .map_err(|e| ParamError::new(if hours.is_some() { "hours" } else { "days" }, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(p: &QueryParams) -> Result<HotspotQuery, ParamError> {
        let data = Some(("2024-01".parse().unwrap(), "2024-12".parse().unwrap()));
        p.query(StudyRegion::OccupiedWithRings, data)
    }

    #[test]
    fn defaults_build_the_cli_default_query() {
        let query = q(&QueryParams::default()).unwrap();
        assert_eq!(query, HotspotQuery::default());
    }

    #[test]
    fn months_expand_to_whole_months_and_open_sides_close_at_the_data() {
        let p = QueryParams {
            from: Some("2024-02".into()),
            ..QueryParams::default()
        };
        let period = q(&p).unwrap().filter.period.unwrap();
        assert_eq!(period.from().to_string(), "2024-02-01");
        assert_eq!(period.to().to_string(), "2024-12-31");
        let p = QueryParams {
            to: Some("2024-02".into()),
            ..QueryParams::default()
        };
        let period = q(&p).unwrap().filter.period.unwrap();
        assert_eq!(period.from().to_string(), "2024-01-01");
        assert_eq!(period.to().to_string(), "2024-02-29");
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let cases: Vec<(QueryParams, &str)> = vec![
            (
                QueryParams {
                    res: 13,
                    ..QueryParams::default()
                },
                "res",
            ),
            (
                QueryParams {
                    k: 0,
                    ..QueryParams::default()
                },
                "k",
            ),
            (
                QueryParams {
                    k: 11,
                    ..QueryParams::default()
                },
                "k",
            ),
            (
                QueryParams {
                    alpha: 1.0,
                    ..QueryParams::default()
                },
                "alpha",
            ),
            (
                QueryParams {
                    alpha: f64::NAN,
                    ..QueryParams::default()
                },
                "alpha",
            ),
            (
                QueryParams {
                    limit: Limit::Top(0),
                    ..QueryParams::default()
                },
                "top",
            ),
            (
                QueryParams {
                    from: Some("2024-13".into()),
                    ..QueryParams::default()
                },
                "from",
            ),
            (
                QueryParams {
                    to: Some("2024-02-30".into()),
                    ..QueryParams::default()
                },
                "to",
            ),
            (
                QueryParams {
                    from: Some("2024-05".into()),
                    to: Some("2024-04".into()),
                    ..QueryParams::default()
                },
                "from",
            ),
            (
                QueryParams {
                    days: vec!["fry".into()],
                    ..QueryParams::default()
                },
                "days",
            ),
            (
                QueryParams {
                    hours: Some("20".into()),
                    ..QueryParams::default()
                },
                "hours",
            ),
            (
                QueryParams {
                    hours: Some("20-20".into()),
                    ..QueryParams::default()
                },
                "hours",
            ),
            (
                QueryParams {
                    hours: Some("25-02".into()),
                    ..QueryParams::default()
                },
                "hours",
            ),
            (
                QueryParams {
                    bbox: Some("1,2,3".into()),
                    ..QueryParams::default()
                },
                "bbox",
            ),
        ];
        for (p, param) in cases {
            let e = q(&p).unwrap_err();
            assert_eq!(e.param, param, "{p:?} → {e}");
            assert!(e.to_string().starts_with(param));
        }
    }

    #[test]
    fn days_may_be_repeated_or_comma_separated() {
        let a = QueryParams {
            days: vec!["fri,sat".into()],
            hours: Some("20-04".into()),
            ..QueryParams::default()
        };
        let b = QueryParams {
            days: vec!["fri".into(), "sat".into()],
            ..a.clone()
        };
        let wa = q(&a).unwrap().filter.window.unwrap();
        assert_eq!(wa, q(&b).unwrap().filter.window.unwrap());
        assert_eq!(wa.hours(), 16);
        assert!(wa.contains(Weekday::Sun, 3));
    }
}
