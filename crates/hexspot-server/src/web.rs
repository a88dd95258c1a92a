//! The map application (`web/dist`, built by `npm --prefix web run build`), served at
//! `/`. Release builds carry the files inside the binary; debug builds read them from
//! `web/dist` at run time, so a rebuilt app shows without recompiling. Its handler is
//! the router's fallback: any path no route takes is a file of the app, else a 404.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::error::ApiError;

#[derive(Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../../web/dist"]
#[allow_missing = true]
struct Assets;

/// How to build the app when it is missing.
pub const BUILD_HINT: &str = "the map application is not built: run `scripts/build-web.sh` \
     (npm ci and npm run build in web/), then rebuild hexspot for release builds";

/// Whether the app is present.
#[must_use]
pub fn available() -> bool {
    Assets::get("index.html").is_some()
}

/// The file at `path` (`/` is `index.html`), with its type and a validator from its
/// SHA-256; `None` when there is no such file.
pub fn asset(path: &str, headers: &HeaderMap) -> Option<Response> {
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    // no directory walking: names are exactly the embedded ones
    let file = Assets::get(name)?;
    let hash = file.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut res = if crate::http::matches(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = match name.rsplit('.').next() {
            // module workers must be served as JavaScript
            Some("mjs" | "js") => "text/javascript; charset=utf-8",
            _ => file.metadata.mimetype(),
        };
        (
            [(header::CONTENT_TYPE, HeaderValue::from_str(mime).ok()?)],
            file.data.into_owned(),
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).ok()?);
    // file names do not change with their content: revalidate (a 304 is cheap)
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if name == "index.html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    Some(res)
}

/// The page runs only this server's scripts (MapLibre's worker is a module file here,
/// its images `blob:`/`data:`); data and images may also come over http(s) so that a
/// configured external basemap style can load.
const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
     img-src 'self' data: blob: http: https:; style-src 'self' 'unsafe-inline'; \
     connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// `/` when the app was not built: a 503 that says how to build it.
#[must_use]
pub fn missing() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "web_not_built", BUILD_HINT)
}

/// Any other path: a file of the map application (`/` is its page), else 404.
pub async fn not_found(
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        if let Some(res) = asset(uri.path(), &headers) {
            return Ok(res);
        }
        if uri.path() == "/" {
            return Err(missing());
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such resource: {}; see /api/v1/openapi.json", uri.path()),
    ))
}
