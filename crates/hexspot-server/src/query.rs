//! Query strings: the CLI's hotspot parameters (the engine's `QueryParams`), parsed
//! strictly (an unknown or repeated single-valued parameter is an error, not silently
//! ignored), and each route's own parameters.

use std::sync::LazyLock;

use hexspot_engine::{
    BacktestParams, BacktestQuery, EmergingParams, EmergingQuery, EvaluateParams, EvaluateQuery,
    KdeParams, KdeQuery, Limit, QueryParams, RankBy,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::{IntoParams, ToSchema};

use hexspot_data::Snapshot;
use hexspot_engine::{HotspotQuery, StudyRegion};

use crate::error::ApiError;
use crate::http::{GEOJSON, IMMUTABLE, REVALIDATE};
use crate::state::AppState;

/// The hotspot filters and statistics settings: the engine's [`QueryParams`] — the one
/// definition the CLI's flags come from too — and the ranking order.
///
/// Read with [`FilterParams::parse`]: the two parts are read from the query string one
/// after the other (serde's `flatten` would hand `serde_html_form`'s values over as
/// strings, and numbers would no longer parse).
#[derive(Debug, Clone, Default)]
pub struct FilterParams {
    /// The filters and settings the CLI shares.
    pub query: QueryParams,
    /// The ranking order, when given.
    pub rank_by: Option<RankBy>,
}

/// `rank_by`, which every route with the hotspot filters takes. Kept at this edge, not in
/// [`QueryParams`]: the CLI's commands each give it their own default (`hotspots` z,
/// `plan` harm, `areas` none), while here a route may only change the default (plan).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RankParams {
    /// Ranking order (default `z`).
    rank_by: Option<RankBy>,
}

impl IntoParams for FilterParams {
    fn into_params(
        parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        let mut params = QueryParams::into_params(&parameter_in_provider);
        params.extend(RankParams::into_params(&parameter_in_provider));
        params
    }
}

impl FilterParams {
    /// Names accepted by [`FilterParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<FilterParams>);
        &NAMES
    }

    /// A tile's filters: without `res`, the resolution the tile's zoom draws.
    pub fn with_zoom_res(mut self, z: u8) -> Self {
        if self.query.res.is_none() {
            self.query.res = Some(crate::tiles::resolution_for_zoom(z).get());
        }
        self
    }

    /// Reads the filters from a query string, as [`parse`] does (`known`: every name
    /// the route takes).
    ///
    /// # Errors
    /// As [`parse`].
    pub fn parse(raw: Option<&str>, known: &[&[String]]) -> Result<Self, ApiError> {
        Ok(Self {
            query: parse(raw, known)?,
            rank_by: parse::<RankParams>(raw, known)?.rank_by,
        })
    }
}

/// Output format of `/api/v1/hotspots`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatParam {
    /// RFC 7946 GeoJSON with the `hexspot` member.
    #[default]
    Geojson,
    /// CSV, one row per cell.
    Csv,
}

impl FormatParam {
    /// The export crate's format.
    pub fn file(self) -> hexspot_export::Format {
        match self {
            Self::Geojson => hexspot_export::Format::Geojson,
            Self::Csv => hexspot_export::Format::Csv,
        }
    }

    /// The content type, and the file name `stem` with this format's extension.
    pub fn content_type_and_file(self, stem: &str) -> (&'static str, String) {
        match self {
            Self::Geojson => (GEOJSON, format!("{stem}.geojson")),
            Self::Csv => ("text/csv; charset=utf-8", format!("{stem}.csv")),
        }
    }
}

/// `/api/v1/hotspots` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotspotsParams {
    /// How many cells to list (default 20).
    #[param(minimum = 1)]
    pub top: Option<usize>,
    /// `true`: every cell of the study region, zero-count ones included.
    pub all: Option<bool>,
    /// `geojson` (default) or `csv`.
    pub format: Option<FormatParam>,
}

impl HotspotsParams {
    /// Names accepted by [`HotspotsParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<HotspotsParams>);
        &NAMES
    }

    /// The limit asked for.
    pub fn limit(&self) -> Result<Limit, ApiError> {
        match (self.all, self.top) {
            (Some(true), Some(_)) => Err(ApiError::bad_parameter(
                "top and all=true cannot be used together",
            )),
            (Some(true), None) => Ok(Limit::All),
            (_, top) => Ok(Limit::Top(top.unwrap_or(20))),
        }
    }
}

/// `format` alone: the analyses that answer every cell of their region as a file.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileParams {
    /// `geojson` (default) or `csv`.
    pub format: Option<FormatParam>,
}

impl FileParams {
    /// Names accepted by [`FileParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<FileParams>);
        &NAMES
    }
}

/// Names accepted by the engine's [`EmergingParams`].
pub fn emerging_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<EmergingParams>);
    &NAMES
}

/// Names accepted by the engine's [`KdeParams`].
pub fn kde_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<KdeParams>);
    &NAMES
}

/// Names accepted by the engine's [`BacktestParams`].
pub fn backtest_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<BacktestParams>);
    &NAMES
}

/// Names accepted by the engine's [`EvaluateParams`].
pub fn evaluate_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<EvaluateParams>);
    &NAMES
}

/// Output format of `/api/v1/backtest`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BacktestFormatParam {
    /// One JSON document: folds, means, curves, the recommendation and its caveats.
    #[default]
    Json,
    /// CSV, one row per fold and method, then one per method's means.
    Csv,
}

impl BacktestFormatParam {
    /// The export crate's format.
    pub fn file(self) -> hexspot_export::backtest::BacktestFormat {
        match self {
            Self::Json => hexspot_export::backtest::BacktestFormat::Json,
            Self::Csv => hexspot_export::backtest::BacktestFormat::Csv,
        }
    }

    /// The content type, and the file name `stem` with this format's extension.
    pub fn content_type_and_file(self, stem: &str) -> (&'static str, String) {
        match self {
            Self::Json => ("application/json", format!("{stem}.json")),
            Self::Csv => ("text/csv; charset=utf-8", format!("{stem}.csv")),
        }
    }
}

/// `format` of `/api/v1/backtest`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BacktestFileParams {
    /// `json` (default) or `csv`.
    pub format: Option<BacktestFormatParam>,
}

impl BacktestFileParams {
    /// Names accepted by [`BacktestFileParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<BacktestFileParams>);
        &NAMES
    }
}

/// `/api/v1/backtest/curves.png` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartParams {
    /// Image width in pixels, 400–4000 (default 1200).
    #[param(minimum = 400, maximum = 4000)]
    pub width: Option<u32>,
    /// Image height in pixels, 400–4000 (default 800).
    #[param(minimum = 400, maximum = 4000)]
    pub height: Option<u32>,
}

impl ChartParams {
    /// Names accepted by [`ChartParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<ChartParams>);
        &NAMES
    }
}

/// `/api/v1/trend` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendParams {
    /// An H3 cell of the series (repeat, or a comma list, for a patrol area); all of
    /// one resolution.
    #[serde(default)]
    pub cell: Vec<String>,
    /// Mann-Kendall level for the trend (default 0.05).
    pub trend_alpha: Option<f64>,
}

/// Most cells one series may be asked for.
pub const MAX_TREND_CELLS: usize = 10_000;

impl TrendParams {
    /// Names accepted by [`TrendParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<TrendParams>);
        &NAMES
    }

    /// The cells, checked.
    pub fn cells(&self) -> Result<Vec<h3o::CellIndex>, ApiError> {
        let cells: Vec<h3o::CellIndex> = self
            .cell
            .iter()
            .flat_map(|v| v.split(','))
            .map(|c| {
                c.trim().parse().map_err(|e| {
                    ApiError::bad_parameter(format!("cell: {c:?} is not an H3 cell ({e})"))
                })
            })
            .collect::<Result<_, _>>()?;
        if cells.is_empty() {
            return Err(ApiError::bad_parameter(
                "cell is required: an H3 cell (repeat for a patrol area)",
            ));
        }
        if cells.len() > MAX_TREND_CELLS {
            return Err(ApiError::too_much(format!(
                "{} cells were given (at most {MAX_TREND_CELLS})",
                cells.len()
            )));
        }
        Ok(cells)
    }

    /// The trend level, checked.
    pub fn alpha(&self) -> Result<hexspot_engine::Alpha, ApiError> {
        hexspot_engine::Alpha::new(self.trend_alpha.unwrap_or(0.05))
            .map_err(|e| ApiError::bad_parameter(format!("trend_alpha: {e}")))
    }
}

/// `/api/v1/plan` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// Budget: at most this many cells (give this or `area_km2`).
    #[param(minimum = 1)]
    pub cells: Option<usize>,
    /// Budget: at most this many km².
    pub area_km2: Option<f64>,
    /// Leave this H3 cell (at the plan's resolution) out of the plan, e.g. a custody
    /// suite or an A&E department (repeat for several).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `geojson` (default) or `csv`.
    pub format: Option<FormatParam>,
}

impl PlanParams {
    /// Names accepted by [`PlanParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<PlanParams>);
        &NAMES
    }

    /// The budget asked for.
    pub fn budget(&self) -> Result<hexspot_engine::Budget, ApiError> {
        use hexspot_engine::Budget;
        match (self.cells, self.area_km2) {
            (Some(_), Some(_)) => Err(ApiError::bad_parameter("give cells or area_km2, not both")),
            (Some(0), None) => Err(ApiError::bad_parameter("cells: must be at least 1")),
            (Some(n), None) => Ok(Budget::Cells(n)),
            (None, Some(a)) if a > 0.0 && a.is_finite() => Ok(Budget::AreaKm2(a)),
            (None, Some(a)) => Err(ApiError::bad_parameter(format!(
                "area_km2: must be a positive number, got {}",
                hexspot_engine::short_number(a)
            ))),
            (None, None) => Err(ApiError::bad_parameter(
                "a budget is needed: cells=N or area_km2=X",
            )),
        }
    }

    /// The excluded cells, checked.
    pub fn excluded(&self) -> Result<Vec<h3o::CellIndex>, ApiError> {
        self.exclude
            .iter()
            .flat_map(|v| v.split(','))
            .map(|c| {
                c.trim().parse().map_err(|e| {
                    ApiError::bad_parameter(format!("exclude: {c:?} is not an H3 cell ({e})"))
                })
            })
            .collect()
    }
}

/// `/api/v1/plan/briefing.png` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BriefingParams {
    /// Image width in pixels, 400–4000 (default 1600).
    #[param(minimum = 400, maximum = 4000)]
    pub width: Option<u32>,
    /// Image height in pixels, 400–4000 (default 1131: A4 landscape with the width).
    #[param(minimum = 400, maximum = 4000)]
    pub height: Option<u32>,
}

impl BriefingParams {
    /// Names accepted by [`BriefingParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<BriefingParams>);
        &NAMES
    }
}

/// Tiles only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TileParams {
    /// The data version the URL was made for (TileJSON adds it). When it matches the
    /// data served, the tile may be cached for a day; otherwise it must be revalidated.
    pub v: Option<String>,
}

impl TileParams {
    /// Names accepted by [`TileParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<TileParams>);
        &NAMES
    }

    /// The tile's caching rule: kept for a day when its URL names the data version
    /// served, else revalidated.
    pub fn cache_rule(&self, data_version: &str) -> &'static str {
        if self.v.as_deref() == Some(data_version) {
            IMMUTABLE
        } else {
            REVALIDATE
        }
    }
}

/// `POST /api/v1/imports`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The file's name, recorded with the import and used to tell CSV from GeoJSON
    /// (default `upload.csv`).
    pub name: Option<String>,
    /// `true`: refuse the whole file if any row is bad.
    pub strict: Option<bool>,
    /// The id of an import this file replaces (as `hexspot import --replace`): its rows
    /// go and the file's come in, in one transaction.
    pub replace: Option<u32>,
    /// Map a field to a column, `field=Column` (repeat), as `hexspot import --map`.
    #[serde(default)]
    pub map: Vec<String>,
}

impl ImportParams {
    /// Names accepted by [`ImportParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<ImportParams>);
        &NAMES
    }
}

/// The parameter names `T` documents in the OpenAPI description: the names it accepts,
/// derived so the two cannot drift apart.
fn names_of<T: IntoParams>() -> Vec<String> {
    T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Parameters that may be repeated (each occurrence adds a value).
const REPEATABLE: &[&str] = &[
    "crime_type",
    "offence",
    "days",
    "map",
    "exclude",
    "cell",
    "method",
    "treated_cells",
    "control_cells",
];

/// Parses a query string into `T`, refusing names outside `known` and values that do
/// not fit.
pub fn parse<T: DeserializeOwned>(raw: Option<&str>, known: &[&[String]]) -> Result<T, ApiError> {
    let raw = raw.unwrap_or("");
    let pairs: Vec<(String, String)> = serde_html_form::from_str(raw)
        .map_err(|e| ApiError::bad_parameter(format!("cannot read the query string: {e}")))?;
    for (name, _) in &pairs {
        if !known.iter().any(|k| k.contains(name)) {
            let all: Vec<&str> = known
                .iter()
                .flat_map(|k| k.iter().map(String::as_str))
                .collect();
            return Err(ApiError::bad_parameter(format!(
                "unknown parameter {name:?}; this route takes: {}",
                all.join(", ")
            )));
        }
    }
    if let Some((name, _)) = pairs.iter().find(|(_, v)| v.is_empty()) {
        return Err(ApiError::bad_parameter(format!(
            "{name} is empty: give it a value or leave it out"
        )));
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (name, _) in &pairs {
        *seen.entry(name.as_str()).or_default() += 1;
    }
    if let Some((name, n)) = pairs
        .iter()
        .map(|(name, _)| (name.as_str(), seen[name.as_str()]))
        .find(|&(name, n)| n > 1 && !REPEATABLE.contains(&name))
    {
        return Err(ApiError::bad_parameter(format!(
            "{name} is given {n} times; it takes one value"
        )));
    }
    serde_html_form::from_str(raw).map_err(|e| {
        // name the parameter: the first pair that fails on its own
        let culprit = pairs.iter().find_map(|(name, value)| {
            let one = serde_html_form::to_string([(name, value)]).ok()?;
            serde_html_form::from_str::<T>(&one)
                .err()
                .map(|e| format!("{name}={value:?}: {e}"))
        });
        ApiError::bad_parameter(culprit.unwrap_or_else(|| e.to_string()))
    })
}

/// Output format of `/api/v1/areas/{set}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AreasFormatParam {
    /// JSON: `{hexspot, areas, districts}`.
    #[default]
    Json,
    /// RFC 7946 GeoJSON, one Feature per area.
    Geojson,
    /// CSV, one row per area.
    Csv,
}

/// `/api/v1/areas/{set}` only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreasParams {
    /// Sort by this field: `rank` (default), `code`, `name`, `district`, `count`, `harm`,
    /// `population`, `rate_per_1000`, `harm_per_1000`, `district_share`,
    /// `previous_count`, `change`, `change_pct` or `change_p`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default: rank, text and p-values ascending; other numbers descending).
    pub order: Option<String>,
    /// `json` (default), `geojson` or `csv`.
    pub format: Option<AreasFormatParam>,
}

impl AreasParams {
    /// Names accepted by [`AreasParams`].
    pub fn names() -> &'static [String] {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(names_of::<AreasParams>);
        &NAMES
    }
}

/// The engine query for `filters` (ranked by z unless `rank_by` is given), with an open
/// period closed at the data's months and the server's limit on the study region.
pub fn build_query(
    state: &AppState,
    snap: &Snapshot,
    filters: &FilterParams,
    limit: Limit,
) -> Result<HotspotQuery, ApiError> {
    let mut q = filters.query.query(
        StudyRegion::OccupiedWithRings,
        filters.rank_by.unwrap_or_default(),
        limit,
        snap.table.month_range(),
    )?;
    q.max_region_cells = state.settings().max_region_cells;
    Ok(q)
}

/// Space-time bins (cells × slices) one emerging hot spot query may hold, per cell the
/// server allows a hotspot query: about 25 bytes each, so the default (3M cells) allows
/// 12M bins, ≈ 300 MB.
const BINS_PER_REGION_CELL: usize = 4;

/// The emerging hot spot query for `filters` and `extra` (`from` and `to` are
/// required), its study region limited so the cube's bins stay within the server's
/// budget.
pub fn emerging_query(
    state: &AppState,
    filters: &FilterParams,
    extra: &EmergingParams,
) -> Result<EmergingQuery, ApiError> {
    if filters.rank_by.is_some() {
        return Err(ApiError::bad_parameter(
            "rank_by: emerging hot spots list every cell of the study region, unranked",
        ));
    }
    let mut q = extra.query(&filters.query, StudyRegion::OccupiedWithRings)?;
    let slices = slices_of(&q);
    q.cube.max_region_cells =
        state.settings().max_region_cells * BINS_PER_REGION_CELL / slices.max(1);
    Ok(q)
}

/// The number of slices `q`'s period makes (0 when it does not make whole slices; the
/// engine then refuses it with the reason).
fn slices_of(q: &EmergingQuery) -> usize {
    hexspot_engine::space_time::slices(&q.cube.filter, q.cube.slice_months).map_or(0, |s| s.len())
}

/// The kernel density query for `filters` and `extra` (`bandwidth_m` is required),
/// refused when the cells it would evaluate could exceed the server's limit on a study
/// region.
pub fn kde_query(
    state: &AppState,
    snap: &Snapshot,
    filters: &FilterParams,
    raw: Option<&str>,
    known: &[&[String]],
) -> Result<KdeQuery, ApiError> {
    if filters.rank_by.is_some() {
        return Err(ApiError::bad_parameter(
            "rank_by: kernel density cells are ranked by density",
        ));
    }
    let given = serde_html_form::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_parameter(format!("cannot read the query string: {e}")))?;
    if !given.iter().any(|(k, _)| k == "bandwidth_m") {
        return Err(ApiError::bad_parameter(
            "bandwidth_m is required: the kernel's bandwidth in metres, e.g. bandwidth_m=400",
        ));
    }
    let extra: KdeParams = parse(raw, known)?;
    let q = extra.query(&filters.query, None, snap.table.month_range())?;
    // the cells evaluated lie within h of the data: at most the data's box grown by h
    if let Some(b) = q.filter.bbox.or(snap.bounds) {
        let [w, s, e, n] = b.to_array();
        let h = q.bandwidth.metres();
        let mid = ((s + n) / 2.0).to_radians().cos();
        let width = (e - w) * 111_320.0 * mid + 2.0 * h;
        let height = (n - s) * 110_574.0 + 2.0 * h;
        let cells = width * height / q.resolution.average_cell_area_m2();
        let max = state.settings().max_region_cells;
        if cells > max as f64 {
            return Err(ApiError::too_much(format!(
                "kernel density at resolution {} with h = {h} m could evaluate up to {cells:.0} cells (at most {max}): use a coarser res, a smaller bandwidth or a bbox",
                q.resolution
            )));
        }
    }
    Ok(q)
}

/// Most analyses (folds × methods) one backtest may ask for: the default, 6 folds × 4
/// methods, four times over.
pub const MAX_BACKTEST_ANALYSES: usize = 96;

/// Study-region cells one backtest may analyse in all (folds × methods × each fold's
/// region), per cell the server allows one hotspot query's region: a backtest may do
/// the work of this many of the largest hotspot queries, no more.
const BACKTEST_REGIONS: usize = 8;

/// An upper bound on a study region at `res` with ring `k` over the data: every
/// occupied cell with its k-ring, and never more than the cells of the box around the
/// data grown by k cells.
fn region_bound(snap: &Snapshot, res: hexspot_engine::Resolution, k: u32) -> usize {
    let occupied = snap.table.cells_at(res).cells().len();
    let k = k as usize;
    let rings = occupied.saturating_mul(3 * k * (k + 1) + 1);
    let boxed = snap.bounds.map_or(usize::MAX, |b| {
        let [w, s, e, n] = b.to_array();
        let edge = 2.0 * (res.average_cell_area_m2() / 2.6).sqrt() * (k as f64 + 1.0);
        let mid = ((s + n) / 2.0).to_radians().cos();
        let width = (e - w) * 111_320.0 * mid + 2.0 * edge;
        let height = (n - s) * 110_574.0 + 2.0 * edge;
        (width * height / res.average_cell_area_m2()).ceil() as usize + occupied
    });
    rings.min(boxed)
}

/// The backtest query for `filters` and `extra` (the last test month `to` defaults to
/// the data's last month), refused when it would ask for more work than the server
/// allows one request: at most [`MAX_BACKTEST_ANALYSES`] analyses, each fold's study
/// region within the limit on one, and all of them within that of a few.
pub fn backtest_query(
    state: &AppState,
    snap: &Snapshot,
    filters: &FilterParams,
    extra: &BacktestParams,
) -> Result<BacktestQuery, ApiError> {
    if filters.rank_by.is_some() {
        return Err(ApiError::bad_parameter(
            "rank_by: a backtest ranks cells by each method in turn (give method)",
        ));
    }
    let q = extra.query(&filters.query, snap.table.month_range())?;
    let analyses = q.folds.get() as usize * q.methods.len();
    if analyses > MAX_BACKTEST_ANALYSES {
        return Err(ApiError::too_much(format!(
            "{} folds × {} methods is {analyses} analyses (at most {MAX_BACKTEST_ANALYSES} in one request): use fewer folds or methods",
            q.folds,
            q.methods.len()
        )));
    }
    let region = region_bound(snap, q.resolution, q.k.get());
    let max = state.settings().max_region_cells;
    if region > max || region.saturating_mul(analyses) > max.saturating_mul(BACKTEST_REGIONS) {
        return Err(ApiError::too_much(format!(
            "a backtest at resolution {} with k = {} could analyse study regions of up to {region} cells, {analyses} times (the server allows regions of {max} cells, and {BACKTEST_REGIONS} × that in one backtest): use a coarser res, a smaller k, or fewer folds or methods",
            q.resolution, q.k
        )));
    }
    Ok(q)
}

/// How many of the server's computation slots a backtest of `q` takes while it runs:
/// one per [`ANALYSES_PER_SLOT`] analyses, but never more than half of them (at least
/// one), so a backtest cannot keep every other new analysis out.
pub fn backtest_slots(q: &BacktestQuery, max_computations: usize) -> u32 {
    let analyses = q.folds.get() as usize * q.methods.len();
    let most = (max_computations / 2).max(1);
    u32::try_from(analyses.div_ceil(ANALYSES_PER_SLOT).clamp(1, most)).unwrap_or(1)
}

/// Analyses (folds × methods) a backtest runs per computation slot it holds.
pub const ANALYSES_PER_SLOT: usize = 24;

/// The evaluation query for `filters` and `extra`, with `treated` cells read from a
/// posted plan added to those given in the query string.
/// Without control cells the control is the rest of the study region, whose size is
/// then held to the server's limit on one.
pub fn evaluate_query(
    state: &AppState,
    snap: &Snapshot,
    filters: &FilterParams,
    extra: &EvaluateParams,
    treated: &[h3o::CellIndex],
) -> Result<EvaluateQuery, ApiError> {
    if filters.rank_by.is_some() {
        return Err(ApiError::bad_parameter(
            "rank_by: an evaluation counts incidents; it ranks nothing",
        ));
    }
    let n = extra.treated_cells.len() + extra.control_cells.len() + treated.len();
    if n > MAX_TREND_CELLS * 10 {
        return Err(ApiError::too_much(format!(
            "{n} treated and control cells were given (at most {})",
            MAX_TREND_CELLS * 10
        )));
    }
    let q = extra.query(&filters.query, treated, None)?;
    let max = state.settings().max_region_cells;
    let region = region_bound(snap, q.resolution, q.k.get());
    if q.control.is_none() && region > max {
        return Err(ApiError::too_much(format!(
            "the control would be the rest of a study region of up to {region} cells at resolution {} (at most {max}): give control_cells, or use a coarser res",
            q.resolution
        )));
    }
    Ok(q)
}
