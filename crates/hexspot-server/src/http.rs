//! The HTTP helpers every route shares: caching rules and content types, entity tags
//! and 304s, representations and file downloads, blocking work, and tile responses
//! compressed once per coding. A leaf: it imports no route module.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::encoding::Coding;
use crate::error::ApiError;
use crate::state::AppState;

/// Data that changes only with an import: keep it, but ask each time (304 is cheap).
pub(crate) const REVALIDATE: &str = "no-cache";
/// A tile whose URL names the data version it shows.
pub(crate) const IMMUTABLE: &str = "public, max-age=86400, immutable";
/// Content type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";
/// Content type of vector tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Raw bytes, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// Whether `If-None-Match` lists `etag` (weak comparison, as RFC 9110 requires for it).
pub(crate) fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
}

/// Validator and caching headers.
fn with_validators(mut res: Response, etag: &str, cache: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(etag).expect("hex"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// 304: the client's copy is current.
pub(crate) fn not_modified(etag: &str, cache: &'static str) -> Response {
    with_validators(StatusCode::NOT_MODIFIED.into_response(), etag, cache)
}

/// A representation with its validator and caching rule (204 without a body); 304 when
/// the client has it.
pub(crate) fn representation(
    headers: &HeaderMap,
    etag: &str,
    cache: &'static str,
    content_type: &'static str,
    body: Option<Bytes>,
) -> Response {
    if matches(headers, etag) {
        return not_modified(etag, cache);
    }
    let res = match body {
        Some(b) => (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], b).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    };
    with_validators(res, etag, cache)
}

/// A PNG shown in the browser (`Content-Disposition: inline` naming `file`), with its
/// validator; 304 when the client has it.
pub(crate) fn png(headers: &HeaderMap, etag: &str, file: &'static str, body: Bytes) -> Response {
    let mut res = representation(headers, etag, REVALIDATE, "image/png", Some(body));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A file answer: 304 when the client holds this version, else the body `make` builds;
/// either way with `Content-Disposition: attachment` naming `file`. `make` runs only
/// when the body is needed.
pub(crate) async fn download(
    headers: &HeaderMap,
    tag: &str,
    content_type: &'static str,
    file: String,
    make: impl std::future::Future<Output = Result<Bytes, ApiError>>,
) -> Result<Response, ApiError> {
    let res = if matches(headers, tag) {
        not_modified(tag, REVALIDATE)
    } else {
        representation(headers, tag, REVALIDATE, content_type, Some(make.await?))
    };
    Ok(attachment(res, file))
}

/// Marks a response as a file to save, named `file`.
pub(crate) fn attachment(mut res: Response, file: String) -> Response {
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")).expect("ascii"),
    );
    res
}

/// JSON data that changes only with an import.
pub(crate) fn json_representation(
    headers: &HeaderMap,
    etag: &str,
    body: &impl Serialize,
) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok(representation(
        headers,
        etag,
        REVALIDATE,
        "application/json",
        Some(bytes.into()),
    ))
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// A strong entity tag for a response fully determined by `parts` (the software
/// version, the data version and the normalised request).
#[must_use]
pub fn etag(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(hexspot_export::SOFTWARE);
    for p in parts {
        h.update([0]);
        h.update(p.as_bytes());
    }
    let hex: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// A tile's response: 304 when the client has it; else the tile (an empty body when
/// nothing is in it) made by `make` once, then cached plain and compressed.
pub(crate) async fn tile_response(
    state: &AppState,
    headers: &HeaderMap,
    tag: String,
    cache: &'static str,
    make: impl std::future::Future<Output = Result<Bytes, ApiError>>,
) -> Result<Response, ApiError> {
    // tiles are compressed here, once, and cached compressed; tower-http leaves a body
    // that already has a Content-Encoding alone
    let coding = Coding::negotiate(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = if matches(headers, &tag) {
        not_modified(&tag, cache)
    } else {
        let plain = match state.cached_tile(&tag) {
            Some(b) => b,
            None => {
                let b = make.await?;
                state.cache_tile(tag.clone(), b.clone());
                b
            }
        };
        let body = match coding.header() {
            _ if plain.is_empty() => None,
            None => Some(plain),
            Some(c) => {
                let key = format!("{tag}|{c}");
                Some(match state.cached_tile(&key) {
                    Some(b) => b,
                    None => {
                        let b = Bytes::from(blocking(move || Ok(coding.encode(&plain))).await?);
                        state.cache_tile(key, b.clone());
                        b
                    }
                })
            }
        };
        let has_body = body.is_some();
        let mut res = representation(headers, &tag, cache, MVT, body);
        if let (true, Some(c)) = (has_body, coding.header()) {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
        res
    };
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}

/// A tile of cells cut from a query's cached answer: `answer` fetches (or computes) it
/// only when the tile is not cached, and `encode` cuts the tile from it off the async
/// threads (an empty tile: no body).
pub(crate) async fn cell_tile<T: Send + Sync + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    tag: String,
    cache: &'static str,
    answer: impl std::future::Future<Output = Result<std::sync::Arc<T>, ApiError>>,
    encode: impl FnOnce(&T) -> Result<Option<Vec<u8>>, crate::tiles::TileError> + Send + 'static,
) -> Result<Response, ApiError> {
    tile_response(state, headers, tag, cache, async move {
        let answer = answer.await?;
        let b = blocking(move || Ok(encode(&answer)?)).await?;
        Ok(Bytes::from(b.unwrap_or_default()))
    })
    .await
}
