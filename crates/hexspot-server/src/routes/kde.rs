//! `/api/v1/kde` and `/tiles/kde/…`: kernel density at cell centres, the CLI's GeoJSON
//! or CSV and vector tiles of the same answer.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_engine::KdeParams;
use hexspot_export::kde::KdeContext;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, blocking, cell_tile, download, etag};
use crate::query::{FileParams, FilterParams, TileParams, kde_names, kde_query, parse};
use crate::state::AppState;
use crate::tiles::{self, TileId};

/// Kernel density (PRODUCT.md): the quartic kernel of bandwidth `bandwidth_m` summed
/// at the centre of every cell within h of a selected incident, per km², ranked. The
/// same bytes as `hexspot kde --format geojson|csv`; `k` and `alpha` do not apply.
#[utoipa::path(get, path = "/api/v1/kde", tag = "data",
    params(FilterParams, KdeParams, FileParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection, one Feature per evaluated cell with `cell`, `density_km2` and `rank`; its `hexspot` member states the kernel, the bandwidth and the cell set",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "no bandwidth_m, a parameter that cannot be used, or too many cells", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn kde(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), kde_names(), FileParams::names()];
    let filters = FilterParams::parse(raw.as_deref(), &known)?;
    let file: FileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = kde_query(&state, &snap, &filters, raw.as_deref(), &known)?;
    let format = file.format.unwrap_or_default();
    let tag = etag(&["kde", &snap.version, &format!("{format:?}|{query:?}")]);
    let (content_type, name) = format.content_type_and_file("hexspot-kde");
    download(&headers, &tag, content_type, name, async move {
        let stats = state.kde(&snap, &query).await?;
        ApiError::at_most_cells(
            stats.result.cells.len(),
            state.settings().max_response_cells,
            "use a coarser res, a smaller bandwidth or narrower filters (the tiles draw any size)",
        )?;
        blocking(move || {
            let ctx = KdeContext {
                query: &stats.query,
                result: &stats.result,
                imports: &snap.sources,
                cell_source: None,
            };
            let mut out = Vec::new();
            hexspot_export::kde::write(&ctx, format.file(), &mut out)
                .map_err(ApiError::internal)?;
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

/// A Mapbox Vector Tile (2.1) of a kernel density answer: layer `cells`, one hexagon
/// per evaluated cell with `cell`, `density_km2` and `rank`. Computed once per query
/// for every tile. Without `res`, the resolution follows the zoom:
/// `clamp(z − 3, 5, 12)`.
#[utoipa::path(get, path = "/tiles/kde/{z}/{x}/{y}", tag = "tiles",
    params(
        ("z" = u8, Path, description = "zoom, 0–22"),
        ("x" = u32, Path, description = "column, 0 to 2^z − 1"),
        ("y" = String, Path, description = "row, 0 to 2^z − 1 (from the north); may end in .mvt or .pbf"),
        FilterParams, KdeParams, TileParams),
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
    let known = [FilterParams::names(), kde_names(), TileParams::names()];
    let filters = FilterParams::parse(raw.as_deref(), &known)?.with_zoom_res(id.z());
    let version: TileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = kde_query(&state, &snap, &filters, raw.as_deref(), &known)?;
    let cache = version.cache_rule(&snap.version);
    let tag = etag(&["kde-tile", &snap.version, &format!("{id}|{query:?}")]);
    let answer = state.kde(&snap, &query);
    cell_tile(&state, &headers, tag, cache, answer, move |s| {
        tiles::encode_kde(s, id)
    })
    .await
}
