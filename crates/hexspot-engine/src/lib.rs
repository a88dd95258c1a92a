//! hexspot's analysis engine: pure functions over a columnar incident table.
//!
//! No I/O, no async, no clock. The store loads an [`IncidentTable`]; the CLI and server
//! build a [`HotspotQuery`] and call [`hotspots()`]. Every statistic follows the formulas
//! in the product brief (Getis-Ord Gi* with binary k-ring weights including the cell
//! itself, two-sided normal p, Benjamini–Hochberg FDR).

pub mod areas;
pub mod backtest;
pub mod binning;
pub mod cancel;
pub mod compare;
pub mod emerging;
pub mod error;
pub mod estimate;
pub mod evaluate;
pub mod filter;
pub mod forecast;
pub mod harm;
pub mod hotspots;
mod ij;
pub mod kde;
pub mod mann_kendall;
pub mod monthly;
pub mod params;
pub mod plan;
mod points;
pub mod publication;
pub mod publish;
pub mod query_types;
mod ranking;
pub mod region;
pub mod space_time;
pub mod stats;
mod study_region;
pub mod table;
pub mod types;
pub mod wdd;

pub use areas::{
    Area, AreaIndex, Assignment, assign, binomial_two_sided_p, dissolve_by_district,
    poisson_change_p, rate_per_1000,
};
pub use backtest::{
    BacktestError, BacktestQuery, BacktestResult, Fold, FoldWindow, Method, MethodFold,
    MethodSummary, backtest, fold_windows,
};
pub use binning::{CellColumn, CellColumnError, PointCells, RESOLUTIONS};
pub use cancel::{Cancel, Cancelled};
pub use compare::{
    AreaProfile, AreaRankBy, AreaRow, CompareError, Comparison, DistrictRow, MonthPoint,
    PopulationValue, SortKey, UnknownSortKey, area_profile, compare, previous_period, sort_rows,
};
pub use emerging::{
    Category, EmergingCell, EmergingQuery, EmergingResult, Trend, classify, emerging,
    emerging_cancellable,
};
pub use error::{QueryError, ValueError};
pub use estimate::{Estimates, RECOMMENDED_RESOLUTION, estimate_population};
pub use evaluate::{
    AreaCounts, ControlRule, CrimeTypeWdd, EvaluateError, EvaluateQuery, Evaluation, LengthUnit,
    evaluate,
};
pub use filter::{Exclusions, Filter, Period};
pub use forecast::{CurvePoint, FoldCells, FoldScore};
pub use harm::{HarmTable, MAX_WEIGHT, valid_weight};
pub use hotspots::{
    CellStat, HotspotQuery, HotspotResult, Limit, Measure, RankBy, StudyRegion, WeightSources,
    hotspots, hotspots_cancellable, hotspots_with,
};
pub use kde::{KdeCell, KdeQuery, KdeResult, kde, kde_cancellable};
pub use mann_kendall::{MannKendall, MannKendallError, mann_kendall};
pub use monthly::{Month, MonthlySeries, monthly_series, trend_of};
pub use params::{
    BacktestParams, EmergingParams, EvaluateParams, KdeParams, ParamError, QueryParams,
};
pub use plan::{
    Budget, Concentration, Dose, PatrolArea, PeakWindow, Plan, PlanQuery, WeeklyProfile,
    concentration, plan, weekly_profiles,
};
pub use publication::{
    Publication, PublicationQuery, PublishError, PublishParams, PublishedCell, publication,
};
pub use publish::{Disclosed, PublishResolution, disclose};
pub use query_types::{
    Alpha, AlphaError, Bandwidth, BandwidthError, Folds, FoldsError, K, KError, MAX_K, SliceMonths,
    SliceMonthsError, TimeLag, TimeLagError, WindowMonths, WindowMonthsError, short_number,
};
pub use region::{EARTH_RADIUS_M, cells_covering, haversine_m, outline};
pub use space_time::{Slice, SliceState, SpaceTimeCube, SpaceTimeError, SpaceTimeQuery, cube};
pub use table::{
    Columns, Dictionary, IncidentRow, IncidentTable, IncidentTableBuilder, TableError,
};
pub use types::{
    BBox, Day, FINE_RESOLUTION, Flag, FlagKind, Flags, LonLat, MinuteOfDay, Resolution, Weekday,
    WeeklyWindow, YearMonth,
};
pub use wdd::{BeforeAfter, Estimate, HarmPart, Wdd, WddError, WddInput, wdd, wdd_harm};
