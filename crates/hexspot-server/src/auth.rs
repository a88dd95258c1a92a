//! Who is asking, what their role may see, and the audit record of what they saw.
//!
//! Requests carry `Authorization: Bearer TOKEN`. The token's SHA-256 is looked up in
//! [`Directory`], the active users as read from the store (refreshed when another
//! process writes to it, as `hexspot users add` does). Without a token, or with a
//! wrong or revoked one: 401. With a role the route's [`access`] does not name: 403.
//! Authentication is on when the store has any user (or off when the server was told
//! `--insecure-no-auth`); with none, every route is open, as before.
//!
//! Every 2xx from a data route appends an audit record (user, role, route, the
//! normalised query, client address, and the `purpose=` and `recipient=` parameters,
//! which this layer takes off the query before the route sees it). Tiles are recorded
//! once per (user, route, query) per server run, not per tile. Records are written by
//! [`AuditWriter`]'s own thread on its own connection, so a request never waits for the
//! store's write lock (an import holds it for minutes). The token itself is never
//! logged: the request span names the method and URI only.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hexspot_store::{AuditEntry, Role, Store, StoreError, TokenHash, UserInfo};

use crate::error::ApiError;
use crate::state::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: health, readiness, the map's static files.
    Anyone,
    /// These roles.
    Roles(&'static [Role]),
}

const ALL: &[Role] = &[Role::Analyst, Role::Partner, Role::Public];
const AGGREGATES: &[Role] = &[Role::Analyst, Role::Partner];
const ANALYST: &[Role] = &[Role::Analyst];

/// The role table: who may use the route with this path pattern (`None`: the static
/// map, the router's fallback). A route not named here is the analyst's alone, so a new
/// route is closed until it is placed.
#[must_use]
pub fn access(route: Option<&str>) -> Access {
    let Some(route) = route else {
        return Access::Anyone;
    };
    match route {
        "/healthz" | "/readyz" => Access::Anyone,
        // the published product (`hexspot publish`): the public role's only data
        "/api/v1/openapi.json"
        | "/public/v1/publication.json"
        | "/public/v1/cells.geojson"
        | "/public/v1/cells.csv"
        | "/public/v1/tiles/{z}/{x}/{y}" => Access::Roles(ALL),
        // aggregates: counts and statistics per cell or area, never an incident
        "/api/v1/meta"
        | "/api/v1/outline"
        | "/api/v1/areas"
        | "/api/v1/areas/{set}"
        | "/api/v1/areas/{set}/{code}"
        | "/tiles/areas/{set}/{z}/{x}/{y}"
        | "/api/v1/hotspots"
        | "/api/v1/plan"
        | "/api/v1/plan/briefing.png"
        | "/api/v1/emerging"
        | "/tiles/emerging/{z}/{x}/{y}"
        | "/api/v1/kde"
        | "/tiles/kde/{z}/{x}/{y}"
        | "/api/v1/trend"
        | "/api/v1/backtest"
        | "/api/v1/backtest/curves.png"
        | "/api/v1/evaluate"
        | "/tiles/hotspots.json"
        | "/tiles/hotspots/{z}/{x}/{y}" => Access::Roles(AGGREGATES),
        // the records behind a cell, and imports
        _ => Access::Roles(ANALYST),
    }
}

/// Whether a route's answers are recorded: everything but health, readiness, this
/// API's description and the static map.
fn audited(route: Option<&str>) -> bool {
    !matches!(
        route,
        None | Some("/healthz" | "/readyz" | "/api/v1/openapi.json")
    )
}

/// The active users by their token's hash, and whether authentication is on.
#[derive(Debug, Default)]
pub struct Directory {
    on: bool,
    users: HashMap<TokenHash, UserInfo>,
}

impl Directory {
    /// Read from the store: on when it has any user (active or revoked), unless
    /// `disabled`.
    ///
    /// # Errors
    /// [`StoreError`] when the users cannot be read.
    pub fn load(store: &Store, disabled: bool) -> Result<Self, StoreError> {
        Ok(Self {
            on: !disabled && store.has_users()?,
            users: store.active_users()?.into_iter().collect(),
        })
    }

    /// On, with no users: every token refused.
    #[must_use]
    pub fn closed() -> Self {
        Self {
            on: true,
            users: HashMap::new(),
        }
    }

    /// Whether requests must carry a token.
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.on
    }
}

/// The audit log's writer: a thread with its own connection, fed in order.
pub struct AuditWriter {
    send: mpsc::Sender<Job>,
    /// (user, route, query) of the tiles already recorded in this run.
    tiles_seen: moka::sync::Cache<String, ()>,
}

enum Job {
    Append(AuditEntry),
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl AuditWriter {
    /// Starts the thread, on a second connection to `store`'s file.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened again.
    ///
    /// # Panics
    /// When the OS cannot start a thread.
    pub fn start(store: &Store) -> Result<Self, StoreError> {
        let mut conn = store.open_again()?;
        let (send, recv) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("hexspot-audit".into())
            .spawn(move || {
                for job in recv {
                    match job {
                        Job::Append(entry) => append_retrying(&mut conn, &entry),
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })
            .expect("the OS starts a thread");
        Ok(Self {
            send,
            tiles_seen: moka::sync::Cache::new(1 << 16),
        })
    }

    fn append(&self, entry: AuditEntry) {
        if self.send.send(Job::Append(entry)).is_err() {
            tracing::error!("the audit thread has stopped: a record was not written");
        }
    }

    /// Waits until every record sent so far is written (for tests and shutdown).
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.send.send(Job::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Appends, trying again while another connection holds the write lock (an import).
fn append_retrying(store: &mut Store, entry: &AuditEntry) {
    let mut wait = Duration::from_millis(50);
    loop {
        match store.append_audit(entry) {
            Ok(_) => return,
            Err(e) if e.is_busy() => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            Err(e) => {
                tracing::error!(error = %e, action = %entry.action, "cannot write an audit record");
                return;
            }
        }
    }
}

/// The user a request was authenticated as, for handlers that want it.
#[derive(Debug, Clone)]
pub struct Caller(pub UserInfo);

/// The query as recorded: its pairs sorted, `purpose` and `recipient` taken out, and
/// the route's own path parameters (a tile's z/x/y) left out by recording the pattern.
fn split_query(q: Option<&str>) -> (String, Option<String>, Option<String>) {
    let mut pairs: Vec<(String, String)> =
        serde_html_form::from_str(q.unwrap_or("")).unwrap_or_default();
    let mut purpose = None;
    let mut recipient = None;
    pairs.retain(|(k, v)| match k.as_str() {
        "purpose" => {
            purpose = Some(v.clone());
            false
        }
        "recipient" => {
            recipient = Some(v.clone());
            false
        }
        _ => true,
    });
    pairs.sort();
    let text = serde_html_form::to_string(&pairs).unwrap_or_default();
    (text, purpose, recipient)
}

/// `uri` without its `purpose` and `recipient` parameters (the routes refuse unknown
/// ones), other pairs as they were sent.
fn without_audit_parameters(uri: &Uri) -> Option<Uri> {
    let q = uri.query()?;
    let kept: Vec<&str> = q
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            name != "purpose" && name != "recipient"
        })
        .collect();
    if kept.len() == q.split('&').count() {
        return None;
    }
    let path = uri.path();
    let pq = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(pq.parse().ok()?);
    Uri::from_parts(parts).ok()
}

fn unauthorized(message: &str) -> Response {
    let mut res = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"hexspot\""),
    );
    res
}

/// The middleware: authenticates, checks the role table, records the answer.
pub async fn require(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let dir = state.directory();
    if !dir.is_on() {
        return next.run(req).await;
    }
    let access = access(route.as_deref());
    let caller = match req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) => {
            let Some(token) = v
                .strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
            else {
                return unauthorized("expected `Authorization: Bearer TOKEN`");
            };
            match dir.users.get(&TokenHash::of(token.trim())) {
                Some(user) => Some(user.clone()),
                None => return unauthorized("the token is not valid (wrong, or revoked)"),
            }
        }
        None => None,
    };
    drop(dir);
    if let Access::Roles(roles) = access {
        let Some(user) = &caller else {
            return unauthorized("this route needs a token: `Authorization: Bearer TOKEN`");
        };
        if !roles.contains(&user.role) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("the {} role may not use this route", user.role),
            )
            .into_response();
        }
    }
    let method = req.method().clone();
    let (query, purpose, recipient) = split_query(req.uri().query());
    if let Some(uri) = without_audit_parameters(req.uri()) {
        *req.uri_mut() = uri;
    }
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    if let Some(user) = &caller {
        req.extensions_mut().insert(Caller(user.clone()));
    }
    let mut res = next.run(req).await;
    // answers for one user are not for a shared cache
    if let Some(cc) = res.headers().get(header::CACHE_CONTROL)
        && let Ok(text) = cc.to_str()
        && text.contains("public")
        && let Ok(v) = HeaderValue::from_str(&text.replace("public", "private"))
    {
        res.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    if res.status().is_success() && audited(route.as_deref()) && method != Method::HEAD {
        let route = route.unwrap_or_default();
        let user = caller.as_ref();
        let writer = state.audit();
        if let Some(writer) = writer {
            // `/tiles/…` and `/public/v1/tiles/…`
            let tile = route.contains("/tiles/") && route.contains("{z}");
            let key = format!(
                "{}\n{route}\n{query}\n{}",
                user.map_or("", |u| u.name.as_str()),
                purpose.as_deref().unwrap_or("")
            );
            if !(tile && writer.tiles_seen.contains_key(&key)) {
                if tile {
                    writer.tiles_seen.insert(key, ());
                }
                writer.append(AuditEntry {
                    user: user.map(|u| u.name.clone()),
                    role: user.map(|u| u.role),
                    action: format!("{method} {route}"),
                    query,
                    rows: None,
                    recipient,
                    purpose,
                    client,
                });
            }
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_recorded_sorted_without_purpose_and_recipient() {
        let (q, p, r) = split_query(Some("res=9&purpose=tasking&from=2024-01&recipient=CSP"));
        assert_eq!(q, "from=2024-01&res=9");
        assert_eq!(p.as_deref(), Some("tasking"));
        assert_eq!(r.as_deref(), Some("CSP"));
        let uri: Uri = "/api/v1/hotspots?res=9&purpose=x%20y".parse().unwrap();
        assert_eq!(
            without_audit_parameters(&uri).unwrap().to_string(),
            "/api/v1/hotspots?res=9"
        );
        let uri: Uri = "/api/v1/hotspots?purpose=x".parse().unwrap();
        assert_eq!(
            without_audit_parameters(&uri).unwrap().to_string(),
            "/api/v1/hotspots"
        );
        assert!(without_audit_parameters(&"/a?res=9".parse().unwrap()).is_none());
    }

    #[test]
    fn unknown_routes_are_the_analysts_and_the_map_is_anyones() {
        assert_eq!(
            access(Some("/api/v1/something-new")),
            Access::Roles(ANALYST)
        );
        assert_eq!(access(Some("/api/v1/backtest")), Access::Roles(AGGREGATES));
        assert_eq!(access(Some("/api/v1/cells")), Access::Roles(ANALYST));
        assert_eq!(access(Some("/api/v1/imports")), Access::Roles(ANALYST));
        assert_eq!(access(None), Access::Anyone);
        assert_eq!(access(Some("/healthz")), Access::Anyone);
        assert_eq!(
            access(Some("/public/v1/tiles/{z}/{x}/{y}")),
            Access::Roles(ALL)
        );
    }
}
