//! Any request path and query string against the whole router, over the bundled Leeds
//! file: every answer is below 500 (a malformed request is the client's 4xx, never a
//! panic or a server error).
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct App {
    router: Router,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a folder");
        let mut store = hexspot_store::Store::open(&dir.path().join("f.db")).expect("a store");
        let leeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/police-uk/crimedataleeds.csv");
        store
            .import_file(
                std::path::Path::new(leeds),
                "crimedataleeds.csv",
                &hexspot_store::ImportOptions::default(),
                &mut |_| {},
            )
            .expect("the Leeds file imports");
        let state = hexspot_server::AppState::new(
            store,
            hexspot_engine::HarmTable::default(),
            hexspot_server::Settings::default(),
        );
        state.load_snapshot().expect("loads");
        App {
            router: hexspot_server::router(state),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            _dir: dir,
        }
    })
}

/// Routes the input is steered to (its first byte picks one; the rest is appended).
const PREFIXES: [&str; 14] = [
    "/api/v1/hotspots?",
    "/api/v1/plan?",
    "/api/v1/cells?",
    "/tiles/hotspots/",
    "/tiles/hotspots.json?",
    "/api/v1/emerging?",
    "/api/v1/kde?",
    "/api/v1/trend?",
    "/api/v1/areas/",
    "/tiles/emerging/",
    "/",
    "/api/v1/meta?",
    "/api/v1/backtest?",
    "/api/v1/evaluate?",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let uri = format!("{}{rest}", PREFIXES[pick as usize % PREFIXES.len()]);
    // only what HTTP itself lets through reaches the router
    let Ok(req) = Request::get(uri.as_str()).body(Body::empty()) else {
        return;
    };
    let app = app();
    let res = app
        .runtime
        .block_on(app.router.clone().oneshot(req))
        .expect("the router is infallible");
    assert!(
        res.status().as_u16() < 500 || res.status().as_u16() == 503,
        "{uri} answered {}",
        res.status()
    );
});
