//! `/api/v1/cells`: the study-region cells in a box, with whole-region statistics.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_engine::{BBox, Limit};
use hexspot_export::Context;
use serde_json::json;

use crate::error::{ApiError, ErrorBody};
use crate::http::{GEOJSON, REVALIDATE, blocking, etag, matches, not_modified, representation};
use crate::query::{FilterParams, build_query};
use crate::state::AppState;

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
    let mut filters = FilterParams::parse(raw.as_deref(), &[FilterParams::names()])?;
    let view = filters
        .query
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
