//! hexspot's HTTP service: the engine's hotspots as GeoJSON, CSV and Mapbox Vector
//! Tiles over axum, with the limits a server on a police network needs.
//!
//! The only crate that knows HTTP. [`router`] builds the whole application over an
//! [`AppState`]; [`serve`] runs it on a listener until a shutdown signal, letting
//! requests in flight finish.

pub mod auth;
pub mod connections;
pub mod encoding;
mod error;
pub mod guard;
mod http;
mod inflight;
mod layers;
pub mod memory;
pub mod openapi;
pub mod published;
mod query;
mod routes;
mod state;
pub mod stats;
pub mod tiles;
pub mod web;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use crate::http::{GEOJSON, MVT};
pub use crate::routes::imports::clean_upload_dir;
pub use error::{ApiError, ErrorBody};
pub use state::{AppState, Settings};

/// The application: every route with its middleware.
///
/// # Panics
/// When a CORS origin in the settings is not a valid header value (checked by
/// [`cors_origins`] first).
pub fn router(state: AppState) -> Router {
    let s = state.settings().clone();
    let timeout = |d: Duration| {
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(layers::overload_or_timeout))
            .timeout(d)
    };
    let bare = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/api/v1/meta", get(routes::meta::meta))
        .route("/api/v1/outline", get(routes::outline::outline))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route("/api/v1/areas", get(routes::areas::area_sets))
        .route_layer(axum::middleware::from_fn(layers::no_parameters));
    // the published product: fixed files and their tiles, no parameters at all
    let public = Router::new()
        .route("/public/v1/publication.json", get(routes::public::metadata))
        .route("/public/v1/cells.geojson", get(routes::public::geojson))
        .route("/public/v1/cells.csv", get(routes::public::csv))
        .route("/public/v1/tiles/{z}/{x}/{y}", get(routes::public::tile))
        .route_layer(axum::middleware::from_fn(layers::no_parameters));
    let reads = Router::new()
        .merge(bare)
        .merge(public)
        .route("/api/v1/hotspots", get(routes::hotspots::hotspots))
        .route("/api/v1/plan", get(routes::plan::plan))
        .route("/api/v1/plan/briefing.png", get(routes::plan::briefing))
        .route("/api/v1/cells", get(routes::cells::cells))
        .route("/api/v1/emerging", get(routes::emerging::emerging))
        .route("/tiles/emerging/{z}/{x}/{y}", get(routes::emerging::tile))
        .route("/api/v1/kde", get(routes::kde::kde))
        .route("/api/v1/backtest", get(routes::backtest::backtest))
        .route("/api/v1/backtest/curves.png", get(routes::backtest::curves))
        .route("/api/v1/trend", get(routes::trend::trend))
        .route("/tiles/kde/{z}/{x}/{y}", get(routes::kde::tile))
        .route("/tiles/hotspots.json", get(routes::tiles::tilejson))
        .route("/tiles/hotspots/{z}/{x}/{y}", get(routes::tiles::tile))
        .route("/api/v1/areas/{set}", get(routes::areas::areas))
        .route(
            "/api/v1/areas/{set}/{code}",
            get(routes::areas::area_profile),
        )
        .route(
            "/tiles/areas/{set}/{z}/{x}/{y}",
            get(routes::areas::area_tile),
        )
        .route_layer(timeout(s.request_timeout));
    // GET with the query string, POST with a patrol plan: checked as writes are (a
    // page on another site cannot post to it), with a body limit of its own
    let evaluate = Router::new()
        .route(
            "/api/v1/evaluate",
            get(routes::evaluate::evaluate).post(routes::evaluate::evaluate_plan),
        )
        .route_layer(timeout(s.request_timeout))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::writes,
        ))
        .layer(DefaultBodyLimit::max(routes::evaluate::MAX_PLAN_BYTES));
    let writes = Router::new()
        .route("/api/v1/imports", post(routes::imports::import))
        .route_layer(timeout(s.import_timeout))
        // uploads have their own few slots: they cannot take the reads' away
        .route_layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(layers::overload_or_timeout))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(s.max_uploads.max(1))),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::writes,
        ))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(s.max_upload_bytes));
    let cors = (!s.cors_origins.is_empty()).then(|| {
        let origins = s
            .cors_origins
            .iter()
            .map(|o| HeaderValue::from_str(o).expect("checked by cors_origins"));
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                header::AUTHORIZATION,
            ])
            .expose_headers([
                header::ETAG,
                header::CONTENT_DISPOSITION,
                HeaderName::from_static("vary"),
            ])
    });
    reads
        .merge(evaluate)
        .merge(writes)
        .fallback(web::not_found)
        // tokens and roles, and the audit record of each answer
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require,
        ))
        // before any route: a page on another site gets nothing from it
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::host,
        ))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                // numbered first, so the span and every error can name the request
                .layer(axum::middleware::from_fn(layers::request_id))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(layers::request_span)
                        .on_response(
                            DefaultOnResponse::new()
                                .level(Level::INFO)
                                .latency_unit(tower_http::LatencyUnit::Micros),
                        )
                        // 503s while loading or overloaded are expected, not crashes
                        .on_failure(DefaultOnFailure::new().level(Level::WARN)),
                )
                .option_layer(cors)
                // browsers must not guess a type other than the one sent
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(axum::middleware::from_fn(layers::etag_per_coding))
                .layer(CompressionLayer::new().gzip(true).br(true))
                .layer(axum::middleware::from_fn(layers::json_errors))
                .layer(HandleErrorLayer::new(layers::overload_or_timeout))
                .load_shed()
                // one limit for the whole server (`Router::layer` wraps each route)
                .layer(GlobalConcurrencyLimitLayer::new(s.max_concurrency)),
        )
}

/// Checks CORS origins (`https://host[:port]`).
///
/// # Errors
/// The first origin that is not a valid `scheme://host[:port]`.
pub fn cors_origins(origins: &[String]) -> Result<(), String> {
    for o in origins {
        let ok = (o.starts_with("http://") || o.starts_with("https://"))
            && !o.ends_with('/')
            && HeaderValue::from_str(o).is_ok();
        if !ok {
            return Err(format!(
                "{o:?} is not an origin: expected scheme://host[:port], e.g. https://maps.example.org"
            ));
        }
    }
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` completes, within the settings'
/// connection limits (see [`connections::serve`]); requests in flight then finish, for
/// at most the shutdown deadline, before this returns.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.settings().connections;
    connections::serve(listener, router(state), limits, shutdown).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: finishing requests in flight"),
        () = term => tracing::info!("SIGTERM: finishing requests in flight"),
    }
}

/// Logs to standard error: one line per request (method, path, status, latency) and
/// the server's own events; `json` for one JSON object per line. `RUST_LOG` overrides
/// the default level (info).
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // a second call (tests) leaves the first subscriber in place
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
