//! `/api/v1/outline`: the outline of the data, a base layer that needs no network.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::error::{ApiError, ErrorBody};
use crate::http::{GEOJSON, REVALIDATE, blocking, etag, matches, not_modified, representation};
use crate::state::AppState;

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
