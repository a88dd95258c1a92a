//! The hotspot tiles and their TileJSON.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use hexspot_engine::{BBox, Limit};
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorBody};
use crate::guard;
use crate::http::{Binary, cell_tile, etag, json_representation};
use crate::query::{FilterParams, TileParams, build_query, parse};
use crate::state::AppState;
use crate::tiles::{self, TileId};

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
    let filters = FilterParams::parse(raw.as_deref(), &known)?.with_zoom_res(id.z());
    let extra: TileParams = parse(raw.as_deref(), &known)?;
    let snap = state.snapshot()?;
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    let cache = extra.cache_rule(&snap.version);
    let tag = etag(&["tile", &snap.version, &format!("{id}|{query:?}")]);
    let answer = state.stats(&snap, &query);
    cell_tile(&state, &headers, tag, cache, answer, move |s| {
        tiles::encode(s, id)
    })
    .await
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
    let filters = FilterParams::parse(raw.as_deref(), &[FilterParams::names()])?;
    let snap = state.snapshot()?;
    // check the query now, as the tiles will, so a bad one fails here rather than in
    // every tile
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    query.filter.check(&snap.table)?;
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
    let base = state
        .settings()
        .public_origin
        .as_ref()
        .map_or_else(|| format!("http://{host}"), guard::Origin::to_url);
    let url = format!("{base}/tiles/hotspots/{{z}}/{{x}}/{{y}}?{qs}");
    let bounds = snap.bounds.map_or(
        [-180.0, -85.051_128_78, 180.0, 85.051_128_78],
        BBox::to_array,
    );
    let zooms: Vec<Value> = tiles::zoom_table()
        .into_iter()
        .map(|(a, b, r)| json!({ "min_zoom": a, "max_zoom": b, "res": r }))
        .collect();
    let fixed = filters.query.res;
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
            "k": query.k.get(),
            "measure": query.measure.name(),
            "rank_by": query.rank_by.name(),
            "alpha": query.alpha.get(),
            "study_region": query.region.describe(query.k),
            "from": query.filter.period.map(|p| p.from().to_string()),
            "to": query.filter.period.map(|p| p.to().to_string()),
        }
    });
    let tag = etag(&["tilejson", &snap.version, &url]);
    json_representation(&headers, &tag, &body)
}
