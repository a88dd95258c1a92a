//! `/public/v1/…`: the published product and nothing else — the files `hexspot
//! publish` wrote, byte for byte, and vector tiles cut from the same recorded values.
//! No parameters: the public never chooses a period, a filter or a geography, so
//! nothing else can be differenced against it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, GEOJSON, REVALIDATE, attachment, etag, representation, tile_response};
use crate::published::Published;
use crate::state::AppState;
use crate::tiles::TileId;

/// The publication, or 404 when there is none yet.
fn published(state: &AppState) -> Result<Arc<Published>, ApiError> {
    state.published().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_published",
            "nothing has been published yet (an analyst runs `hexspot publish`)",
        )
    })
}

fn tag(p: &Published, what: &str) -> String {
    etag(&["public", &p.id.to_string(), &p.made_at, what])
}

/// The publication's metadata: the rule (counts 1–9 suppressed, others rounded to the
/// nearest 5, no totals), the resolution, the period and its months, the filters, the
/// study region, the licence, when it was made and the files — the `hexspot` member of
/// `cells.geojson`, as `publication.json` beside the files.
#[utoipa::path(get, path = "/public/v1/publication.json", tag = "public",
    responses(
        (status = 200, description = "the publication's metadata", content((Object = "application/json"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "nothing published yet", body = ErrorBody)))]
pub async fn metadata(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = published(&state)?;
    Ok(representation(
        &headers,
        &tag(&p, "metadata"),
        REVALIDATE,
        "application/json",
        Some(p.metadata.clone()),
    ))
}

/// The published cells as RFC 7946 GeoJSON: one hexagon a (cell, month) with `cell`,
/// `month`, `count` (null when suppressed) and `suppressed`; the `hexspot` member
/// states the rule. The bytes `hexspot publish` wrote as `cells.geojson`.
#[utoipa::path(get, path = "/public/v1/cells.geojson", tag = "public",
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection", content((Object = "application/geo+json"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "nothing published yet", body = ErrorBody)))]
pub async fn geojson(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = published(&state)?;
    file(
        &headers,
        &p,
        "geojson",
        GEOJSON,
        p.geojson.clone(),
        "cells.geojson",
    )
}

/// The published cells as CSV: `cell`, `month`, `count` (empty when suppressed),
/// `suppressed`, then the resolution, period, filters, rule, licence and time made,
/// repeated on each row. The bytes `hexspot publish` wrote as `cells.csv`.
#[utoipa::path(get, path = "/public/v1/cells.csv", tag = "public",
    responses(
        (status = 200, description = "CSV", content((String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "nothing published yet", body = ErrorBody)))]
pub async fn csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = published(&state)?;
    file(&headers, &p, "csv", "text/csv", p.csv.clone(), "cells.csv")
}

fn file(
    headers: &HeaderMap,
    p: &Published,
    what: &str,
    content_type: &'static str,
    body: Bytes,
    name: &str,
) -> Result<Response, ApiError> {
    let res = representation(headers, &tag(p, what), REVALIDATE, content_type, Some(body));
    Ok(attachment(res, name.to_owned()))
}

/// A Mapbox Vector Tile (2.1) of the publication: layer `cells`, one hexagon a
/// (cell, month) — a cell's months on top of each other, for the map to filter by
/// `month` — with `cell`, `month`, `count` (absent when suppressed) and `suppressed`.
#[utoipa::path(get, path = "/public/v1/tiles/{z}/{x}/{y}", tag = "public",
    params(
        ("z" = u8, Path, description = "zoom, 0–22"),
        ("x" = u32, Path, description = "column, 0 to 2^z − 1"),
        ("y" = String, Path, description = "row, 0 to 2^z − 1 (from the north); may end in .mvt or .pbf")),
    responses(
        (status = 200, description = "the tile", content((Binary = "application/vnd.mapbox-vector-tile"))),
        (status = 204, description = "no published cells in this tile"),
        (status = 304, description = "not modified"),
        (status = 400, description = "a bad tile address", body = ErrorBody),
        (status = 404, description = "nothing published yet", body = ErrorBody)))]
pub async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = TileId::parse(&z, &x, &y)?;
    let p = published(&state)?;
    let tag = tag(&p, &format!("tile {id}"));
    tile_response(&state, &headers, tag, REVALIDATE, async move {
        let b = crate::http::blocking(move || Ok(p.tile(id))).await?;
        Ok(Bytes::from(b.unwrap_or_default()))
    })
    .await
}
