//! `/api/v1/evaluate`: did it work? The weighted displacement difference of a treated
//! area (cells in the query string, or a posted patrol plan) against a control, before
//! and after, as the CLI's GeoJSON or CSV.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hexspot_data::Snapshot;
use hexspot_engine::{EvaluateParams, EvaluateQuery};
use hexspot_export::evaluate::EvaluateContext;

use crate::error::{ApiError, ErrorBody};
use crate::http::{attachment, blocking, download, etag};
use crate::query::{FileParams, FilterParams, FormatParam, evaluate_names, evaluate_query, parse};
use crate::state::AppState;

/// Largest patrol plan `POST /api/v1/evaluate` reads.
pub const MAX_PLAN_BYTES: usize = 8 << 20;

/// What the outputs say the treated cells of a posted plan came from.
pub const POSTED_PLAN: &str = "the posted patrol plan";

/// An evaluation (PRODUCT.md): incidents in the treated cells, the control (the given
/// `control_cells`, else the rest of the study region outside the treated area and its
/// ring), the displacement ring and its control, counted `before` and `after`, with
/// the weighted displacement difference test and its 95 % interval. The same bytes as
/// `hexspot evaluate --treated-cells … --format geojson|csv`.
#[utoipa::path(get, path = "/api/v1/evaluate", tag = "data",
    params(FilterParams, EvaluateParams, FileParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection, one MultiPolygon Feature per non-empty area (`area`, `cells`, `area_km2`, `before`, `after`, `area_weight`); its `hexspot` member states the areas and their rules, the weights and the `test` (`wdd`, `se`, `z`, `p`, `ci_low`, `ci_high`); or CSV, one row per area, crime type and total",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used: periods that overlap, no treated cells, cells at another resolution, a control inside the treated area", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), evaluate_names(), FileParams::names()];
    let (snap, query, format) = request(&state, raw.as_deref(), &known, &[])?;
    let tag = etag(&["evaluate", &snap.version, &format!("{format:?}|{query:?}")]);
    let (content_type, name) = format.content_type_and_file("hexspot-evaluate");
    download(&headers, &tag, content_type, name, async move {
        body(&state, snap, query, format, None).await
    })
    .await
}

/// An evaluation of a patrol plan: the body is the plan's GeoJSON (what
/// `GET /api/v1/plan` answers, or `hexspot plan --format geojson` writes), whose cells
/// are the treated area (with any `treated_cells` added); every other parameter is in
/// the query string, as for `GET /api/v1/evaluate`. The same bytes as
/// `hexspot evaluate --plan-file`, but for the treated area's source, which reads
/// "the posted patrol plan" instead of the file's name.
#[utoipa::path(post, path = "/api/v1/evaluate", tag = "data",
    params(FilterParams, EvaluateParams, FileParams),
    request_body(content = Object, content_type = "application/geo+json",
        description = "a patrol plan: a GeoJSON FeatureCollection whose features each have a `cells` property (a list of H3 cells at `res`); at most 8 MiB"),
    responses(
        (status = 200, description = "as `GET /api/v1/evaluate`",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 400, description = "a body that is not a patrol plan, or a parameter that cannot be used", body = ErrorBody),
        (status = 403, description = "sent from a page on another site", body = ErrorBody),
        (status = 413, description = "a body over 8 MiB", body = ErrorBody),
        (status = 415, description = "a Content-Type any web page may send (none, text/plain, a form)", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn evaluate_plan(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    plan: Bytes,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), evaluate_names(), FileParams::names()];
    let text = std::str::from_utf8(&plan).map_err(|_| {
        ApiError::bad_parameter("the body is not UTF-8 text: post the plan's GeoJSON")
    })?;
    let treated = hexspot_ingest::plan_cells(text)
        .map_err(|e| ApiError::bad_parameter(format!("the posted plan: {e}")))?;
    let (snap, query, format) = request(&state, raw.as_deref(), &known, &treated)?;
    let (content_type, name) = format.content_type_and_file("hexspot-evaluate");
    let bytes = body(&state, snap, query, format, Some(POSTED_PLAN)).await?;
    let mut res = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(attachment(res, name))
}

fn request(
    state: &AppState,
    raw: Option<&str>,
    known: &[&[String]],
    treated: &[h3o::CellIndex],
) -> Result<(Arc<Snapshot>, EvaluateQuery, FormatParam), ApiError> {
    let filters = FilterParams::parse(raw, known)?;
    let extra: EvaluateParams = parse(raw, known)?;
    let file: FileParams = parse(raw, known)?;
    let snap = state.snapshot()?;
    let query = evaluate_query(state, &snap, &filters, &extra, treated)?;
    Ok((snap, query, file.format.unwrap_or_default()))
}

async fn body(
    state: &AppState,
    snap: Arc<Snapshot>,
    query: EvaluateQuery,
    format: FormatParam,
    treated_source: Option<&'static str>,
) -> Result<Bytes, ApiError> {
    let result = state.evaluation(&snap, &query).await?;
    let state = state.clone();
    blocking(move || {
        let ctx = EvaluateContext {
            query: &query,
            result: &result,
            harm: state.harm(),
            imports: &snap.sources,
            treated_source,
            control_source: None,
        };
        let mut out = Vec::new();
        hexspot_export::evaluate::write(&ctx, format.file(), &mut out)
            .map_err(ApiError::internal)?;
        Ok(Bytes::from(out))
    })
    .await
}
