//! Cross-cutting HTTP behaviour: a number for each request, JSON bodies for errors
//! raised outside the handlers, the server's own failures logged and kept from the
//! client, entity tags that differ per content coding, load shedding and timeouts.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::BoxError;
use tracing::Span;

use crate::error::{ApiError, InternalCause, internal_message};

/// A request's number in this process: in its log span and in a 500's message, so a
/// user's report leads to the logged cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(pub u64);

/// Numbers each request (from 1, in arrival order).
pub async fn request_id(mut req: Request, next: Next) -> Response {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = RequestId(NEXT.fetch_add(1, Ordering::Relaxed));
    req.extensions_mut().insert(id);
    next.run(req).await
}

/// The log span of a request: its number, method, URI and HTTP version.
pub fn request_span(req: &Request) -> Span {
    let id = req.extensions().get::<RequestId>().map(|r| r.0);
    tracing::info_span!(
        "request",
        id,
        method = %req.method(),
        uri = %req.uri(),
        version = ?req.version(),
    )
}

/// Routes that take no parameters refuse any, so a typo is not silently ignored.
pub async fn no_parameters(req: Request, next: Next) -> Response {
    match req.uri().query() {
        Some(q) if !q.is_empty() => {
            let first = q.split('&').next().unwrap_or(q);
            let name = first.split('=').next().unwrap_or(first);
            ApiError::bad_parameter(format!(
                "unknown parameter {:?}; this route takes no parameters",
                name.chars().take(100).collect::<String>()
            ))
            .into_response()
        }
        _ => next.run(req).await,
    }
}

/// Turns a 503 from the concurrency limit or the timeout into a JSON error.
pub async fn overload_or_timeout(err: BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took longer than the server's time limit",
        )
        .into_response()
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::overloaded("the server is busy; try again shortly").into_response()
    } else {
        ApiError::internal(err).into_response()
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    }
}

/// Gives every error response a JSON body `{"error", "message"}`, including those made
/// by axum and tower (405, 413, rejections), keeping their text as the message. The
/// server's own failures (a 500 from a handler, or a 5xx other than 503 from below)
/// answer a generic message naming the request's id instead, and their cause is
/// logged at error level.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let id = req.extensions().get::<RequestId>().map(|r| r.0);
    let mut res = next.run(req).await;
    let status = res.status();
    if let Some(InternalCause(cause)) = res.extensions_mut().remove::<InternalCause>() {
        return internal(status, id, &cause);
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned()
    } else {
        text
    };
    let code = code_for(status);
    if code == "internal" {
        return internal(status, id, &message);
    }
    let mut out = ApiError::new(status, code, message).into_response();
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k, v.clone());
        }
    }
    out
}

/// Logs `cause` and answers the generic message in its place.
fn internal(status: StatusCode, request: Option<u64>, cause: &str) -> Response {
    tracing::error!(request_id = request, %cause, "internal error");
    ApiError::new(status, "internal", internal_message(request)).into_response()
}

const CODINGS: [&str; 2] = ["gzip", "br"];

/// A strong entity tag names one exact byte sequence, so a compressed response needs a
/// tag of its own: `"abc"` becomes `"abc-gzip"` or `"abc-br"` on the way out, and the
/// suffix is taken off `If-None-Match` on the way in so handlers compare the base tag.
/// A 304 carries the tag the client holds, suffix included.
pub async fn etag_per_coding(mut req: Request, next: Next) -> Response {
    // the tags the client holds, as it sent them
    let held: Vec<String> = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_owned())
        .collect();
    if !held.is_empty() {
        let h = req.headers_mut();
        h.remove(header::IF_NONE_MATCH);
        for tag in &held {
            let mut base = tag.clone();
            for c in CODINGS {
                base = base.replace(&format!("-{c}\""), "\"");
            }
            if let Ok(v) = HeaderValue::from_str(&base) {
                h.append(header::IF_NONE_MATCH, v);
            }
        }
    }
    let mut res: Response<Body> = next.run(req).await;
    let Some(base) = res
        .headers()
        .get(header::ETAG)
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.strip_suffix('"'))
        .map(str::to_owned)
    else {
        return res;
    };
    let coding = if res.status() == StatusCode::NOT_MODIFIED {
        CODINGS
            .into_iter()
            .find(|c| held.iter().any(|t| *t == format!("{base}-{c}\"")))
    } else {
        res.headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| CODINGS.into_iter().find(|k| *k == c))
    };
    if let Some(v) = coding.and_then(|c| HeaderValue::from_str(&format!("{base}-{c}\"")).ok()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}
