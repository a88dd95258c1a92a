//! `/api/v1/emerging` and `/tiles/emerging/…`: emerging hot spots, the CLI's GeoJSON or
//! CSV and vector tiles of the same answer.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_engine::EmergingParams;
use hexspot_export::emerging::EmergingContext;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, blocking, cell_tile, download, etag};
use crate::query::{FileParams, FilterParams, TileParams, emerging_names, emerging_query, parse};
use crate::state::AppState;
use crate::tiles::{self, TileId};

/// Emerging hot spots (PRODUCT.md): the space-time cube of the period's slices,
/// space-time Gi* per bin, Mann-Kendall per cell and one of the 17 categories per cell
/// of the study region. `from` and `to` are required (whole months). The same bytes as
/// `hexspot emerging --format geojson|csv`.
#[utoipa::path(get, path = "/api/v1/emerging", tag = "data",
    params(FilterParams, EmergingParams, FileParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection, one Feature per study-region cell with `category`, `hot_slices`, `cold_slices`, `final_z`, `mk_s`, `mk_z`, `mk_p`, `trend`, `counts` and `z`; its `hexspot` member states the slices, n, mean, std, α, the rules, the gap check and the category totals",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used, a period that is not whole slices, fewer than 4 slices, a gap month, or too many cells", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn emerging(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), emerging_names(), FileParams::names()];
    let filters = FilterParams::parse(raw.as_deref(), &known)?;
    let extra: EmergingParams = parse(raw.as_deref(), &known)?;
    let file: FileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = emerging_query(&state, &filters, &extra)?;
    let format = file.format.unwrap_or_default();
    let tag = etag(&["emerging", &snap.version, &format!("{format:?}|{query:?}")]);
    let (content_type, name) = format.content_type_and_file("hexspot-emerging");
    download(&headers, &tag, content_type, name, async move {
        let stats = state.emerging(&snap, &query).await?;
        ApiError::at_most_cells(
            stats.result.cells.len(),
            state.settings().max_response_cells,
            "use a coarser res or narrower filters (the tiles draw any size)",
        )?;
        blocking(move || {
            let ctx = EmergingContext {
                query: &stats.query,
                result: &stats.result,
                harm: state.harm(),
                imports: &snap.sources,
                region_source: None,
            };
            let mut out = Vec::new();
            hexspot_export::emerging::write(&ctx, format.file(), &mut out)
                .map_err(ApiError::internal)?;
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

/// A Mapbox Vector Tile (2.1) of an emerging hot spot answer: layer `cells`, one
/// hexagon per study-region cell with `cell`, `category`, `hot_slices`, `cold_slices`,
/// `final_z` and `trend` (the last two absent where undefined). The cube is computed
/// once per query, so every tile agrees with `/api/v1/emerging`. Without `res`, the
/// resolution follows the zoom: `clamp(z − 3, 5, 12)`.
#[utoipa::path(get, path = "/tiles/emerging/{z}/{x}/{y}", tag = "tiles",
    params(
        ("z" = u8, Path, description = "zoom, 0–22"),
        ("x" = u32, Path, description = "column, 0 to 2^z − 1"),
        ("y" = String, Path, description = "row, 0 to 2^z − 1 (from the north); may end in .mvt or .pbf"),
        FilterParams, EmergingParams, TileParams),
    responses(
        (status = 200, description = "the tile", content((Binary = "application/vnd.mapbox-vector-tile"))),
        (status = 204, description = "no cells in this tile"),
        (status = 304, description = "not modified"),
        (status = 400, description = "a bad tile address, parameter or period", body = ErrorBody)))]
pub async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = TileId::parse(&z, &x, &y)?;
    let known = [FilterParams::names(), emerging_names(), TileParams::names()];
    let filters = FilterParams::parse(raw.as_deref(), &known)?.with_zoom_res(id.z());
    let extra: EmergingParams = parse(raw.as_deref(), &known)?;
    let version: TileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = emerging_query(&state, &filters, &extra)?;
    let cache = version.cache_rule(&snap.version);
    let tag = etag(&["emerging-tile", &snap.version, &format!("{id}|{query:?}")]);
    let answer = state.emerging(&snap, &query);
    cell_tile(&state, &headers, tag, cache, answer, move |s| {
        tiles::encode_emerging(s, id)
    })
    .await
}
