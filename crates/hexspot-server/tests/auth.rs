//! Tokens, roles and the audit record of each answer: every route × every role.

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hexspot_engine::HarmTable;
use hexspot_server::{AppState, Settings, router};
use hexspot_store::{AuditCheck, ImportOptions, Role, Store, UserName};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "support/publish.rs"]
mod support;

struct App {
    router: Router,
    state: AppState,
    db: std::path::PathBuf,
    analyst: String,
    partner: String,
    public: String,
    revoked: String,
    _dir: tempfile::TempDir,
}

fn name(s: &str) -> UserName {
    UserName::try_from(s).unwrap()
}

/// A server over the Leeds file with an analyst, a partner, a public user, a
/// revoked analyst and a publication.
fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut store = Store::open(&db).unwrap();
    store
        .import_file(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/police-uk/crimedataleeds.csv"),
            "crimedataleeds.csv",
            &ImportOptions::default(),
            &mut |_| {},
        )
        .unwrap();
    let mut token = |n: &str, r: Role| store.add_user(&name(n), r).unwrap().1.expose().to_owned();
    let analyst = token("alice", Role::Analyst);
    let partner = token("pat", Role::Partner);
    let public = token("pub", Role::Public);
    let revoked = token("old", Role::Analyst);
    store.revoke_user(&name("old")).unwrap();
    support::publish(&mut store);
    let state = AppState::new(store, HarmTable::default(), Settings::default());
    state.load_snapshot().unwrap();
    App {
        router: router(state.clone()),
        state,
        db,
        analyst,
        partner,
        public,
        revoked,
        _dir: dir,
    }
}

async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = if method == "POST" {
        req.header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from("Crime ID,Month\n"))
            .unwrap()
    } else {
        req.body(Body::empty()).unwrap()
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Who may use a route in the table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum May {
    Anyone,
    /// analyst, partner and public: the published product
    Everyone,
    Aggregates,
    Analyst,
}

const ROUTES: &[(&str, &str, May)] = &[
    ("GET", "/healthz", May::Anyone),
    ("GET", "/readyz", May::Anyone),
    ("GET", "/", May::Anyone),
    ("GET", "/api/v1/openapi.json", May::Everyone),
    ("GET", "/public/v1/publication.json", May::Everyone),
    ("GET", "/public/v1/cells.geojson", May::Everyone),
    ("GET", "/public/v1/cells.csv", May::Everyone),
    ("GET", "/public/v1/tiles/12/2030/1316", May::Everyone),
    ("GET", "/api/v1/meta", May::Aggregates),
    ("GET", "/api/v1/outline", May::Aggregates),
    ("GET", "/api/v1/areas", May::Aggregates),
    ("GET", "/api/v1/hotspots?res=9&top=3", May::Aggregates),
    ("GET", "/api/v1/plan?cells=3", May::Aggregates),
    ("GET", "/api/v1/emerging?res=8", May::Aggregates),
    ("GET", "/api/v1/kde?bandwidth_m=300", May::Aggregates),
    ("GET", "/api/v1/trend?cell=89195da49b7ffff", May::Aggregates),
    ("GET", "/api/v1/backtest?folds=1", May::Aggregates),
    (
        "GET",
        "/api/v1/backtest/curves.png?folds=1",
        May::Aggregates,
    ),
    (
        "GET",
        "/api/v1/evaluate?treated_cells=89195da49b7ffff&before=2025-01..2025-01&after=2025-02..2025-02",
        May::Aggregates,
    ),
    ("GET", "/tiles/hotspots.json", May::Aggregates),
    ("GET", "/tiles/hotspots/12/2030/1316", May::Aggregates),
    (
        "GET",
        "/tiles/kde/12/2030/1316?bandwidth_m=300",
        May::Aggregates,
    ),
    ("GET", "/tiles/emerging/12/2030/1316?res=8", May::Aggregates),
    (
        "GET",
        "/api/v1/cells?bbox=-1.56,53.79,-1.53,53.81",
        May::Analyst,
    ),
    ("POST", "/api/v1/imports?name=x.csv", May::Analyst),
];

#[tokio::test]
async fn every_route_by_every_role() {
    let a = app();
    let tokens = [
        ("analyst", Some(a.analyst.as_str())),
        ("partner", Some(a.partner.as_str())),
        ("public", Some(a.public.as_str())),
        ("revoked", Some(a.revoked.as_str())),
        ("wrong", Some("hxs_notatoken")),
        ("none", None),
    ];
    for &(method, uri, may) in ROUTES {
        for (who, token) in tokens {
            let (status, body) = send(&a.router, method, uri, token).await;
            let expected = match (may, who) {
                // a wrong token is refused even where none is needed: it is a mistake
                (May::Anyone, "revoked" | "wrong") => Some(StatusCode::UNAUTHORIZED),
                (May::Anyone, _) => None,
                (_, "revoked" | "wrong" | "none") => Some(StatusCode::UNAUTHORIZED),
                (May::Everyone, "analyst" | "partner" | "public")
                | (May::Aggregates, "analyst" | "partner")
                | (May::Analyst, "analyst") => None,
                _ => Some(StatusCode::FORBIDDEN),
            };
            match expected {
                Some(s) => {
                    assert_eq!(status, s, "{method} {uri} as {who}: {body}");
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
                }
                None => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{method} {uri} as {who}: {status} {body}"
                ),
            }
        }
    }
    // a bad token on an open route is still refused: it is a mistake worth saying
    let (status, _) = send(&a.router, "GET", "/healthz", Some("hxs_nope")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn answers_are_recorded_with_the_purpose_and_tiles_once_per_query() {
    let a = app();
    let (s, body) = send(
        &a.router,
        "GET",
        "/api/v1/hotspots?top=3&res=9&purpose=tasking%20briefing&recipient=CSP",
        Some(&a.partner),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for (x, y) in [(2030, 1316), (2031, 1316), (2030, 1317)] {
        send(
            &a.router,
            "GET",
            &format!("/tiles/hotspots/12/{x}/{y}"),
            Some(&a.analyst),
        )
        .await;
    }
    // refused and open requests are not consultations of data
    send(
        &a.router,
        "GET",
        "/api/v1/cells?bbox=-1.56,53.79,-1.53,53.81",
        Some(&a.partner),
    )
    .await;
    send(&a.router, "GET", "/healthz", None).await;
    a.state.audit().unwrap().flush().await;
    let store = Store::open(&a.db).unwrap();
    let log = store.audit_records(None, None).unwrap();
    // 4 user additions, 1 revocation and the publication, then the answers
    let answers: Vec<_> = log.iter().skip(6).collect();
    assert_eq!(answers.len(), 2, "{answers:#?}");
    let h = answers[0];
    assert_eq!(h.user.as_deref(), Some("pat"));
    assert_eq!(h.role.as_deref(), Some("partner"));
    assert_eq!(h.action, "GET /api/v1/hotspots");
    assert_eq!(h.query, "res=9&top=3");
    assert_eq!(h.purpose.as_deref(), Some("tasking briefing"));
    assert_eq!(h.recipient.as_deref(), Some("CSP"));
    let t = answers[1];
    assert_eq!(t.action, "GET /tiles/hotspots/{z}/{x}/{y}");
    assert_eq!(t.user.as_deref(), Some("alice"));
    assert!(matches!(
        store.verify_audit().unwrap(),
        AuditCheck::Intact { records: 8, .. }
    ));
}

#[tokio::test]
async fn without_users_every_route_is_open_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let state = AppState::new(store, HarmTable::default(), Settings::default());
    state.load_snapshot().unwrap();
    let r = router(state);
    let (s, body) = send(&r, "GET", "/api/v1/meta", None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_openapi_document_names_each_routes_roles() {
    let a = app();
    let (s, body) = send(&a.router, "GET", "/api/v1/openapi.json", Some(&a.public)).await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let d = |p: &str, m: &str| {
        doc["paths"][p][m]["description"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(d("/api/v1/cells", "get").ends_with("Roles: analyst."));
    assert!(d("/api/v1/hotspots", "get").ends_with("Roles: analyst, partner."));
    assert!(d("/api/v1/imports", "post").ends_with("Roles: analyst."));
    assert!(d("/healthz", "get").ends_with("no token needed)."));
}
