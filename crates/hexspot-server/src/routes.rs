//! Handlers. Each parses its parameters strictly, answers 304 from the entity tag before
//! doing any work, and leaves heavy work to blocking threads.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use hexspot_data::{DataError, Snapshot};
use hexspot_engine::{BBox, HotspotQuery, Limit, StudyRegion};
use hexspot_export::Context;
use hexspot_store::{ImportOptions, ImportOutcome};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::encoding::Coding;
use crate::error::{ApiError, ErrorBody};
use crate::query::{
    BriefingParams, FilterParams, FormatParam, HotspotsParams, ImportParams, PlanParams,
    TileParams, parse,
};
use crate::state::{AppState, etag};
use crate::tiles::{self, TileError, TileId};

/// Data that changes only with an import: keep it, but ask each time (304 is cheap).
pub(crate) const REVALIDATE: &str = "no-cache";
/// A tile whose URL names the data version it shows.
pub(crate) const IMMUTABLE: &str = "public, max-age=86400, immutable";
/// Content type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";
/// Content type of vector tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Raw bytes, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// Whether `If-None-Match` lists `etag` (weak comparison, as RFC 9110 requires for it).
pub(crate) fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
}

/// Validator and caching headers.
fn with_validators(mut res: Response, etag: &str, cache: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(etag).expect("hex"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// 304: the client's copy is current.
pub(crate) fn not_modified(etag: &str, cache: &'static str) -> Response {
    with_validators(StatusCode::NOT_MODIFIED.into_response(), etag, cache)
}

/// A representation with its validator and caching rule (204 without a body); 304 when
/// the client has it.
pub(crate) fn representation(
    headers: &HeaderMap,
    etag: &str,
    cache: &'static str,
    content_type: &'static str,
    body: Option<Bytes>,
) -> Response {
    if matches(headers, etag) {
        return not_modified(etag, cache);
    }
    let res = match body {
        Some(b) => (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], b).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    };
    with_validators(res, etag, cache)
}

/// Marks a response as a file to save, named `file`.
/// A file answer: 304 when the client holds this version, else the body `make` builds;
/// either way with `Content-Disposition: attachment` naming `file`. `make` runs only
/// when the body is needed.
pub(crate) async fn download(
    headers: &HeaderMap,
    tag: &str,
    content_type: &'static str,
    file: String,
    make: impl std::future::Future<Output = Result<Bytes, ApiError>>,
) -> Result<Response, ApiError> {
    let res = if matches(headers, tag) {
        not_modified(tag, REVALIDATE)
    } else {
        representation(headers, tag, REVALIDATE, content_type, Some(make.await?))
    };
    Ok(attachment(res, file))
}

pub(crate) fn attachment(mut res: Response, file: String) -> Response {
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")).expect("ascii"),
    );
    res
}

/// JSON data that changes only with an import.
pub(crate) fn json_representation(
    headers: &HeaderMap,
    etag: &str,
    body: &impl Serialize,
) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok(representation(
        headers,
        etag,
        REVALIDATE,
        "application/json",
        Some(bytes.into()),
    ))
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// The engine query for `filters`, with an open period closed at the data's months and
/// the server's limit on the study region.
pub(crate) fn build_query(
    state: &AppState,
    snap: &Snapshot,
    filters: &FilterParams,
    limit: Limit,
) -> Result<HotspotQuery, ApiError> {
    let mut q = filters
        .to_params(limit)
        .query(StudyRegion::OccupiedWithRings, snap.table.month_range())?;
    q.max_region_cells = state.settings().max_region_cells;
    Ok(q)
}

// ---------------------------------------------------------------- health

/// Liveness and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// Incidents in the snapshot (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<usize>,
    /// The data version (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<String>,
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "alive", body = Health)))]
pub async fn healthz() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(Health {
            status: "ok",
            incidents: None,
            data_version: None,
        }),
    )
}

/// Ready: the snapshot is loaded and queries can be answered.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let snap = state.snapshot()?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(Health {
            status: "ready",
            incidents: Some(snap.table.len()),
            data_version: Some(snap.version.clone()),
        }),
    ))
}

// ---------------------------------------------------------------- meta

/// One import.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetaImport {
    /// Store id.
    pub id: u32,
    /// File name as imported.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// How it was read.
    pub format: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows imported.
    pub rows_imported: u64,
    /// Rows rejected (see `hexspot rejected`).
    pub rows_rejected: u64,
    /// When (UTC).
    pub imported_at: String,
}

/// A crime type and its incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrimeTypeCount {
    /// As in the data.
    pub name: String,
    /// Incidents.
    pub count: usize,
}

/// A row of the zoom → resolution table.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoomRes {
    /// First zoom.
    pub min_zoom: u8,
    /// Last zoom.
    pub max_zoom: u8,
    /// H3 resolution drawn.
    pub res: u8,
}

/// What the server holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    /// Software and version.
    pub software: &'static str,
    /// Identifies the data (changes with each import).
    pub data_version: String,
    /// Incidents held.
    pub incidents: usize,
    /// Incidents with a date and a time of day: those a time window (`days`, `hours`)
    /// can select. police.uk files give months only.
    pub timed_incidents: usize,
    /// First month present (`YYYY-MM`).
    pub first_month: Option<String>,
    /// Last month present.
    pub last_month: Option<String>,
    /// `[west, south, east, north]` of the incidents.
    pub bounds: Option<[f64; 4]>,
    /// Crime types with counts, most first.
    pub crime_types: Vec<CrimeTypeCount>,
    /// Imports, oldest first.
    pub imports: Vec<MetaImport>,
    /// Resolutions queries accept.
    pub resolutions: Vec<u8>,
    /// The default resolution.
    pub default_res: u8,
    /// Tiles: the resolution drawn at each zoom when `res` is not given.
    pub tile_resolution_by_zoom: Vec<ZoomRes>,
    /// How cells are derived.
    pub binning: &'static str,
    /// The statistics.
    pub method: &'static str,
    /// A MapLibre style URL to draw beneath the cells, when the server was given one
    /// (`--basemap-style`); otherwise maps draw `/api/v1/outline` on a plain background.
    pub basemap_style: Option<String>,
}

/// Imports, crime types with counts, the period covered and the resolutions.
#[utoipa::path(get, path = "/api/v1/meta", tag = "data", responses(
    (status = 200, description = "what the server holds", body = Meta),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn meta(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let snap = state.snapshot()?;
    let tag = etag(&["meta", &snap.version]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let t = &snap.table;
    let mut crime_types: Vec<CrimeTypeCount> = t
        .crime_type_counts()
        .into_iter()
        .map(|(name, count)| CrimeTypeCount {
            name: name.to_owned(),
            count,
        })
        .collect();
    crime_types.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let months = t.month_range();
    let body = Meta {
        software: hexspot_export::SOFTWARE,
        data_version: snap.version.clone(),
        incidents: t.len(),
        timed_incidents: t.timed_count(),
        first_month: months.map(|m| m.0.to_string()),
        last_month: months.map(|m| m.1.to_string()),
        bounds: snap.bounds.map(BBox::to_array),
        crime_types,
        imports: snap
            .imports
            .iter()
            .map(|i| MetaImport {
                id: i.id,
                file: i.file_name.clone(),
                sha256: i.sha256.clone(),
                format: i.format.clone(),
                rows_read: i.rows_read,
                rows_imported: i.rows_imported,
                rows_rejected: i.rows_rejected,
                imported_at: i.imported_at.clone(),
            })
            .collect(),
        resolutions: (hexspot_engine::Resolution::MIN..=hexspot_engine::Resolution::MAX).collect(),
        default_res: hexspot_engine::QueryParams::default().res,
        tile_resolution_by_zoom: tiles::zoom_table()
            .into_iter()
            .map(|(min_zoom, max_zoom, res)| ZoomRes {
                min_zoom,
                max_zoom,
                res,
            })
            .collect(),
        binning: hexspot_export::BINNING,
        method: hexspot_export::METHOD,
        basemap_style: state.settings().basemap_style.clone(),
    };
    json_representation(&headers, &tag, &body)
}

// ---------------------------------------------------------------- outline

/// The outline of the data: a base layer that needs no network. One GeoJSON Feature,
/// the union of the resolution-7 cells (about 5 km²) holding at least one incident's
/// location.
#[utoipa::path(get, path = "/api/v1/outline", tag = "data", responses(
    (status = 200, description = "RFC 7946 FeatureCollection with one MultiPolygon Feature; its properties say how it was drawn",
        content_type = "application/geo+json", body = Object),
    (status = 304, description = "not modified (If-None-Match)"),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn outline(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snap = state.snapshot()?;
    let tag = etag(&["outline", &snap.version]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let s = snap.clone();
    let body = blocking(move || Ok(s.outline()?.geojson.clone())).await?;
    Ok(representation(
        &headers,
        &tag,
        REVALIDATE,
        GEOJSON,
        Some(body),
    ))
}

// ---------------------------------------------------------------- hotspots

/// Ranked hotspot cells: the CLI's query parameters and the CLI's GeoJSON (or CSV).
#[utoipa::path(get, path = "/api/v1/hotspots", tag = "data",
    params(FilterParams, HotspotsParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection of ranked cells; its `hexspot` member states the query, study region, statistics and sources (the same bytes as `hexspot hotspots --format geojson`)",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used, or too many cells", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn hotspots(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), HotspotsParams::names()];
    let filters: FilterParams = parse(raw.as_deref(), &known)?;
    let extra: HotspotsParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = build_query(&state, &snap, &filters, extra.limit()?)?;
    let format = extra.format.unwrap_or_default();
    let tag = etag(&["hotspots", &snap.version, &format!("{format:?}|{query:?}")]);
    let (content_type, file) = format.content_type_and_file("hexspot-hotspots");
    download(&headers, &tag, content_type, file, async move {
        let stats = state.stats(&snap, &query).await?;
        let n = match query.limit {
            Limit::All => stats.result.cells.len(),
            Limit::Top(n) => n.min(stats.result.cells.len()),
        };
        let max = state.settings().max_response_cells;
        if n > max {
            return Err(ApiError::too_much(format!(
                "the answer would list {n} cells (at most {max}): use top=N, a coarser res or narrower filters"
            )));
        }
        let state2 = state.clone();
        blocking(move || {
            let result = stats.result_with(stats.result.cells[..n].to_vec());
            let ctx = Context {
                query: &query,
                result: &result,
                harm: state2.harm(),
                imports: &snap.sources,
                region_source: None,
            };
            let mut out = Vec::new();
            match format {
                FormatParam::Geojson => {
                    hexspot_export::write_json_line(&hexspot_export::geojson(&ctx), &mut out)
                        .map_err(ApiError::internal)?;
                }
                FormatParam::Csv => {
                    hexspot_export::write_csv(&ctx, &mut out).map_err(ApiError::internal)?;
                }
            }
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

// ---------------------------------------------------------------- plan

/// A patrol plan: the hotspot filters, a budget, exclusions; the CLI's GeoJSON (or CSV).
#[utoipa::path(get, path = "/api/v1/plan", tag = "data",
    params(FilterParams, PlanParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection, one MultiPolygon Feature per patrol area (`area_rank`, `cells`, `area_m2`, `count`, `harm`, `harm_share`, `cumulative_harm_share`, `significant`, `peak_windows`, `dose`, `weekly_profile`); its `hexspot` member states the query and the `plan` (budget, totals, concentration). The same bytes as `hexspot plan --format geojson`. `rank_by` defaults to `harm` here.",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), PlanParams::names()];
    let PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    } = plan_request(&state, raw.as_deref(), &known)?;
    let format = extra.format.unwrap_or_default();
    let tag = etag(&[
        "plan",
        &snap.version,
        &format!("{format:?}|{budget:?}|{exclude:?}|{query:?}"),
    ]);
    let (content_type, file) = format.content_type_and_file("hexspot-plan");
    download(&headers, &tag, content_type, file, async move {
        let state2 = state.clone();
        blocking(move || {
            let pq = hexspot_engine::PlanQuery {
                query: query.clone(),
                budget,
                exclude,
            };
            let planned = hexspot_engine::plan(&snap.table, &pq, state2.harm())?;
            let ctx = Context {
                query: &query,
                result: &planned.result,
                harm: state2.harm(),
                imports: &snap.sources,
                region_source: None,
            };
            let mut out = Vec::new();
            match format {
                FormatParam::Geojson => {
                    let v = hexspot_export::plan::plan_geojson(&ctx, &planned, budget);
                    hexspot_export::write_json_line(&v, &mut out).map_err(ApiError::internal)?;
                }
                FormatParam::Csv => {
                    hexspot_export::plan::write_plan_csv(&ctx, &planned, &mut out)
                        .map_err(ApiError::internal)?;
                }
            }
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

/// A plan request's parts.
struct PlanRequest {
    snap: std::sync::Arc<Snapshot>,
    /// Ranked by harm unless `rank_by` is given.
    query: HotspotQuery,
    extra: PlanParams,
    budget: hexspot_engine::Budget,
    exclude: Vec<h3o::CellIndex>,
}

fn plan_request(
    state: &AppState,
    raw: Option<&str>,
    known: &[&[String]],
) -> Result<PlanRequest, ApiError> {
    let filters: FilterParams = parse(raw, known)?;
    let extra: PlanParams = parse(raw, known)?;
    let budget = extra.budget()?;
    let exclude = extra.excluded()?;
    let snap = state.snapshot()?;
    let mut query = build_query(state, &snap, &filters, Limit::All)?;
    if filters.rank_by.is_none() {
        query.rank_by = hexspot_engine::RankBy::Harm;
    }
    Ok(PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    })
}

/// A printable briefing of a plan: a PNG map of the patrol areas over the outline of
/// the data, with the table of areas, their peak windows and the dose.
#[utoipa::path(get, path = "/api/v1/plan/briefing.png", tag = "data",
    params(FilterParams, PlanParams, BriefingParams),
    responses(
        (status = 200, description = "PNG image of the plan `/api/v1/plan` gives for the same parameters", content_type = "image/png", body = Binary),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn briefing(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [
        FilterParams::names(),
        PlanParams::names(),
        BriefingParams::names(),
    ];
    let PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    } = plan_request(&state, raw.as_deref(), &known)?;
    if extra.format.is_some() {
        return Err(ApiError::bad_parameter(
            "format: the briefing is always a PNG; use /api/v1/plan for GeoJSON or CSV",
        ));
    }
    let size: BriefingParams = parse(raw.as_deref(), &known)?;
    let (width, height) = (size.width.unwrap_or(1600), size.height.unwrap_or(1131));
    let tag = etag(&[
        "briefing",
        &snap.version,
        &format!("{width}x{height}|{budget:?}|{exclude:?}|{query:?}"),
    ]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let state2 = state.clone();
    let png = blocking(move || {
        let pq = hexspot_engine::PlanQuery {
            query: query.clone(),
            budget,
            exclude,
        };
        let planned = hexspot_engine::plan(&snap.table, &pq, state2.harm())?;
        let outline = snap.outline()?;
        let b = hexspot_briefing::Briefing {
            title: briefing_title(&query),
            summary: briefing_summary(&query, &planned, budget),
            plan: &planned,
            base: Some(&outline.shape),
            footer: format!(
                "{} · data version {} · base map: the outline of the data (H3 res-7 cells holding incidents) · the same plan as GET /api/v1/plan with these parameters",
                hexspot_export::SOFTWARE,
                snap.version
            ),
        };
        hexspot_briefing::render(&b, width, height)
            .map(Bytes::from)
            .map_err(|e| match e {
                hexspot_briefing::BriefingError::Size(..) => ApiError::bad_parameter(e.to_string()),
                hexspot_briefing::BriefingError::Encode(_) => ApiError::internal(e),
            })
    })
    .await?;
    let mut res = representation(&headers, &tag, REVALIDATE, "image/png", Some(png));
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"hexspot-briefing.png\""),
    );
    Ok(res)
}

fn briefing_title(q: &HotspotQuery) -> String {
    let f = &q.filter;
    let types = if f.crime_types.is_empty() {
        "all crime types".to_owned()
    } else {
        f.crime_types.join(", ")
    };
    let window = f
        .window
        .as_ref()
        .map(|w| format!(", {}", hexspot_export::describe_window(w)))
        .unwrap_or_default();
    format!("Patrol plan: {types}{window}")
}

fn briefing_summary(
    q: &HotspotQuery,
    p: &hexspot_engine::Plan,
    budget: hexspot_engine::Budget,
) -> Vec<String> {
    let f = &q.filter;
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    let budget = match budget {
        hexspot_engine::Budget::Cells(n) => format!("{n} cells"),
        hexspot_engine::Budget::AreaKm2(a) => format!("{a} km²"),
    };
    vec![
        format!(
            "Period: {}",
            f.period.map_or("all months".to_owned(), |p| format!(
                "{} to {}",
                p.from(),
                p.to()
            ))
        ),
        format!(
            "Budget {budget}, ranked by {}; H3 res {} (≈ {:.3} km² a cell), Gi* on {} with k = {}",
            q.rank_by.name(),
            q.resolution,
            q.resolution.average_cell_area_m2() / 1e6,
            q.measure.name(),
            q.k
        ),
        format!(
            "{} areas, {:.2} km² ({} of the study region), hold {} of the harm of {} incidents",
            p.areas.len(),
            p.area_m2 / 1e6,
            pct(p.share_of_region_area()),
            pct(p.harm_share),
            p.result.incidents
        ),
        format!(
            "Half the harm lies in {} of the study region's cells (Gini {:.2})",
            pct(p.concentration.share_of_cells_for_half_harm),
            p.concentration.gini
        ),
    ]
}

// ---------------------------------------------------------------- cells

/// Approximate cells in a box at resolution `res`.
fn cells_in_box_estimate(b: BBox, res: hexspot_engine::Resolution) -> f64 {
    let [w, s, e, n] = b.to_array();
    let mid = ((s + n) / 2.0).to_radians();
    let area_m2 = (e - w) * 111_320.0 * mid.cos() * (n - s) * 110_574.0;
    area_m2 / res.average_cell_area_m2()
}

/// GeoJSON of the study-region cells whose centre lies in `bbox`, with the statistics
/// of the whole region (the same numbers the tiles draw). `bbox` here selects cells;
/// it does not filter incidents.
#[utoipa::path(get, path = "/api/v1/cells", tag = "data",
    params(FilterParams),
    responses(
        (status = 200, description = "FeatureCollection of the cells in bbox", content((Object = "application/geo+json"))),
        (status = 304, description = "not modified"),
        (status = 400, description = "no bbox, a bad parameter, or a bbox holding too many cells", body = ErrorBody)))]
pub async fn cells(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut filters: FilterParams = parse(raw.as_deref(), &[FilterParams::names()])?;
    let view = filters
        .bbox
        .take()
        .ok_or_else(|| ApiError::bad_parameter("bbox is required: west,south,east,north"))?;
    let view: BBox = view
        .parse()
        .map_err(|e| ApiError::bad_parameter(format!("bbox: {e}")))?;
    let snap = state.snapshot()?;
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    let max = state.settings().max_response_cells;
    let estimate = cells_in_box_estimate(view, query.resolution);
    if estimate > max as f64 {
        return Err(ApiError::too_much(format!(
            "bbox covers about {estimate:.0} cells at resolution {} (at most {max}): use a smaller bbox or a coarser res",
            query.resolution
        )));
    }
    let tag = etag(&["cells", &snap.version, &format!("{view:?}|{query:?}")]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let stats = state.stats(&snap, &query).await?;
    let body = blocking(move || {
        let result = stats.result_with(stats.cells_in(view));
        let ctx = Context {
            query: &query,
            result: &result,
            harm: state.harm(),
            imports: &snap.sources,
            region_source: None,
        };
        let mut v = hexspot_export::geojson(&ctx);
        v["hexspot"]["view"] = json!({
            "bbox": view.to_array(),
            "rule": "study-region cells whose centre lies in bbox, in rank order; statistics are those of the whole study region",
            "cells": result.cells.len(),
        });
        serde_json::to_vec(&v)
            .map(Bytes::from)
            .map_err(ApiError::internal)
    })
    .await?;
    Ok(representation(
        &headers,
        &tag,
        REVALIDATE,
        GEOJSON,
        Some(body),
    ))
}

// ---------------------------------------------------------------- tiles

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::TooManyCells { .. } => ApiError::too_much(e.to_string()),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_tile", e.to_string()),
        }
    }
}

/// A Mapbox Vector Tile (2.1) of the query's cells: layer `cells`, one hexagon per
/// study-region cell with `cell`, `count`, `harm`, `gi_star_z`, `p_value` (absent where
/// undefined), `significant` and `rank`. Statistics are computed once per query over
/// the whole study region, so every tile agrees with `/api/v1/hotspots`. Without `res`,
/// the resolution follows the zoom: `clamp(z − 3, 5, 12)`.
#[utoipa::path(get, path = "/tiles/hotspots/{z}/{x}/{y}", tag = "tiles",
    params(
        ("z" = u8, Path, description = "zoom, 0–22"),
        ("x" = u32, Path, description = "column, 0 to 2^z − 1"),
        ("y" = String, Path, description = "row, 0 to 2^z − 1 (from the north); may end in .mvt or .pbf"),
        FilterParams, TileParams),
    responses(
        (status = 200, description = "the tile", content((Binary = "application/vnd.mapbox-vector-tile"))),
        (status = 204, description = "no cells in this tile"),
        (status = 304, description = "not modified"),
        (status = 400, description = "a bad tile address or parameter", body = ErrorBody)))]
pub async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = TileId::parse(&z, &x, &y)?;
    let known = [FilterParams::names(), TileParams::names()];
    let mut filters: FilterParams = parse(raw.as_deref(), &known)?;
    let extra: TileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    if filters.res.is_none() {
        filters.res = Some(tiles::resolution_for_zoom(id.z()).get());
    }
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    let cache = if extra.v.as_deref() == Some(snap.version.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let tag = etag(&["tile", &snap.version, &format!("{id}|{query:?}")]);
    let state2 = state.clone();
    tile_response(&state, &headers, tag, cache, async move {
        let stats = state2.stats(&snap, &query).await?;
        let b = blocking(move || Ok(tiles::encode(&stats, id)?)).await?;
        Ok(Bytes::from(b.unwrap_or_default()))
    })
    .await
}

/// A tile's response: 304 when the client has it; else the tile (an empty body when
/// nothing is in it) made by `make` once, then cached plain and compressed.
pub(crate) async fn tile_response(
    state: &AppState,
    headers: &HeaderMap,
    tag: String,
    cache: &'static str,
    make: impl std::future::Future<Output = Result<Bytes, ApiError>>,
) -> Result<Response, ApiError> {
    // tiles are compressed here, once, and cached compressed; tower-http leaves a body
    // that already has a Content-Encoding alone
    let coding = Coding::negotiate(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = if matches(headers, &tag) {
        not_modified(&tag, cache)
    } else {
        let plain = match state.cached_tile(&tag) {
            Some(b) => b,
            None => {
                let b = make.await?;
                state.cache_tile(tag.clone(), b.clone());
                b
            }
        };
        let body = match coding.header() {
            _ if plain.is_empty() => None,
            None => Some(plain),
            Some(c) => {
                let key = format!("{tag}|{c}");
                Some(match state.cached_tile(&key) {
                    Some(b) => b,
                    None => {
                        let b = Bytes::from(blocking(move || Ok(coding.encode(&plain))).await?);
                        state.cache_tile(key, b.clone());
                        b
                    }
                })
            }
        };
        let has_body = body.is_some();
        let mut res = representation(headers, &tag, cache, MVT, body);
        if let (true, Some(c)) = (has_body, coding.header()) {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
        res
    };
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}

/// Characters allowed in a Host header we echo into URLs.
fn safe_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// TileJSON 3.0.0 for the hotspot tiles of a query (the same filters as the tiles).
#[utoipa::path(get, path = "/tiles/hotspots.json", tag = "tiles",
    params(FilterParams),
    responses(
        (status = 200, description = "TileJSON 3.0.0", content((Object = "application/json"))),
        (status = 400, description = "a bad parameter", body = ErrorBody)))]
pub async fn tilejson(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let filters: FilterParams = parse(raw.as_deref(), &[FilterParams::names()])?;
    let snap = state.snapshot()?;
    // check the query now, so a bad one fails here rather than in every tile
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| safe_host(h))
        .ok_or_else(|| ApiError::bad_parameter("a Host header is needed to build tile URLs"))?;
    let mut qs = raw.unwrap_or_default();
    if !qs.is_empty() {
        qs.push('&');
    }
    qs.push_str("v=");
    qs.push_str(&snap.version);
    let url = format!("http://{host}/tiles/hotspots/{{z}}/{{x}}/{{y}}?{qs}");
    let bounds = snap.bounds.map_or(
        [-180.0, -85.051_128_78, 180.0, 85.051_128_78],
        BBox::to_array,
    );
    let zooms: Vec<Value> = tiles::zoom_table()
        .into_iter()
        .map(|(a, b, r)| json!({ "min_zoom": a, "max_zoom": b, "res": r }))
        .collect();
    let fixed = filters.res;
    let body = json!({
        "tilejson": "3.0.0",
        "name": "hexspot hotspots",
        "description": "H3 cells with incident counts, harm and Getis-Ord Gi* (z, p, FDR significance) for one query; statistics are computed over the whole study region, not per tile",
        "version": "1.0.0",
        "attribution": "Incidents: police.uk and force data, Open Government Licence v3.0",
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": 0,
        "maxzoom": tiles::TABLE_MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 11],
        "vector_layers": [{
            "id": tiles::LAYER,
            "description": "one hexagon per study-region cell",
            "minzoom": 0,
            "maxzoom": tiles::TABLE_MAX_ZOOM,
            "fields": {
                "cell": "String: H3 cell index (hex)",
                "count": "Number: incidents",
                "harm": "Number: summed harm weights",
                "gi_star_z": "Number: Getis-Ord Gi* z-score (absent where undefined)",
                "p_value": "Number: two-sided p (absent where undefined)",
                "significant": "Boolean: significant under Benjamini-Hochberg FDR",
                "rank": "Number: 1-based rank in the query's order"
            }
        }],
        "hexspot": {
            "data_version": snap.version,
            "resolution": match fixed {
                Some(r) => json!(r),
                None => json!({ "rule": "clamp(zoom - 3, 5, 12)", "by_zoom": zooms }),
            },
            "k": query.k,
            "measure": query.measure.name(),
            "rank_by": query.rank_by.name(),
            "alpha": query.alpha,
            "study_region": query.region.describe(query.k),
            "from": query.filter.period.map(|p| p.from().to_string()),
            "to": query.filter.period.map(|p| p.to().to_string()),
        }
    });
    let tag = etag(&["tilejson", &snap.version, &url]);
    json_representation(&headers, &tag, &body)
}

// ---------------------------------------------------------------- imports

/// A rejected row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Line (or feature) number in the file.
    pub line: u64,
    /// Reason code.
    pub code: &'static str,
    /// Why, for a person.
    pub reason: String,
}

/// What an import did: the CLI's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// `imported`, `already_imported` or `refused`.
    pub outcome: &'static str,
    /// The import's id (the earlier one when already imported).
    pub import_id: Option<u32>,
    /// The file name recorded.
    pub file: String,
    /// How the file was read.
    pub format: Option<String>,
    /// SHA-256 of the bytes.
    pub sha256: Option<String>,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows imported.
    pub rows_imported: u64,
    /// Rows rejected.
    pub rows_rejected: usize,
    /// Rejected rows per reason code.
    pub rejected_by_reason: std::collections::BTreeMap<String, usize>,
    /// The first rejected rows (all are kept in the store).
    pub rejected: Vec<RejectedRow>,
    /// Notes on kept rows (repeated IDs, far points).
    pub notes: Vec<String>,
    /// Incidents now held.
    pub incidents: Option<usize>,
    /// The data version now served.
    pub data_version: Option<String>,
}

/// Rejected rows listed in a report.
const SHOW_REJECTED: usize = 100;

impl ImportReport {
    /// A report that wrote nothing, stating what the server now holds.
    fn new(file: String, snap: Option<&Snapshot>) -> Self {
        Self {
            outcome: "refused",
            import_id: None,
            file,
            format: None,
            sha256: None,
            rows_read: 0,
            rows_imported: 0,
            rows_rejected: 0,
            rejected_by_reason: std::collections::BTreeMap::new(),
            rejected: Vec::new(),
            notes: Vec::new(),
            incidents: snap.map(|s| s.table.len()),
            data_version: snap.map(|s| s.version.clone()),
        }
    }

    /// With what reading the file found.
    fn with_summary(self, s: &hexspot_ingest::ReadSummary) -> Self {
        Self {
            format: Some(s.format.name().to_owned()),
            sha256: Some(s.sha256.clone()),
            rows_read: s.rows_read,
            rows_rejected: s.rejected.len(),
            rejected_by_reason: s
                .rejections_by_reason()
                .into_iter()
                .map(|(c, n)| (c.to_owned(), n))
                .collect(),
            rejected: s
                .rejected
                .iter()
                .take(SHOW_REJECTED)
                .map(|r| RejectedRow {
                    line: r.line,
                    code: r.reason.code(),
                    reason: r.reason.to_string(),
                })
                .collect(),
            notes: s.notes.clone(),
            ..self
        }
    }
}

fn file_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != ".."
}

/// Uploads a CSV (or GeoJSON) file, streamed, and imports it as `hexspot import` does:
/// bad rows are reported with their line and reason and kept aside; `strict=true`
/// refuses the whole file instead. The new data is served as soon as this answers.
#[utoipa::path(post, path = "/api/v1/imports", tag = "data",
    params(ImportParams),
    request_body(content = Binary, content_type = "text/csv", description = "the file's bytes"),
    responses(
        (status = 201, description = "imported", body = ImportReport),
        (status = 200, description = "the same bytes were imported before; nothing written", body = ImportReport),
        (status = 400, description = "a bad parameter", body = ErrorBody),
        (status = 413, description = "larger than the upload limit", body = ErrorBody),
        (status = 422, description = "the file cannot be read, or strict=true and some rows are bad; nothing written", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let p: ImportParams = parse(raw.as_deref(), &[ImportParams::names()])?;
    let name = p.name.unwrap_or_else(|| "upload.csv".to_owned());
    if !file_name_ok(&name) {
        return Err(ApiError::bad_parameter(format!(
            "name {name:?} must be a plain file name (no slashes), 1–200 characters"
        )));
    }
    let mut columns = hexspot_ingest::ColumnMap::default();
    for pair in &p.map {
        columns
            .add_pair(pair)
            .map_err(|e| ApiError::bad_parameter(format!("map: {e}")))?;
    }
    let options = ImportOptions {
        read: hexspot_ingest::ReadOptions { columns },
        strict: p.strict.unwrap_or(false),
    };
    let suffix = std::path::Path::new(&name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix("hexspot-upload-")
        .suffix(&suffix)
        .tempfile()
        .map_err(ApiError::internal)?;
    let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(ApiError::internal)?);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if limit {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "the upload exceeds the limit of {} bytes",
                        state.settings().max_upload_bytes
                    ),
                )
            } else {
                ApiError::bad_parameter(format!("the upload broke off: {e}"))
            }
        })?;
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    drop(file);
    let st = state.clone();
    let name2 = name.clone();
    let outcome = blocking(move || {
        let tmp_path = tmp.path().display().to_string();
        st.import(tmp.path(), &name2, &options).map_err(|e| {
            // the temporary path means nothing to the client: name the upload
            let msg = e.to_string().replace(&tmp_path, &name2);
            match e {
                DataError::Store(hexspot_store::StoreError::Ingest(_)) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_file", msg)
                }
                _ => ApiError::internal(msg),
            }
        })
    })
    .await?;
    let snap = state.snapshot().ok();
    let base = ImportReport::new(name, snap.as_deref());
    let (status, report) = match outcome {
        ImportOutcome::Imported { info, summary } => (
            StatusCode::CREATED,
            ImportReport {
                outcome: "imported",
                import_id: Some(info.id),
                rows_imported: info.rows_imported,
                ..base.with_summary(&summary)
            },
        ),
        ImportOutcome::AlreadyImported { existing } => (
            StatusCode::OK,
            ImportReport {
                outcome: "already_imported",
                import_id: Some(existing.id),
                format: Some(existing.format.clone()),
                sha256: Some(existing.sha256.clone()),
                rows_read: existing.rows_read,
                notes: vec![format!(
                    "the same bytes were imported before as {} (import #{}); nothing was written",
                    existing.file_name, existing.id
                )],
                ..base
            },
        ),
        ImportOutcome::Refused { summary } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ImportReport {
                outcome: "refused",
                ..base.with_summary(&summary)
            },
        ),
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(report),
    )
        .into_response())
}

// ---------------------------------------------------------------- misc

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", content((Object = "application/json")))))]
pub async fn openapi(headers: HeaderMap) -> Response {
    static DOC: std::sync::OnceLock<(String, Bytes)> = std::sync::OnceLock::new();
    let (tag, body) = DOC.get_or_init(|| {
        let json = crate::openapi::document();
        (etag(&["openapi", &json]), Bytes::from(json))
    });
    representation(
        &headers,
        tag,
        "public, max-age=3600",
        "application/json",
        Some(body.clone()),
    )
}

/// Any other path: a file of the map application (`/` is its page), else 404.
pub async fn not_found(
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        if let Some(res) = crate::web::asset(uri.path(), &headers) {
            return Ok(res);
        }
        if uri.path() == "/" {
            return Err(crate::web::missing());
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such resource: {}; see /api/v1/openapi.json", uri.path()),
    ))
}
