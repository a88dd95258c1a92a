//! A hotspot query spelled as text parameters — the same names and rules for the CLI's
//! flags and the server's query string, so both accept and refuse the same things.

use thiserror::Error;

use crate::backtest::{BacktestQuery, Method};
use crate::emerging::EmergingQuery;
use crate::evaluate::EvaluateQuery;
use crate::filter::{Filter, Period};
use crate::hotspots::{HotspotQuery, Limit, Measure, RankBy, StudyRegion};
use crate::kde::KdeQuery;
use crate::plan::Budget;
use crate::query_types::{Alpha, K};
use crate::query_types::{Bandwidth, Folds, SliceMonths, TimeLag, WindowMonths};
use crate::space_time::SpaceTimeQuery;
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

/// The resolution a query runs at when `res` is not given.
pub const DEFAULT_RES: u8 = 9;

/// A hotspot query's filters and statistics settings as text parameters: the one
/// definition both front ends come from. With feature `clap` it is the CLI's flags
/// (`#[command(flatten)]`), with `serde` and `openapi` the server's query string and its
/// OpenAPI parameters; names, defaults and rules are these. A field's doc comment is
/// the CLI's `--help` line and the parameter's OpenAPI description.
///
/// Nothing is checked here: [`QueryParams::query`] checks every value, naming the
/// parameter, so the CLI and the server accept and refuse the same things.
///
/// What the front ends genuinely do differently stays at their edge: the ranking order
/// and how many cells (each CLI command has its own `--rank-by` default and `--top` /
/// `--all`; the server's routes share `rank_by`, and `top`/`all` are the hotspot
/// route's), the CLI's `--domestic` / `--non-domestic` flags for [`Self::domestic`],
/// and list values (the CLI splits `--days` at commas; the query string may also repeat
/// a key, and the server's own reader refuses unknown or repeated names).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct QueryParams {
    /// H3 resolution, 5–12 (9 ≈ 0.105 km² per cell, 10 ≈ 0.015 km²).
    // Absent: DEFAULT_RES, except that the server's tiles follow the zoom (so the OpenAPI
    // document states no default; the tile route says so). The CLI
    // always passes one (its default is DEFAULT_RES; a test holds the two together).
    #[cfg_attr(feature = "clap", arg(long, default_value = "9"))]
    #[cfg_attr(feature = "openapi", param(minimum = 5, maximum = 12))]
    pub res: Option<u8>,
    /// Neighbourhood: the k-ring around each cell, the cell itself included.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = K::default().get()))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10, default = 1))]
    pub k: u32,
    /// Keep only this crime type (repeat for several); case-insensitive.
    #[cfg_attr(feature = "clap", arg(long, value_name = "TYPE"))]
    pub crime_type: Vec<String>,
    /// Keep only this offence or offence code (repeat for several).
    #[cfg_attr(feature = "clap", arg(long, value_name = "OFFENCE"))]
    pub offence: Vec<String>,
    /// First month or day: YYYY-MM or YYYY-MM-DD.
    #[cfg_attr(feature = "clap", arg(long))]
    pub from: Option<String>,
    /// Last month or day (inclusive): YYYY-MM or YYYY-MM-DD.
    #[cfg_attr(feature = "clap", arg(long))]
    pub to: Option<String>,
    /// Days of the week the time window starts on, e.g. fri,sat.
    // Each value may itself be a comma list; the query string may also repeat `days`.
    #[cfg_attr(feature = "clap", arg(long, value_delimiter = ','))]
    pub days: Vec<String>,
    /// Hours START-END (END exclusive; may cross midnight), e.g. 20-04.
    #[cfg_attr(feature = "clap", arg(long))]
    pub hours: Option<String>,
    /// Keep only knife-enabled incidents.
    #[cfg_attr(feature = "clap", arg(long))]
    pub knife: bool,
    /// `true`: only domestic incidents; `false`: only non-domestic.
    // The CLI spells this as two flags, `--domestic` and `--non-domestic` (its edge).
    #[cfg_attr(feature = "clap", arg(skip))]
    pub domestic: Option<bool>,
    /// Keep only incidents with a victim under 25.
    #[cfg_attr(feature = "clap", arg(long))]
    pub under_25: bool,
    /// Keep only incidents inside west,south,east,north (degrees).
    #[cfg_attr(feature = "clap", arg(long, allow_hyphen_values = true))]
    pub bbox: Option<String>,
    /// The value Gi* is computed on.
    #[cfg_attr(feature = "clap", arg(long, default_value = "count",
        value_parser = clap::builder::TypedValueParser::try_map(
            clap::builder::PossibleValuesParser::new(["count", "harm"]),
            |s| s.parse::<Measure>()
        )))]
    #[cfg_attr(feature = "openapi", param(default = "count"))]
    pub measure: Measure,
    /// False discovery rate for Benjamini–Hochberg.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = Alpha::default().get()))]
    #[cfg_attr(feature = "openapi", param(default = 0.05))]
    pub alpha: f64,
}

impl Default for QueryParams {
    /// No filters, [`DEFAULT_RES`] (given as `None`), `k` 1, count, α 0.05.
    fn default() -> Self {
        Self {
            res: None,
            k: K::default().get(),
            crime_type: Vec::new(),
            offence: Vec::new(),
            from: None,
            to: None,
            days: Vec::new(),
            hours: None,
            knife: false,
            domestic: None,
            under_25: false,
            bbox: None,
            measure: Measure::Count,
            alpha: Alpha::default().get(),
        }
    }
}

impl QueryParams {
    /// The resolution, checked ([`DEFAULT_RES`] when none is given).
    ///
    /// # Errors
    /// When it is outside 5–12.
    pub fn resolution(&self) -> Result<Resolution, ParamError> {
        Resolution::try_from(self.res.unwrap_or(DEFAULT_RES)).map_err(|e| ParamError::new("res", e))
    }

    /// The engine query, ranked by `rank_by` and cut at `limit` (the front ends' own
    /// parameters). An open side of the period is closed at the data's first or last
    /// month (`data_months`), so outputs state real dates.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name (`top` for `Limit::Top(0)`).
    pub fn query(
        &self,
        region: StudyRegion,
        rank_by: RankBy,
        limit: Limit,
        data_months: Option<(YearMonth, YearMonth)>,
    ) -> Result<HotspotQuery, ParamError> {
        let resolution = self.resolution()?;
        let k = K::new(self.k).map_err(|e| ParamError::new("k", e))?;
        let alpha = Alpha::new(self.alpha).map_err(|e| ParamError::new("alpha", e))?;
        if limit == Limit::Top(0) {
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
            crime_types: self.crime_type.clone(),
            offences: self.offence.clone(),
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
            k,
            measure: self.measure,
            region,
            alpha,
            rank_by,
            limit,
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

/// An emerging hot spot query's own parameters, beside [`QueryParams`] (the same
/// definition for the CLI's flags and the server's query string).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct EmergingParams {
    /// Months per slice; the period must be a whole number of slices (at least 4).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = SliceMonths::default().get()))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 12, default = 1))]
    pub slice_months: u32,
    /// Time lag L: a bin's neighbours are in its own slice and the L slices before it.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = TimeLag::default().get()))]
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 12, default = 1))]
    pub time_lag: u32,
    /// Mann-Kendall level for a cell's trend (up, down or none).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = Alpha::default().get()))]
    #[cfg_attr(feature = "openapi", param(default = 0.05))]
    pub trend_alpha: f64,
}

impl Default for EmergingParams {
    /// 1-month slices, lag 1, trend α 0.05.
    fn default() -> Self {
        Self {
            slice_months: SliceMonths::default().get(),
            time_lag: TimeLag::default().get(),
            trend_alpha: Alpha::default().get(),
        }
    }
}

impl EmergingParams {
    /// The engine query from the shared parameters (whose `from` and `to` are required:
    /// the period is the cube's) and these.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name.
    pub fn query(
        &self,
        params: &QueryParams,
        region: StudyRegion,
    ) -> Result<EmergingQuery, ParamError> {
        for (name, v) in [("from", &params.from), ("to", &params.to)] {
            if v.is_none() {
                return Err(ParamError::new(
                    name,
                    "emerging hot spots need a period: give from and to as YYYY-MM",
                ));
            }
        }
        let slice_months =
            SliceMonths::new(self.slice_months).map_err(|e| ParamError::new("slice_months", e))?;
        let time_lag = TimeLag::new(self.time_lag).map_err(|e| ParamError::new("time_lag", e))?;
        let trend_alpha =
            Alpha::new(self.trend_alpha).map_err(|e| ParamError::new("trend_alpha", e))?;
        let q = params.query(region, RankBy::Z, Limit::All, None)?;
        Ok(EmergingQuery {
            cube: SpaceTimeQuery::from_hotspot(q, slice_months, time_lag),
            trend_alpha,
        })
    }
}

/// A kernel density query's own parameters, beside [`QueryParams`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct KdeParams {
    /// Bandwidth h of the quartic kernel, in metres (more than 0, at most 20,000).
    #[cfg_attr(feature = "clap", arg(long = "bandwidth-m", value_name = "METRES"))]
    pub bandwidth_m: f64,
}

impl KdeParams {
    /// The engine query from the shared parameters and these; `cells` are the cells to
    /// evaluate (`None`: every cell whose centre lies within h of an incident). The
    /// shared `k` and `alpha` do not apply; `measure` chooses the weight.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name.
    pub fn query(
        &self,
        params: &QueryParams,
        cells: Option<Vec<h3o::CellIndex>>,
        data_months: Option<(YearMonth, YearMonth)>,
    ) -> Result<KdeQuery, ParamError> {
        let bandwidth =
            Bandwidth::new(self.bandwidth_m).map_err(|e| ParamError::new("bandwidth_m", e))?;
        let q = params.query(
            StudyRegion::OccupiedWithRings,
            RankBy::Z,
            Limit::All,
            data_months,
        )?;
        Ok(KdeQuery {
            filter: q.filter,
            resolution: q.resolution,
            bandwidth,
            measure: q.measure,
            cells,
        })
    }
}

/// The KDE bandwidth a backtest uses when none is given, in metres.
pub const DEFAULT_BACKTEST_BANDWIDTH_M: f64 = 400.0;

/// A backtest's own parameters, beside [`QueryParams`] (whose `to` is the last test
/// month, and whose `from` is not used: each fold sets its own period).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct BacktestParams {
    /// A way of ranking cells: count, harm, gistar or kde (repeat for several; default all four).
    #[cfg_attr(feature = "clap", arg(long, value_name = "METHOD",
        value_parser = clap::builder::TypedValueParser::try_map(
            clap::builder::PossibleValuesParser::new(["count", "harm", "gistar", "kde"]),
            |s| s.parse::<Method>()
        )))]
    pub method: Vec<Method>,
    /// L: months of history each fold ranks cells from.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 12))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 120, default = 12))]
    pub train_months: u32,
    /// M: months each fold tests on (and the shift between folds).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 120, default = 1))]
    pub test_months: u32,
    /// How many rolling-origin folds.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 6))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 60, default = 6))]
    pub folds: u32,
    /// Budget: this many cells per method (default 20, unless area_km2 is given).
    #[cfg_attr(feature = "clap", arg(long, conflicts_with = "area_km2"))]
    pub cells: Option<usize>,
    /// Budget: at most this area per method, in km².
    #[cfg_attr(feature = "clap", arg(long = "area-km2"))]
    pub area_km2: Option<f64>,
    /// KDE bandwidth h in metres.
    #[cfg_attr(feature = "clap", arg(long = "bandwidth-m", value_name = "METRES", default_value_t = DEFAULT_BACKTEST_BANDWIDTH_M))]
    #[cfg_attr(feature = "openapi", param(default = 400.0))]
    pub bandwidth_m: f64,
    /// The curves run over the top 1 … this many cells.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 50))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000, default = 50))]
    pub curve_cells: usize,
}

impl Default for BacktestParams {
    /// Every method, 12 months of history, 1-month tests, 6 folds, 20 cells, h 400 m,
    /// curves to 50 cells.
    fn default() -> Self {
        Self {
            method: Vec::new(),
            train_months: 12,
            test_months: 1,
            folds: 6,
            cells: None,
            area_km2: None,
            bandwidth_m: DEFAULT_BACKTEST_BANDWIDTH_M,
            curve_cells: 50,
        }
    }
}

/// The most cells a backtest's curves run over.
pub const MAX_CURVE_CELLS: usize = 1000;

impl BacktestParams {
    /// The engine query from the shared parameters and these. The last test month is
    /// the shared `to` (YYYY-MM), else the data's last month (`data_months`).
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name.
    pub fn query(
        &self,
        params: &QueryParams,
        data_months: Option<(YearMonth, YearMonth)>,
    ) -> Result<BacktestQuery, ParamError> {
        if params.from.is_some() {
            return Err(ParamError::new(
                "from",
                "a backtest sets each fold's months itself: give to (the last test month), train_months, test_months and folds",
            ));
        }
        let train_months =
            WindowMonths::new(self.train_months).map_err(|e| ParamError::new("train_months", e))?;
        let test_months =
            WindowMonths::new(self.test_months).map_err(|e| ParamError::new("test_months", e))?;
        let folds = Folds::new(self.folds).map_err(|e| ParamError::new("folds", e))?;
        let budget = match (self.cells, self.area_km2) {
            (Some(_), Some(_)) => {
                return Err(ParamError::new("cells", "give cells or area_km2, not both"));
            }
            (Some(0), None) => return Err(ParamError::new("cells", "must be at least 1")),
            (Some(n), None) => Budget::Cells(n),
            (None, Some(a)) if a > 0.0 && a.is_finite() => Budget::AreaKm2(a),
            (None, Some(a)) => {
                return Err(ParamError::new(
                    "area_km2",
                    format!(
                        "must be a positive number of km², got {}",
                        crate::query_types::short_number(a)
                    ),
                ));
            }
            (None, None) => Budget::Cells(20),
        };
        let bandwidth =
            Bandwidth::new(self.bandwidth_m).map_err(|e| ParamError::new("bandwidth_m", e))?;
        if self.curve_cells == 0 || self.curve_cells > MAX_CURVE_CELLS {
            return Err(ParamError::new(
                "curve_cells",
                format!(
                    "must be between 1 and {MAX_CURVE_CELLS}, got {}",
                    self.curve_cells
                ),
            ));
        }
        let to = match params.to.as_deref().map(str::trim) {
            Some(s) if s.len() == 7 => s
                .parse::<YearMonth>()
                .map_err(|e| ParamError::new("to", e))?,
            Some(s) => {
                return Err(ParamError::new(
                    "to",
                    format!("{s:?} is not a month: a backtest's last test month is YYYY-MM"),
                ));
            }
            None => match data_months {
                Some((_, last)) => last,
                // checked again once the data are loaded
                None => YearMonth::new(2000, 1).expect("a valid month"),
            },
        };
        let shared = QueryParams {
            to: None,
            ..params.clone()
        };
        let q = shared.query(StudyRegion::OccupiedWithRings, RankBy::Z, Limit::All, None)?;
        let mut methods = if self.method.is_empty() {
            Method::ALL.to_vec()
        } else {
            self.method.clone()
        };
        let mut seen = Vec::new();
        methods.retain(|m| {
            let first = !seen.contains(m);
            seen.push(*m);
            first
        });
        Ok(BacktestQuery {
            filter: q.filter,
            resolution: q.resolution,
            k: q.k,
            measure: q.measure,
            methods,
            train_months,
            test_months,
            folds,
            to,
            budget,
            bandwidth,
            curve_cells: self.curve_cells,
        })
    }
}

/// An evaluation's own parameters, beside [`QueryParams`] (whose `from` and `to` are
/// not used: `before` and `after` are). The treated and control cells may also come
/// from files at the CLI's edge.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct EvaluateParams {
    /// The period before: FROM..TO, each YYYY-MM or YYYY-MM-DD (inclusive).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FROM..TO"))]
    pub before: String,
    /// The period after: FROM..TO.
    #[cfg_attr(feature = "clap", arg(long, value_name = "FROM..TO"))]
    pub after: String,
    /// Treated cells (H3 indexes at res; comma separated or repeated).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "CELL", value_delimiter = ',')
    )]
    pub treated_cells: Vec<String>,
    /// Control cells (default: the rest of the study region outside the treated area and its ring).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "CELL", value_delimiter = ',')
    )]
    pub control_cells: Vec<String>,
    /// The displacement ring: cells whose centres lie within this many metres of a treated cell's (default: the k-ring).
    #[cfg_attr(feature = "clap", arg(long = "displacement-m", value_name = "METRES"))]
    pub displacement_m: Option<f64>,
    /// Do not divide each area's counts by its size relative to the treated area.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_area_weights: bool,
    /// Also test each crime type apart, with their harm-weighted total (weights from the harm table).
    #[cfg_attr(feature = "clap", arg(long))]
    pub by_crime_type: bool,
}

fn range(param: &'static str, s: &str) -> Result<Period, ParamError> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        ParamError::new(
            param,
            format!("{s:?} is not FROM..TO, e.g. 2022-01..2022-06"),
        )
    })?;
    let from = bound(param, Some(a), false)?.expect("given");
    let to = bound(param, Some(b), true)?.expect("given");
    Period::new(from, to).map_err(|e| ParamError::new(param, e))
}

fn parse_cells(param: &'static str, cells: &[String]) -> Result<Vec<h3o::CellIndex>, ParamError> {
    cells
        .iter()
        .flat_map(|c| c.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<h3o::CellIndex>()
                .map_err(|_| ParamError::new(param, format!("{c:?} is not an H3 cell")))
        })
        .collect()
}

impl EvaluateParams {
    /// The engine query from the shared parameters and these; `treated` and `control`
    /// add cells read elsewhere (files) to those given here.
    ///
    /// # Errors
    /// The first parameter that cannot be used, by name.
    pub fn query(
        &self,
        params: &QueryParams,
        treated: &[h3o::CellIndex],
        control: Option<&[h3o::CellIndex]>,
    ) -> Result<EvaluateQuery, ParamError> {
        for (name, v) in [("from", &params.from), ("to", &params.to)] {
            if v.is_some() {
                return Err(ParamError::new(
                    name,
                    "an evaluation's periods are before and after (FROM..TO each)",
                ));
            }
        }
        let before = range("before", &self.before)?;
        let after = range("after", &self.after)?;
        if before.to() >= after.from() {
            return Err(ParamError::new(
                "after",
                "the after period must start after the before period ends",
            ));
        }
        let mut t = parse_cells("treated_cells", &self.treated_cells)?;
        t.extend_from_slice(treated);
        if t.is_empty() {
            return Err(ParamError::new(
                "treated_cells",
                "give the treated area's cells",
            ));
        }
        let mut c = parse_cells("control_cells", &self.control_cells)?;
        if let Some(more) = control {
            c.extend_from_slice(more);
        }
        let given_control = !c.is_empty() || control.is_some();
        if let Some(b) = self.displacement_m
            && !(b.is_finite() && (0.0..=crate::evaluate::MAX_DISPLACEMENT_M).contains(&b))
        {
            return Err(ParamError::new(
                "displacement_m",
                format!(
                    "must be 0 to 5000 metres, got {}",
                    crate::query_types::short_number(b)
                ),
            ));
        }
        let q = params.query(StudyRegion::OccupiedWithRings, RankBy::Z, Limit::All, None)?;
        if let Some(cell) = t
            .iter()
            .chain(&c)
            .find(|x| x.resolution() != q.resolution.h3())
        {
            return Err(ParamError::new(
                if t.contains(cell) {
                    "treated_cells"
                } else {
                    "control_cells"
                },
                format!(
                    "cell {cell} is at resolution {}, the evaluation at {} (give res)",
                    u8::from(cell.resolution()),
                    q.resolution
                ),
            ));
        }
        Ok(EvaluateQuery {
            filter: q.filter,
            resolution: q.resolution,
            k: q.k,
            treated: t,
            control: given_control.then_some(c),
            displacement_m: self.displacement_m,
            before,
            after,
            area_weights: !self.no_area_weights,
            by_crime_type: self.by_crime_type,
        })
    }
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
        q_limit(p, Limit::Top(20))
    }

    fn q_limit(p: &QueryParams, limit: Limit) -> Result<HotspotQuery, ParamError> {
        let data = Some(("2024-01".parse().unwrap(), "2024-12".parse().unwrap()));
        p.query(StudyRegion::OccupiedWithRings, RankBy::Z, limit, data)
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
                    res: Some(13),
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
        let e = q_limit(&QueryParams::default(), Limit::Top(0)).unwrap_err();
        assert_eq!(e.to_string(), "top: must be at least 1");
        let e = q(&QueryParams {
            k: 0,
            ..QueryParams::default()
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "k: must be between 1 and 10, got 0");
        let e = q(&QueryParams {
            alpha: 2.0,
            ..QueryParams::default()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "alpha: must be between 0 and 1 (exclusive), got 2"
        );
    }

    #[test]
    fn emerging_and_kde_parameters_are_checked_by_name() {
        let base = QueryParams {
            from: Some("2024-01".into()),
            to: Some("2024-12".into()),
            ..QueryParams::default()
        };
        let e = EmergingParams::default();
        let q = e.query(&base, StudyRegion::OccupiedWithRings).unwrap();
        assert_eq!(q.cube.slice_months.get(), 1);
        assert_eq!(q.cube.time_lag.get(), 1);
        assert_eq!(q.cube.filter.period.unwrap().to().to_string(), "2024-12-31");
        let bad = [
            (
                EmergingParams {
                    slice_months: 0,
                    ..e.clone()
                },
                "slice_months",
            ),
            (
                EmergingParams {
                    time_lag: 13,
                    ..e.clone()
                },
                "time_lag",
            ),
            (
                EmergingParams {
                    trend_alpha: 0.0,
                    ..e.clone()
                },
                "trend_alpha",
            ),
        ];
        for (p, name) in bad {
            assert_eq!(
                p.query(&base, StudyRegion::OccupiedWithRings)
                    .unwrap_err()
                    .param,
                name
            );
        }
        let open = QueryParams {
            to: None,
            ..base.clone()
        };
        let err = e.query(&open, StudyRegion::OccupiedWithRings).unwrap_err();
        assert_eq!(err.param, "to");
        let k = KdeParams { bandwidth_m: 400.0 }
            .query(&base, None, None)
            .unwrap();
        assert_eq!(k.bandwidth.metres(), 400.0);
        for h in [0.0, -1.0, f64::NAN, 20_001.0] {
            let err = KdeParams { bandwidth_m: h }
                .query(&base, None, None)
                .unwrap_err();
            assert_eq!(err.param, "bandwidth_m");
        }
    }

    #[test]
    fn backtest_and_evaluate_parameters_are_checked_by_name() {
        let base = QueryParams {
            to: Some("2022-10".into()),
            ..QueryParams::default()
        };
        let b = BacktestParams::default();
        let q = b.query(&base, None).unwrap();
        assert_eq!(q.methods, Method::ALL);
        assert_eq!(q.budget, Budget::Cells(20));
        assert_eq!(q.to.to_string(), "2022-10");
        assert_eq!(q.filter.period, None);
        let open = QueryParams::default();
        let last = Some(("2020-01".parse().unwrap(), "2021-06".parse().unwrap()));
        assert_eq!(b.query(&open, last).unwrap().to.to_string(), "2021-06");
        let bad = [
            (
                BacktestParams {
                    folds: 0,
                    ..b.clone()
                },
                "folds",
            ),
            (
                BacktestParams {
                    train_months: 0,
                    ..b.clone()
                },
                "train_months",
            ),
            (
                BacktestParams {
                    test_months: 121,
                    ..b.clone()
                },
                "test_months",
            ),
            (
                BacktestParams {
                    cells: Some(0),
                    ..b.clone()
                },
                "cells",
            ),
            (
                BacktestParams {
                    area_km2: Some(-1.0),
                    ..b.clone()
                },
                "area_km2",
            ),
            (
                BacktestParams {
                    bandwidth_m: 0.0,
                    ..b.clone()
                },
                "bandwidth_m",
            ),
            (
                BacktestParams {
                    curve_cells: 0,
                    ..b.clone()
                },
                "curve_cells",
            ),
        ];
        for (p, name) in bad {
            assert_eq!(p.query(&base, None).unwrap_err().param, name);
        }
        let from = QueryParams {
            from: Some("2022-01".into()),
            ..base.clone()
        };
        assert_eq!(b.query(&from, None).unwrap_err().param, "from");
        let day = QueryParams {
            to: Some("2022-10-03".into()),
            ..QueryParams::default()
        };
        assert_eq!(b.query(&day, None).unwrap_err().param, "to");

        let cell = "89195cb665bffff".to_owned();
        let e = EvaluateParams {
            before: "2022-01..2022-03".into(),
            after: "2022-04..2022-06-30".into(),
            treated_cells: vec![cell.clone()],
            ..EvaluateParams::default()
        };
        let q = e.query(&QueryParams::default(), &[], None).unwrap();
        assert_eq!(q.before.to().to_string(), "2022-03-31");
        assert_eq!(q.after.to().to_string(), "2022-06-30");
        assert_eq!(q.control, None);
        assert!(q.area_weights);
        let bad = [
            (
                EvaluateParams {
                    before: "2022-01".into(),
                    ..e.clone()
                },
                "before",
            ),
            (
                EvaluateParams {
                    after: "2022-02..2022-03".into(),
                    ..e.clone()
                },
                "after",
            ),
            (
                EvaluateParams {
                    treated_cells: vec![],
                    ..e.clone()
                },
                "treated_cells",
            ),
            (
                EvaluateParams {
                    treated_cells: vec!["x".into()],
                    ..e.clone()
                },
                "treated_cells",
            ),
            (
                EvaluateParams {
                    control_cells: vec!["8819434db3fffff".into()],
                    ..e.clone()
                },
                "control_cells",
            ),
            (
                EvaluateParams {
                    displacement_m: Some(f64::NAN),
                    ..e.clone()
                },
                "displacement_m",
            ),
        ];
        for (p, name) in bad {
            assert_eq!(
                p.query(&QueryParams::default(), &[], None)
                    .unwrap_err()
                    .param,
                name
            );
        }
        assert_eq!(e.query(&base, &[], None).unwrap_err().param, "to");
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

    /// The CLI's flag defaults are the struct's defaults (the resolution given).
    #[cfg(feature = "clap")]
    #[test]
    fn clap_defaults_are_the_defaults() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            p: QueryParams,
        }
        let cli = Cli::try_parse_from(["hexspot"]).unwrap();
        let want = QueryParams {
            res: Some(DEFAULT_RES),
            ..QueryParams::default()
        };
        assert_eq!(cli.p, want);
        let cli = Cli::try_parse_from([
            "hexspot",
            "--days",
            "fri,sat",
            "--bbox",
            "-1.6,53.7,-1.5,53.8",
        ])
        .unwrap();
        assert_eq!(cli.p.days, ["fri", "sat"]);
        assert_eq!(cli.p.bbox.as_deref(), Some("-1.6,53.7,-1.5,53.8"));
    }

    /// The query string's defaults are the struct's defaults.
    #[cfg(feature = "serde")]
    #[test]
    fn serde_defaults_are_the_defaults() {
        use serde::Deserialize as _;
        use serde::de::value::{Error, MapDeserializer};
        let none = MapDeserializer::<_, Error>::new(std::iter::empty::<(&str, &str)>());
        assert_eq!(
            QueryParams::deserialize(none).unwrap(),
            QueryParams::default()
        );
    }
}
