//! API errors: every failure is JSON `{"error": code, "message": text}` with a status
//! that says whose fault it was. A client's mistake is echoed; the server's own failure
//! answers a generic message, and its cause goes to the log (see
//! `layers::json_errors`), never to the client.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hexspot_data::DataError;
use hexspot_engine::{
    BacktestError, CompareError, EvaluateError, ParamError, QueryError, SpaceTimeError,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::tiles::TileError;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code, e.g. `bad_parameter`.
    pub error: String,
    /// What was wrong, for a person.
    pub message: String,
}

/// An error a handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// For the server's own failures: what failed, for the log only.
    cause: Option<String>,
    /// Seconds to send in `Retry-After` (a 503 worth retrying).
    retry_after: Option<u32>,
}

/// The cause of a 500, carried on its response from the handler to
/// `layers::json_errors`, which logs it with the request's id and takes it off.
#[derive(Debug, Clone)]
pub(crate) struct InternalCause(pub(crate) String);

/// The message of every 500; `request` is the request's id in the log.
pub(crate) fn internal_message(request: Option<u64>) -> String {
    match request {
        Some(id) => format!("the server failed; the cause is in its log (request id {id})"),
        None => "the server failed; the cause is in its log".to_owned(),
    }
}

impl ApiError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            cause: None,
            retry_after: None,
        }
    }

    /// 503 while another process writes to the database: try again after a moment.
    pub fn busy() -> Self {
        Self {
            retry_after: Some(2),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the database is busy with another writer (an import?); try again shortly",
            )
        }
    }

    /// 503 when the server has no room for the work: try again after a second.
    pub fn overloaded(message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
        }
    }

    /// 503 for a computation stopped because every request waiting for it went away
    /// (seen only by a request that joined just then, after retrying).
    pub fn cancelled() -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "cancelled",
                "the computation was stopped because the requests waiting for it went away; try again",
            )
        }
    }

    /// Whether this is [`ApiError::cancelled`].
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.code == "cancelled"
    }

    /// 400 for a parameter that cannot be used.
    pub fn bad_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }

    /// 400 for a request that asks for more than one response may hold.
    pub fn too_much(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "too_many_cells", message)
    }

    /// 400 when an answer would list `n` cells, more than the `max` one response may
    /// hold; `advice` says how to ask for fewer.
    ///
    /// # Errors
    /// That 400, when `n > max`.
    pub fn at_most_cells(n: usize, max: usize, advice: &str) -> Result<(), Self> {
        if n > max {
            return Err(Self::too_much(format!(
                "the answer would list {n} cells (at most {max}): {advice}"
            )));
        }
        Ok(())
    }

    /// 503 until the snapshot is loaded.
    pub fn not_ready() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the incident snapshot is still loading; try again shortly",
        )
    }

    /// 500: a failure on the server's side. The client is told only that it failed;
    /// `cause` is logged at error level when the response leaves the router.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                internal_message(None),
            )
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> Self {
        Self::bad_parameter(e.to_string())
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::RegionTooLarge { .. } => Self::too_much(e.to_string()),
            QueryError::Cancelled(_) => Self::cancelled(),
            _ => Self::new(StatusCode::BAD_REQUEST, "bad_query", e.to_string()),
        }
    }
}

impl From<SpaceTimeError> for ApiError {
    fn from(e: SpaceTimeError) -> Self {
        match e {
            SpaceTimeError::Query(q) => Self::from(q),
            _ => Self::new(StatusCode::BAD_REQUEST, "bad_period", e.to_string()),
        }
    }
}

impl From<BacktestError> for ApiError {
    fn from(e: BacktestError) -> Self {
        match e {
            BacktestError::Query(q) => Self::from(q),
            BacktestError::OutsideData { .. } | BacktestError::Gap { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "bad_period", e.to_string())
            }
            BacktestError::NoMethods | BacktestError::Budget(_) | BacktestError::NoData => {
                Self::new(StatusCode::BAD_REQUEST, "bad_query", e.to_string())
            }
        }
    }
}

impl From<EvaluateError> for ApiError {
    fn from(e: EvaluateError) -> Self {
        match e {
            EvaluateError::Query(q) => Self::from(q),
            // the counts are the server's own: a failure here is its own
            EvaluateError::Wdd(_) => Self::internal(e),
            _ => Self::new(StatusCode::BAD_REQUEST, "bad_query", e.to_string()),
        }
    }
}

impl From<hexspot_briefing::BriefingError> for ApiError {
    fn from(e: hexspot_briefing::BriefingError) -> Self {
        match e {
            hexspot_briefing::BriefingError::Size(..) => Self::bad_parameter(e.to_string()),
            hexspot_briefing::BriefingError::Encode(_) => Self::internal(e),
        }
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::TooManyCells { .. } => ApiError::too_much(e.to_string()),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_tile", e.to_string()),
        }
    }
}

impl From<DataError> for ApiError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::UnknownSet { .. } => {
                Self::new(StatusCode::NOT_FOUND, "unknown_set", e.to_string())
            }
            DataError::Compare(CompareError::Query(q)) => Self::from(q),
            DataError::Compare(CompareError::NoPeriod)
            | DataError::SortKey(_)
            | DataError::SortOrder { .. } => Self::bad_parameter(e.to_string()),
            DataError::Store(s) if s.is_busy() => Self::busy(),
            DataError::Store(_) | DataError::Compare(_) | DataError::Outline(_) => {
                Self::internal(e)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(ErrorBody {
                error: self.code.to_owned(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(cause) = self.cause {
            res.extensions_mut().insert(InternalCause(cause));
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        res
    }
}
