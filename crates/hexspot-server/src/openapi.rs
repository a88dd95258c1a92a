//! The OpenAPI 3.1 document, generated from the handlers' annotations, and its route.

use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use utoipa::OpenApi;

use crate::http::{etag, representation};
use crate::routes::{
    areas, backtest, cells, emerging, evaluate, health, hotspots, imports, kde, meta, outline,
    plan, tiles, trend,
};
use crate::{error, query};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hexspot",
        description = "H3 hotspot analysis of violence incidents: ranked Getis-Ord Gi* hotspots as GeoJSON and CSV, emerging hot spots, kernel density, patrol plans, ward and district comparisons, cells by bounding box, and Mapbox Vector Tiles. Every error is JSON {\"error\": code, \"message\": text}.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        meta::meta,
        hotspots::hotspots,
        plan::plan,
        plan::briefing,
        cells::cells,
        emerging::emerging,
        emerging::tile,
        kde::kde,
        kde::tile,
        backtest::backtest,
        backtest::curves,
        evaluate::evaluate,
        evaluate::evaluate_plan,
        trend::trend,
        outline::outline,
        tiles::tile,
        tiles::tilejson,
        areas::area_sets,
        areas::areas,
        areas::area_profile,
        areas::area_tile,
        imports::import,
        health::healthz,
        health::readyz,
        openapi,
    ),
    components(schemas(
        error::ErrorBody,
        hexspot_engine::Measure,
        hexspot_engine::RankBy,
        query::FormatParam,
        query::AreasFormatParam,
        query::BacktestFormatParam,
        hexspot_engine::Method,
        meta::Meta,
        health::Health,
        imports::ImportReport,
    )),
    tags(
        (name = "data", description = "hotspots, emerging hot spots, kernel density, cells, metadata and imports"),
        (name = "areas", description = "wards and districts: boundary sets, comparison, area profiles"),
        (name = "tiles", description = "vector tiles and TileJSON"),
        (name = "health", description = "liveness and readiness"),
        (name = "meta", description = "this document"),
    )
)]
struct ApiDoc;

/// The document as pretty-printed JSON (the committed `openapi.json` is this text).
#[must_use]
pub fn document() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document serialises");
    s.push('\n');
    s
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", content((Object = "application/json")))))]
pub async fn openapi(headers: HeaderMap) -> Response {
    static DOC: std::sync::OnceLock<(String, Bytes)> = std::sync::OnceLock::new();
    let (tag, body) = DOC.get_or_init(|| {
        let json = document();
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
