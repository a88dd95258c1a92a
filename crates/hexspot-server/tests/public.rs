//! The public routes: the latest publication byte for byte, its tiles decoded, 404
//! before anything is published, no parameters, and the audit record of each answer.

use std::collections::BTreeMap;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geozero::mvt::{Message, Tile};
use hexspot_server::{AppState, Settings, router};
use hexspot_store::{ImportOptions, Role, Store, UserName};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[path = "support/publish.rs"]
mod support;
use support::publish;

/// A store holding the Leeds file (February 2025).
fn store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
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
    (dir, db, store)
}

async fn get(app: &Router, uri: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ct, body)
}

const ROUTES: [&str; 4] = [
    "/public/v1/publication.json",
    "/public/v1/cells.geojson",
    "/public/v1/cells.csv",
    "/public/v1/tiles/6/31/20",
];

/// The tile covering the Leeds file (6/31/20 holds all of West Yorkshire).
const TILE: &str = "/public/v1/tiles/6/31/20";

#[tokio::test]
async fn nothing_published_is_a_404_with_a_json_message() {
    let (_dir, _db, store) = store();
    let state = AppState::new(
        store,
        hexspot_engine::HarmTable::default(),
        Settings::default(),
    );
    state.load_snapshot().unwrap();
    let app = router(state);
    for uri in ROUTES {
        let (status, ct, body) = get(&app, uri, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(ct.starts_with("application/json"), "{uri}: {ct}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "not_published", "{uri}: {v}");
        assert!(v["message"].as_str().unwrap().contains("hexspot publish"));
    }
}

/// The properties of every feature of a tile's one layer.
fn tile_features(bytes: &[u8]) -> Vec<BTreeMap<String, Value>> {
    let tile = Tile::decode(bytes).expect("a protobuf tile");
    assert_eq!(tile.layers.len(), 1);
    let layer = &tile.layers[0];
    assert_eq!(layer.name, "cells");
    layer
        .features
        .iter()
        .map(|f| {
            assert_eq!(f.r#type, Some(3), "POLYGON");
            f.tags
                .chunks(2)
                .map(|kv| {
                    let v = &layer.values[kv[1] as usize];
                    let value = if let Some(s) = &v.string_value {
                        Value::from(s.clone())
                    } else if let Some(u) = v.uint_value {
                        Value::from(u)
                    } else if let Some(b) = v.bool_value {
                        Value::from(b)
                    } else {
                        panic!("unexpected value type {v:?}")
                    };
                    (layer.keys[kv[0] as usize].clone(), value)
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_latest_publication_is_served_byte_for_byte_and_its_tiles_agree() {
    let (_dir, _db, mut store) = store();
    publish(&mut store);
    let files = publish(&mut store); // the latest is served
    let state = AppState::new(
        store,
        hexspot_engine::HarmTable::default(),
        Settings::default(),
    );
    state.load_snapshot().unwrap();
    let app = router(state);
    let (s, ct, body) = get(&app, "/public/v1/cells.geojson", None).await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/geo+json"));
    assert_eq!(body, files.geojson);
    let (s, ct, body) = get(&app, "/public/v1/cells.csv", None).await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "text/csv"));
    assert_eq!(body, files.csv);
    let (s, _, body) = get(&app, "/public/v1/publication.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, files.metadata);

    // the tile: the GeoJSON's values, nothing else
    let doc: Value = serde_json::from_slice(&files.geojson).unwrap();
    let published: BTreeMap<(String, String), Value> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                (
                    p["cell"].as_str().unwrap().to_owned(),
                    p["month"].as_str().unwrap().to_owned(),
                ),
                p.clone(),
            )
        })
        .collect();
    let (s, ct, body) = get(&app, TILE, None).await;
    assert_eq!(
        (s, ct.as_str()),
        (StatusCode::OK, "application/vnd.mapbox-vector-tile")
    );
    let features = tile_features(&body);
    assert_eq!(
        features.len(),
        published.len(),
        "every published value is in the tile"
    );
    let mut suppressed = 0;
    for f in &features {
        let key = (
            f["cell"].as_str().unwrap().to_owned(),
            f["month"].as_str().unwrap().to_owned(),
        );
        let p = &published[&key];
        assert_eq!(f["suppressed"], p["suppressed"], "{key:?}");
        match f.get("count") {
            None => {
                assert_eq!(f["suppressed"], true);
                assert_eq!(p["count"], Value::Null);
                suppressed += 1;
            }
            Some(c) => {
                let c = c.as_u64().unwrap();
                assert_eq!(p["count"], c);
                assert!(c == 0 || (c >= 10 && c % 5 == 0), "{key:?}: {c}");
            }
        }
        assert_eq!(f.len(), if f.contains_key("count") { 4 } else { 3 });
    }
    assert!(suppressed > 0, "Leeds in one month has cells with 1–9");
    // an empty tile far away, and no parameters taken
    let (s, _, _) = get(&app, "/public/v1/tiles/6/0/0", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for uri in ROUTES {
        let (s, _, body) = get(&app, &format!("{uri}?from=2025-01"), None).await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn the_public_role_reads_the_product_and_each_answer_is_recorded_tiles_once() {
    let (_dir, db, mut store) = store();
    publish(&mut store);
    let token = store
        .add_user(&UserName::try_from("reader").unwrap(), Role::Public)
        .unwrap()
        .1
        .expose()
        .to_owned();
    let state = AppState::new(
        store,
        hexspot_engine::HarmTable::default(),
        Settings::default(),
    );
    state.load_snapshot().unwrap();
    let app = router(state.clone());
    for uri in [
        "/public/v1/cells.geojson",
        TILE,
        "/public/v1/tiles/7/63/41",
        TILE,
    ] {
        let (s, _, _) = get(&app, uri, Some(&token)).await;
        assert!(s.is_success(), "{uri}: {s}");
    }
    // and nothing else of the data
    let (s, _, _) = get(&app, "/api/v1/hotspots", Some(&token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    state.audit().unwrap().flush().await;
    let log = Store::open(&db).unwrap().audit_records(None, None).unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "publish",
            "users add",
            "GET /public/v1/cells.geojson",
            "GET /public/v1/tiles/{z}/{x}/{y}",
        ]
    );
    assert_eq!(log[3].user.as_deref(), Some("reader"));
    assert_eq!(log[3].role.as_deref(), Some("public"));
}
