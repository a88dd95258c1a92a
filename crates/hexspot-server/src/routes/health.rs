//! `/healthz` and `/readyz`: liveness and readiness, never cached.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Liveness and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// Incidents in the snapshot (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<usize>,
    /// The data version (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<String>,
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "alive", body = Health)))]
pub async fn healthz() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(Health {
            status: "ok",
            incidents: None,
            data_version: None,
        }),
    )
}

/// Ready: the snapshot is loaded and queries can be answered.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let snap = state.snapshot()?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(Health {
            status: "ready",
            incidents: Some(snap.table.len()),
            data_version: Some(snap.version.clone()),
        }),
    ))
}
