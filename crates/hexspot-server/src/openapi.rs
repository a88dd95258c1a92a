//! The OpenAPI 3.1 document, generated from the handlers' annotations, and its route.

use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use utoipa::OpenApi;

use crate::http::{etag, representation};
use crate::routes::{
    areas, backtest, cells, emerging, evaluate, health, hotspots, imports, kde, meta, outline,
    plan, public, tiles, trend,
};
use crate::{auth, error, query};

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
        public::metadata,
        public::geojson,
        public::csv,
        public::tile,
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
        (name = "public", description = "the published product: counts per cell and month, 1–9 suppressed and the rest rounded to the nearest 5; the only routes the public role may use"),
        (name = "health", description = "liveness and readiness"),
        (name = "meta", description = "this document"),
    )
)]
struct ApiDoc;

/// The document as pretty-printed JSON (the committed `openapi.json` is this text).
#[must_use]
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    name_roles(&mut doc);
    let mut s = doc.to_pretty_json().expect("the document serialises");
    s.push('\n');
    s
}

/// Adds the bearer scheme, and to each operation the roles that may use it (from the
/// role table, [`auth::access`]) as a description line and a security requirement.
fn name_roles(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `hexspot users add`; needed once the store has any user",
                    ))
                    .build(),
            ),
        );
    for (path, item) in &mut doc.paths.paths {
        let access = auth::access(Some(path));
        for op in [&mut item.get, &mut item.post].into_iter().flatten() {
            let line = match access {
                auth::Access::Anyone => "Roles: anyone (no token needed).".to_owned(),
                auth::Access::Roles(roles) => {
                    op.security = Some(vec![SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]);
                    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                    format!("Roles: {}.", names.join(", "))
                }
            };
            op.description = Some(match op.description.take() {
                Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
                _ => line,
            });
        }
    }
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
