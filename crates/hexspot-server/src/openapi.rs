//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

use crate::{area_routes, error, query, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hexspot",
        description = "H3 hotspot analysis of violence incidents: ranked Getis-Ord Gi* hotspots as GeoJSON and CSV, patrol plans, ward and district comparisons, cells by bounding box, and Mapbox Vector Tiles. Every error is JSON {\"error\": code, \"message\": text}.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        routes::meta,
        routes::hotspots,
        routes::plan,
        routes::briefing,
        routes::cells,
        routes::outline,
        routes::tile,
        routes::tilejson,
        area_routes::area_sets,
        area_routes::areas,
        area_routes::area_profile,
        area_routes::area_tile,
        routes::import,
        routes::healthz,
        routes::readyz,
        routes::openapi,
    ),
    components(schemas(
        error::ErrorBody,
        query::MeasureParam,
        query::RankParam,
        query::FormatParam,
        query::AreasFormatParam,
        routes::Meta,
        routes::Health,
        routes::ImportReport,
    )),
    tags(
        (name = "data", description = "hotspots, cells, metadata and imports"),
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
