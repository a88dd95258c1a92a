//! `/api/v1/hotspots`: ranked hotspot cells, the CLI's GeoJSON or CSV.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_engine::Limit;
use hexspot_export::Context;

use crate::error::{ApiError, ErrorBody};
use crate::http::{blocking, download, etag};
use crate::query::{FilterParams, FormatParam, HotspotsParams, build_query, parse};
use crate::state::AppState;

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
    let filters = FilterParams::parse(raw.as_deref(), &known)?;
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
        ApiError::at_most_cells(
            n,
            state.settings().max_response_cells,
            "use top=N, a coarser res or narrower filters",
        )?;
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
