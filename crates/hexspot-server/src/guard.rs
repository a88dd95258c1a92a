//! Defences against other web sites: DNS rebinding (a page whose name resolves to
//! 127.0.0.1 reads the local server as its own origin) and cross-site requests that
//! change state (a form or a `text/plain` fetch needs no CORS preflight).
//!
//! - A request's `Host` must name this server: the address it listens on (for a
//!   loopback address also `localhost`; for an unspecified one any IP address) or the
//!   host of `--public-url`. Otherwise 421.
//! - A request that changes state (any method but GET, HEAD and OPTIONS) must carry a
//!   content type a page cannot send without a preflight, and an `Origin`, when sent,
//!   must be this server's or one allowed by `--cors-origin`. Otherwise 415 or 403.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// A `scheme://host[:port]` origin, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `http(s)://host[:port]` (no path, no trailing slash).
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an origin: expected http(s)://host[:port]");
        let (scheme, rest) = s.split_once("://").ok_or_else(bad)?;
        let default = match scheme {
            "http" => 80,
            "https" => 443,
            _ => return Err(bad()),
        };
        let (host, port) = split_host(rest, default).ok_or_else(bad)?;
        Ok(Self {
            scheme: scheme.to_owned(),
            host,
            port,
        })
    }

    /// As written: `scheme://host[:port]`, the port left out when it is the default.
    #[must_use]
    pub fn to_url(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            format!("{}://{host}", self.scheme)
        } else {
            format!("{}://{host}:{}", self.scheme, self.port)
        }
    }
}

/// `host[:port]` (IPv6 in brackets) as a lower-case host and a port.
fn split_host(s: &str, default_port: u16) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        match after {
            "" => (h, None),
            p => (h, Some(p.strip_prefix(':')?)),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let ok = |c: char| c.is_ascii_alphanumeric() || ".-:".contains(c);
    if host.is_empty() || host.len() > 253 || !host.chars().all(ok) {
        return None;
    }
    let port = match port {
        None => default_port,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// Whether `host` (a `Host` header) names a server listening on `listen` or serving as
/// `public`.
#[must_use]
pub fn host_allowed(host: &str, listen: SocketAddr, public: Option<&Origin>) -> bool {
    if let Some(p) = public
        && split_host(host, if p.scheme == "https" { 443 } else { 80 })
            == Some((p.host.clone(), p.port))
    {
        return true;
    }
    let Some((name, port)) = split_host(host, 80) else {
        return false;
    };
    if port != listen.port() {
        return false;
    }
    match listen.ip() {
        l if l.is_unspecified() => name == "localhost" || ip_of(&name).is_some(),
        l if l.is_loopback() => {
            name == "localhost" || ip_of(&name).is_some_and(|i| i.is_loopback())
        }
        l => ip_of(&name) == Some(l),
    }
}

fn ip_of(name: &str) -> Option<IpAddr> {
    name.parse().ok()
}

/// Content types a web page may send cross-site without a preflight (the Fetch
/// standard's CORS-safelisted ones), or none at all.
fn simple_content_type(ct: Option<&str>) -> bool {
    let Some(ct) = ct else { return true };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "" | "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
    )
}

/// The `Host` a request names (the header, or an absolute URI's authority).
fn host_of(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(ToString::to_string))
}

/// Every request: its `Host` must name this server.
pub async fn host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let s = state.settings();
    let host = host_of(&req);
    if let Some(listen) = s.listen {
        let public = s.public_origin.as_ref();
        match &host {
            Some(h) if host_allowed(h, listen, public) => {}
            Some(h) => {
                return ApiError::new(
                    StatusCode::MISDIRECTED_REQUEST,
                    "unknown_host",
                    format!(
                        "this server does not answer to the name {:?}: it listens on {listen}{}; \
                         to serve it under a name, start it with --public-url",
                        h.chars().take(100).collect::<String>(),
                        public
                            .map(|p| format!(" as {}", p.to_url()))
                            .unwrap_or_default()
                    ),
                )
                .into_response();
            }
            None => {
                return ApiError::bad_parameter("a Host header is needed").into_response();
            }
        }
    }
    next.run(req).await
}

/// Routes that change state: no request a page on another site could send.
pub async fn writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let s = state.settings();
    let host = host_of(&req);
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok());
        if simple_content_type(ct) {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "simple_request",
                "send a Content-Type naming the data (text/csv, application/geo+json or \
                 application/json): a change the type of which any web page may send without \
                 asking (none, text/plain, a form) is refused",
            )
            .into_response();
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let same = host.as_deref().is_some_and(|h| {
                origin == format!("http://{h}") || origin == format!("https://{h}")
            });
            let public = s
                .public_origin
                .as_ref()
                .is_some_and(|p| origin == p.to_url());
            let listed = s.cors_origins.iter().any(|o| o == origin);
            if !(same || public || listed) {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "cross_origin",
                    format!(
                        "a page from {:?} may not change this server's data (allow it with \
                         --cors-origin)",
                        origin.chars().take(100).collect::<String>()
                    ),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_servers_answer_to_loopback_names_only() {
        let l = addr("127.0.0.1:8080");
        for h in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
            "127.0.0.2:8080",
        ] {
            assert!(host_allowed(h, l, None), "{h}");
        }
        for h in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "10.0.0.1:8080",
            "",
            "a b:8080",
        ] {
            assert!(!host_allowed(h, l, None), "{h}");
        }
    }

    #[test]
    fn other_listeners_and_public_urls() {
        let any = addr("0.0.0.0:8080");
        assert!(host_allowed("10.1.2.3:8080", any, None));
        assert!(!host_allowed("hexspot.force.police.uk:8080", any, None));
        let public = Origin::parse("https://hexspot.force.police.uk").unwrap();
        assert!(host_allowed("hexspot.force.police.uk", any, Some(&public)));
        assert!(host_allowed(
            "Hexspot.Force.Police.UK:443",
            any,
            Some(&public)
        ));
        assert!(!host_allowed(
            "hexspot.force.police.uk:80",
            any,
            Some(&public)
        ));
        let one = addr("192.168.1.5:80");
        assert!(host_allowed("192.168.1.5", one, None));
        assert!(!host_allowed("192.168.1.6", one, None));
    }

    #[test]
    fn origins_parse_and_print() {
        let o = Origin::parse("http://[::1]:8080").unwrap();
        assert_eq!(o.to_url(), "http://[::1]:8080");
        assert_eq!(
            Origin::parse("https://a.example:443").unwrap().to_url(),
            "https://a.example"
        );
        for bad in [
            "ftp://a",
            "https://",
            "https://a/",
            "https://a:x",
            "a.example",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn simple_types_are_those_a_page_may_send_unasked() {
        for t in [
            None,
            Some("text/plain"),
            Some("Text/Plain; charset=utf-8"),
            Some("multipart/form-data; boundary=x"),
        ] {
            assert!(simple_content_type(t), "{t:?}");
        }
        for t in ["text/csv", "application/geo+json", "application/json"] {
            assert!(!simple_content_type(Some(t)), "{t}");
        }
    }
}
