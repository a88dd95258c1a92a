//! Every route through `router(state).oneshot(...)` on the real Leeds police.uk file:
//! bodies, tiles decoded feature by feature, caching headers, limits and a table of bad
//! requests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use geozero::mvt::{Message, Tile};
use hexspot_engine::HarmTable;
use hexspot_server::{AppState, Settings, router};
use hexspot_store::{ImportOptions, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const VIOLENCE: &str = "crime_type=Violence%20and%20sexual%20offences";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

struct App {
    router: Router,
    state: AppState,
    _dir: tempfile::TempDir,
}

/// A server over the Leeds file (8,009 rows), snapshot loaded unless `load` is false.
fn app_with(settings: Settings, load: bool) -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    store
        .import_file(
            &data("police-uk/crimedataleeds.csv"),
            "crimedataleeds.csv",
            &ImportOptions::default(),
            &mut |_| {},
        )
        .unwrap();
    let state = AppState::new(store, HarmTable::default(), settings);
    if load {
        state.load_snapshot().unwrap();
    }
    App {
        router: router(state.clone()),
        state,
        _dir: dir,
    }
}

fn app() -> App {
    app_with(Settings::default(), true)
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn get_with(app: &Router, uri: &str, name: &str, value: &str) -> Reply {
    send(
        app,
        Request::get(uri)
            .header(name, value)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// An error reply: the status, JSON content type and `{error, message}` body.
fn assert_error(r: &Reply, status: StatusCode, code: &str, what: &str) {
    assert_eq!(
        r.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(
        r.header(header::CONTENT_TYPE)
            .starts_with("application/json"),
        "{what}"
    );
    let v = r.json();
    assert_eq!(v["error"], code, "{what}: {v}");
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {v}"
    );
}

// ------------------------------------------------------------------ MVT decoding

#[derive(Debug)]
struct Feature {
    props: BTreeMap<String, Value>,
    rings: Vec<Vec<[i64; 2]>>,
}

fn zigzag(v: u32) -> i64 {
    i64::from(v >> 1) ^ -i64::from(v & 1)
}

/// Decodes a tile's one layer by the spec, independently of the writer: returns
/// (name, version, extent, features).
fn decode(bytes: &[u8]) -> (String, u32, u32, Vec<Feature>) {
    let tile = Tile::decode(bytes).expect("a protobuf tile");
    assert_eq!(tile.layers.len(), 1);
    let layer = &tile.layers[0];
    let mut features = Vec::new();
    for f in &layer.features {
        assert_eq!(f.r#type, Some(3), "POLYGON");
        assert_eq!(f.tags.len() % 2, 0);
        let props = f
            .tags
            .chunks(2)
            .map(|kv| {
                let v = &layer.values[kv[1] as usize];
                let value = if let Some(s) = &v.string_value {
                    Value::from(s.clone())
                } else if let Some(d) = v.double_value {
                    Value::from(d)
                } else if let Some(u) = v.uint_value {
                    Value::from(u)
                } else if let Some(b) = v.bool_value {
                    Value::from(b)
                } else {
                    panic!("unexpected value type {v:?}")
                };
                (layer.keys[kv[0] as usize].clone(), value)
            })
            .collect();
        let (mut x, mut y) = (0i64, 0i64);
        let mut rings: Vec<Vec<[i64; 2]>> = Vec::new();
        let g = &f.geometry;
        let mut i = 0;
        while i < g.len() {
            let (cmd, count) = (g[i] & 7, (g[i] >> 3) as usize);
            i += 1;
            match cmd {
                1 => {
                    assert_eq!(count, 1, "MoveTo once per ring");
                    x += zigzag(g[i]);
                    y += zigzag(g[i + 1]);
                    i += 2;
                    rings.push(vec![[x, y]]);
                }
                2 => {
                    for _ in 0..count {
                        x += zigzag(g[i]);
                        y += zigzag(g[i + 1]);
                        i += 2;
                        rings.last_mut().expect("LineTo after MoveTo").push([x, y]);
                    }
                }
                7 => assert_eq!(count, 1),
                c => panic!("unknown command {c}"),
            }
        }
        features.push(Feature { props, rings });
    }
    (
        layer.name.clone(),
        layer.version,
        layer.extent.unwrap_or(4096),
        features,
    )
}

/// Twice the area by the surveyor's formula in tile coordinates.
fn area2(ring: &[[i64; 2]]) -> i64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum()
}

/// The slippy-map tile holding a point.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x as u32, y as u32)
}

fn centre(cell: &str) -> (f64, f64) {
    let c: h3o::CellIndex = cell.parse().unwrap();
    let ll = h3o::LatLng::from(c);
    (ll.lng(), ll.lat())
}

// ------------------------------------------------------------------ health and meta

#[tokio::test]
async fn health_and_readiness() {
    let a = app_with(Settings::default(), false);
    let r = get(&a.router, "/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");
    assert_error(
        &get(&a.router, "/readyz").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        "before loading",
    );
    assert_error(
        &get(&a.router, "/api/v1/hotspots").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        "data before loading",
    );
    a.state.load_snapshot().unwrap();
    let r = get(&a.router, "/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["incidents"], 8009);
}

#[tokio::test]
async fn meta_states_imports_types_period_and_resolutions() {
    let a = app();
    let r = get(&a.router, "/api/v1/meta").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["incidents"], 8009);
    assert_eq!(v["first_month"], "2025-02");
    assert_eq!(v["last_month"], "2025-02");
    let types = v["crime_types"].as_array().unwrap();
    let total: u64 = types.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 8009);
    assert_eq!(types[0]["name"], "Violence and sexual offences");
    assert_eq!(v["imports"][0]["file"], "crimedataleeds.csv");
    assert_eq!(v["imports"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        v["resolutions"],
        serde_json::json!([5, 6, 7, 8, 9, 10, 11, 12])
    );
    assert_eq!(v["tile_resolution_by_zoom"][0]["res"], 5);
    // conditional request
    let tag = r.header(header::ETAG).to_owned();
    let r = get_with(&a.router, "/api/v1/meta", "if-none-match", &tag).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
}

// ------------------------------------------------------------------ hotspots

#[tokio::test]
async fn hotspots_geojson_csv_and_caching_headers() {
    let a = app();
    let uri = format!("/api/v1/hotspots?{VIOLENCE}&top=5&res=9");
    let r = get(&a.router, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "application/geo+json");
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"hexspot-hotspots.geojson\""
    );
    assert_eq!(r.header(header::CACHE_CONTROL), "no-cache");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let v = r.json();
    assert_eq!(v["type"], "FeatureCollection");
    let f = v["features"].as_array().unwrap();
    assert_eq!(f.len(), 5);
    assert_eq!(f[0]["properties"]["rank"], 1);
    assert_eq!(v["hexspot"]["query"]["res"], 9);
    assert_eq!(
        v["hexspot"]["query"]["crime_types"][0],
        "Violence and sexual offences"
    );
    // strong ETag; 304 when the client has it
    let tag = r.header(header::ETAG).to_owned();
    assert!(tag.starts_with('"') && !tag.starts_with("W/"));
    let r304 = get_with(&a.router, &uri, "if-none-match", &tag).await;
    assert_eq!(r304.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r304.header(header::ETAG), tag);
    // another query, another tag
    let other = get(&a.router, "/api/v1/hotspots?top=5&res=9").await;
    assert_ne!(other.header(header::ETAG), tag);
    // CSV
    let r = get(&a.router, &format!("{uri}&format=csv")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert!(r.header(header::CONTENT_DISPOSITION).contains(".csv"));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(text.starts_with("rank,cell,count,"));
    assert_eq!(text.lines().count(), 6);
}

#[tokio::test]
async fn compression_by_accept_encoding_with_a_tag_per_coding() {
    let a = app();
    let uri = "/api/v1/hotspots?top=50";
    let plain = get(&a.router, uri).await;
    let tag = plain.header(header::ETAG).to_owned();
    for coding in ["gzip", "br"] {
        let r = get_with(&a.router, uri, "accept-encoding", coding).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header(header::CONTENT_ENCODING), coding);
        assert!(r.body.len() < plain.body.len() / 2, "{coding} compresses");
        let ctag = r.header(header::ETAG).to_owned();
        assert_eq!(ctag, format!("{}-{coding}\"", tag.trim_end_matches('"')));
        // revalidating the compressed copy works too
        let req = Request::get(uri)
            .header("accept-encoding", coding)
            .header("if-none-match", &ctag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&a.router, req).await.status, StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn tiles_agree_with_the_hotspot_list() {
    let a = app();
    let list = get(
        &a.router,
        &format!("/api/v1/hotspots?{VIOLENCE}&res=9&top=10"),
    )
    .await
    .json();
    for f in list["features"].as_array().unwrap() {
        let p = &f["properties"];
        let cell = p["cell"].as_str().unwrap();
        let (lon, lat) = centre(cell);
        let (x, y) = tile_of(lon, lat, 12);
        let r = get(
            &a.router,
            &format!("/tiles/hotspots/12/{x}/{y}?{VIOLENCE}&res=9"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let (_, _, _, features) = decode(&r.body);
        let t = features
            .iter()
            .find(|t| t.props["cell"] == cell)
            .unwrap_or_else(|| panic!("{cell} missing from tile 12/{x}/{y}"));
        for key in ["count", "rank", "significant", "gi_star_z", "p_value"] {
            assert_eq!(t.props[key], p[key], "{cell} {key}");
        }
        assert_eq!(t.props["harm"].as_f64(), p["harm"].as_f64());
    }
}

#[tokio::test]
async fn tiles_decode_to_clipped_clockwise_hexagons() {
    let a = app();
    // Leeds city centre at zoom 12 (resolution 9 by the zoom table)
    let (x, y) = tile_of(-1.545, 53.797, 12);
    let uri = format!("/tiles/hotspots/12/{x}/{y}");
    let r = get(&a.router, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        "application/vnd.mapbox-vector-tile"
    );
    let (name, version, extent, features) = decode(&r.body);
    assert_eq!((name.as_str(), version, extent), ("cells", 2, 4096));
    // the region's cells, to check membership
    let all = get(&a.router, "/api/v1/hotspots?all=true").await.json();
    let region: BTreeMap<String, Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["cell"].as_str().unwrap().to_owned(),
                f["properties"].clone(),
            )
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for f in &features {
        let cell = f.props["cell"].as_str().unwrap();
        assert!(seen.insert(cell.to_owned()), "{cell} twice");
        let expected = &region[cell];
        assert_eq!(f.props["count"], expected["count"]);
        assert_eq!(f.props["rank"], expected["rank"]);
        assert!(f.props.contains_key("significant"));
        assert_eq!(f.rings.len(), 1, "one exterior ring per hexagon");
        let ring = &f.rings[0];
        assert!(ring.len() >= 3);
        assert!(
            area2(ring) > 0,
            "exterior rings have positive area (clockwise, y down)"
        );
        for p in ring {
            assert!(
                (-64..=4096 + 64).contains(&p[0]) && (-64..=4096 + 64).contains(&p[1]),
                "{p:?} outside extent + buffer"
            );
        }
    }
    // every region cell whose centre is inside the tile is drawn
    let inside: Vec<&String> = region
        .keys()
        .filter(|c| {
            let (lon, lat) = centre(c);
            tile_of(lon, lat, 12) == (x, y)
        })
        .collect();
    assert!(inside.len() > 50);
    for c in inside {
        assert!(seen.contains(c.as_str()), "{c} not drawn");
    }
    // some hexagons are cut by the tile edge: their rings touch the buffer line
    assert!(
        features
            .iter()
            .any(|f| f.rings[0].iter().any(|p| p[0] == -64 || p[1] == 4160))
    );
    // validators: 304, and immutable caching when the URL names the data version
    let tag = r.header(header::ETAG).to_owned();
    let r304 = get_with(&a.router, &uri, "if-none-match", &tag).await;
    assert_eq!(r304.status, StatusCode::NOT_MODIFIED);
    let version = get(&a.router, "/readyz").await.json()["data_version"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = get(&a.router, &format!("{uri}?v={version}")).await;
    assert_eq!(
        r.header(header::CACHE_CONTROL),
        "public, max-age=86400, immutable"
    );
    let r = get(&a.router, &format!("{uri}?v=stale")).await;
    assert_eq!(r.header(header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn tiles_are_compressed_once_and_revalidate_per_coding() {
    use std::io::Read;
    let a = app();
    let (x, y) = tile_of(-1.545, 53.797, 12);
    let uri = format!("/tiles/hotspots/12/{x}/{y}");
    let plain = get(&a.router, &uri).await;
    let tag = plain.header(header::ETAG).to_owned();
    assert_eq!(plain.header(header::VARY), "accept-encoding");
    for (accept, coding) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.8", "gzip"),
    ] {
        let r = get_with(&a.router, &uri, "accept-encoding", accept).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header(header::CONTENT_ENCODING), coding, "{accept}");
        assert_eq!(r.header(header::VARY), "accept-encoding");
        // compressed by the handler (a known length), not streamed through tower-http
        assert_eq!(r.header(header::CONTENT_LENGTH), r.body.len().to_string());
        let ctag = r.header(header::ETAG).to_owned();
        assert_eq!(ctag, format!("{}-{coding}\"", tag.trim_end_matches('"')));
        let mut body = Vec::new();
        if coding == "br" {
            brotli::Decompressor::new(&r.body[..], 4096)
                .read_to_end(&mut body)
                .unwrap();
        } else {
            flate2::read::GzDecoder::new(&r.body[..])
                .read_to_end(&mut body)
                .unwrap();
        }
        assert_eq!(body, plain.body, "{coding} decodes to the same tile");
        assert!(r.body.len() < plain.body.len() * 2 / 3);
        // the second answer comes from the cache, byte for byte
        let again = get_with(&a.router, &uri, "accept-encoding", accept).await;
        assert_eq!(again.body, r.body);
        let req = Request::get(&uri)
            .header("accept-encoding", accept)
            .header("if-none-match", &ctag)
            .body(Body::empty())
            .unwrap();
        let r304 = send(&a.router, req).await;
        assert_eq!(r304.status, StatusCode::NOT_MODIFIED);
        assert_eq!(r304.header(header::ETAG), ctag, "{accept}");
    }
    // an empty tile stays an empty 204, whatever the coding
    let r = get_with(&a.router, "/tiles/hotspots/12/0/0", "accept-encoding", "br").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn empty_tiles_answer_204_and_suffixes_are_accepted() {
    let a = app();
    let r = get(&a.router, "/tiles/hotspots/12/0/0").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    let (x, y) = tile_of(-1.545, 53.797, 10);
    for suffix in ["", ".mvt", ".pbf"] {
        let r = get(&a.router, &format!("/tiles/hotspots/10/{x}/{y}{suffix}")).await;
        assert_eq!(r.status, StatusCode::OK, "{suffix}");
    }
}

#[tokio::test]
async fn tilejson_describes_the_layer_and_carries_the_query() {
    let a = app();
    let r = get_with(
        &a.router,
        &format!("/tiles/hotspots.json?{VIOLENCE}&k=2"),
        "host",
        "127.0.0.1:8080",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["tilejson"], "3.0.0");
    let url = v["tiles"][0].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:8080/tiles/hotspots/{z}/{x}/{y}?crime_type="),
        "{url}"
    );
    assert!(url.contains("&k=2&v="), "{url}");
    assert_eq!(v["vector_layers"][0]["id"], "cells");
    for field in ["cell", "count", "harm", "gi_star_z", "significant", "rank"] {
        assert!(
            v["vector_layers"][0]["fields"][field].is_string(),
            "{field}"
        );
    }
    assert_eq!(v["hexspot"]["k"], 2);
    let b = v["bounds"].as_array().unwrap();
    assert!(b[0].as_f64().unwrap() < -1.3 && b[2].as_f64().unwrap() > -1.8);
    // the URL it gives works
    let path = url
        .trim_start_matches("http://127.0.0.1:8080")
        .replace("{z}/{x}/{y}", "11/1015/660");
    assert_eq!(get(&a.router, &path).await.status, StatusCode::OK);
    // a query its tiles would refuse is refused here too, in the same words
    let tile = get(&a.router, "/tiles/hotspots/11/1015/660?crime_type=Arson").await;
    let r = get_with(
        &a.router,
        "/tiles/hotspots.json?crime_type=Arson",
        "host",
        "127.0.0.1:8080",
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query", "unknown type");
    assert_eq!(r.json(), tile.json());
}

#[tokio::test]
async fn cells_in_a_bbox_with_whole_region_statistics() {
    let a = app();
    let r = get(
        &a.router,
        &format!("/api/v1/cells?bbox=-1.56,53.79,-1.53,53.81&res=9&{VIOLENCE}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "application/geo+json");
    let v = r.json();
    let f = v["features"].as_array().unwrap();
    assert!(f.len() > 20);
    let mut last_rank = 0;
    for feat in f {
        let (lon, lat) = centre(feat["properties"]["cell"].as_str().unwrap());
        assert!((-1.56..=-1.53).contains(&lon) && (53.79..=53.81).contains(&lat));
        let rank = feat["properties"]["rank"].as_u64().unwrap();
        assert!(rank > last_rank, "rank order");
        last_rank = rank;
    }
    // statistics are the whole region's: the same z as in the hotspot list
    let list = get(
        &a.router,
        &format!("/api/v1/hotspots?res=9&top=1&{VIOLENCE}"),
    )
    .await
    .json();
    assert_eq!(f[0]["properties"], list["features"][0]["properties"]);
    assert_eq!(v["hexspot"]["view"]["cells"], f.len());
    assert_eq!(v["hexspot"]["cells"], list["hexspot"]["cells"]);
}

// ------------------------------------------------------------------ imports

fn upload(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn imports_swap_the_snapshot_and_report_like_the_cli() {
    let a = app();
    let before = get(&a.router, "/readyz").await.json();
    let csv = std::fs::read(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv")).unwrap();
    let r = send(
        &a.router,
        upload("/api/v1/imports?name=south-yorkshire.csv", csv.clone()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    assert_eq!(v["outcome"], "imported");
    assert_eq!(v["file"], "south-yorkshire.csv");
    assert_eq!(v["format"], "police.uk street CSV");
    let imported = v["rows_imported"].as_u64().unwrap();
    assert!(imported > 2000);
    assert_eq!(
        v["rows_read"].as_u64().unwrap(),
        imported + v["rows_rejected"].as_u64().unwrap()
    );
    // the rows without coordinates are reported by line and reason
    assert!(v["rejected"][0]["line"].as_u64().unwrap() > 1);
    assert_eq!(v["rejected"][0]["code"], "no_coordinates");
    // served at once, under a new data version
    let after = get(&a.router, "/readyz").await.json();
    assert_eq!(after["incidents"].as_u64().unwrap(), 8009 + imported);
    assert_ne!(after["data_version"], before["data_version"]);
    assert_eq!(v["data_version"], after["data_version"]);
    // the same bytes again: nothing written
    let r = send(&a.router, upload("/api/v1/imports?name=again.csv", csv)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["outcome"], "already_imported");
    assert_eq!(
        get(&a.router, "/readyz").await.json()["incidents"],
        after["incidents"]
    );
}

#[tokio::test]
async fn a_damaged_upload_is_replaced_by_its_corrected_file() {
    let a = app();
    let good =
        std::fs::read_to_string(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv"))
            .unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let damaged_line = lines[10].replacen(",On or near", ",\"On or near", 1);
    assert_ne!(damaged_line, lines[10]);
    lines[10] = &damaged_line;
    let damaged = lines.join("\n") + "\n";
    let r = send(
        &a.router,
        upload("/api/v1/imports?name=sy.csv", damaged.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let first = r.json();
    let id = first["import_id"].as_u64().unwrap();
    assert!(
        first["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["line"] == 11)
    );
    let r = send(&a.router, upload("/api/v1/imports?name=sy.csv", damaged)).await;
    assert_eq!(r.status, StatusCode::OK);
    let note = r.json()["notes"][0].as_str().unwrap().to_owned();
    assert!(note.contains(&format!("replace={id}")), "{note}");
    let r = send(
        &a.router,
        upload(
            &format!("/api/v1/imports?name=sy-fixed.csv&replace={id}"),
            good.clone(),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    assert_eq!(v["replaced_import_id"].as_u64(), Some(id));
    assert_eq!(
        v["rows_imported"].as_u64().unwrap(),
        first["rows_imported"].as_u64().unwrap() + 1,
        "the damaged line's row is back"
    );
    assert_eq!(
        get(&a.router, "/readyz").await.json()["incidents"]
            .as_u64()
            .unwrap(),
        8009 + v["rows_imported"].as_u64().unwrap(),
        "no row doubled"
    );
    let r = send(
        &a.router,
        upload("/api/v1/imports?name=x.csv&replace=99", good),
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_such_import", "replace=99");
}

/// Log lines written while the guard lives (on this thread: `#[tokio::test]` runs the
/// router on it).
fn capture_logs() -> (
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    tracing::subscriber::DefaultGuard,
) {
    #[derive(Clone)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || sink.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_store_failure_answers_a_generic_500_and_logs_its_cause() {
    let a = app();
    // another connection breaks the database under the server: the import cannot write
    rusqlite::Connection::open(a._dir.path().join("t.db"))
        .unwrap()
        .execute_batch("ALTER TABLE import_columns RENAME TO import_columns_gone")
        .unwrap();
    let (logs, _guard) = capture_logs();
    let csv = std::fs::read(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv")).unwrap();
    let r = send(
        &a.router,
        upload("/api/v1/imports?name=south-yorkshire.csv", csv),
    )
    .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.header(header::CONTENT_TYPE), "application/json");
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    let v = r.json();
    assert_eq!(v["error"], "internal");
    let message = v["message"].as_str().unwrap();
    let id = message
        .strip_prefix("the server failed; the cause is in its log (request id ")
        .and_then(|m| m.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{message}"));
    assert!(id.parse::<u64>().is_ok(), "{message}");
    let body = String::from_utf8_lossy(&r.body);
    for cause in [
        "no such table",
        "import_columns",
        "database",
        "south-yorkshire",
        "upload",
    ] {
        assert!(!body.contains(cause), "the cause leaked ({cause}): {body}");
    }
    // the log has it, with the request's id and route
    let log = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("internal error"))
        .unwrap_or_else(|| panic!("no internal error logged: {log}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("no such table: import_columns"), "{line}");
    assert!(line.contains(&format!("request_id={id}")), "{line}");
    assert!(line.contains("/api/v1/imports"), "{line}");
    // the old snapshot is still served
    assert_eq!(get(&a.router, "/readyz").await.json()["incidents"], 8009);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_write_nothing() {
    let a = app_with(
        Settings {
            max_upload_bytes: 4096,
            ..Settings::default()
        },
        true,
    );
    // oversized, declared up front
    let big = vec![b'a'; 10_000];
    let r = send(&a.router, upload("/api/v1/imports", big.clone())).await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Content-Length",
    );
    // oversized, streamed without a length
    let chunks = futures_util::stream::iter(
        big.chunks(1000)
            .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let r = send(
        &a.router,
        upload("/api/v1/imports", Body::from_stream(chunks)),
    )
    .await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "streamed",
    );
    // a CSV that is not incidents
    let r = send(
        &a.router,
        upload("/api/v1/imports", "name,colour\nrose,red\n"),
    )
    .await;
    assert_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable_file",
        "not incidents",
    );
    assert!(
        !r.json()["message"]
            .as_str()
            .unwrap()
            .contains("hexspot-upload-")
    );
    // not text at all
    let r = send(
        &a.router,
        upload("/api/v1/imports", vec![0u8, 159, 146, 150, 255]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // empty
    let r = send(&a.router, upload("/api/v1/imports", "")).await;
    assert_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable_file",
        "empty",
    );
    // strict with a bad row: refused with the report
    let head = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n";
    let csv = format!(
        "{head},2025-02,X,X,-1.5,53.8,On or near A,E1,L,Robbery,,\n,2025-02,X,X,,,No location,,,Robbery,,\n"
    );
    let r = send(&a.router, upload("/api/v1/imports?strict=true", csv)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["rejected"][0]["line"], 3);
    // bad parameters
    for (uri, what) in [
        ("/api/v1/imports?name=../../etc/passwd", "path in name"),
        ("/api/v1/imports?map=nonsense", "bad mapping"),
        ("/api/v1/imports?strict=maybe", "bad bool"),
        ("/api/v1/imports?colour=red", "unknown parameter"),
    ] {
        let r = send(&a.router, upload(uri, "x")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_parameter", what);
    }
    assert_eq!(get(&a.router, "/readyz").await.json()["incidents"], 8009);
    let meta = get(&a.router, "/api/v1/meta").await.json();
    assert_eq!(meta["imports"].as_array().unwrap().len(), 1);
}

// ------------------------------------------------------------------ limits

/// A request body that sends nothing until `tx` is dropped or written to.
fn held_body() -> (tokio::sync::mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    (tx, Body::from_stream(stream))
}

#[tokio::test]
async fn over_the_concurrency_limit_requests_are_shed_with_503() {
    let a = app_with(
        Settings {
            max_concurrency: 1,
            ..Settings::default()
        },
        true,
    );
    let (tx, body) = held_body();
    let held = tokio::spawn(a.router.clone().oneshot(upload("/api/v1/imports", body)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_error(
        &get(&a.router, "/api/v1/meta").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "second request",
    );
    drop(tx);
    let first = held.await.unwrap().unwrap();
    assert_eq!(
        first.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "empty upload"
    );
    assert_eq!(get(&a.router, "/api/v1/meta").await.status, StatusCode::OK);
}

#[tokio::test]
async fn uploads_have_their_own_slots_and_cannot_take_the_reads() {
    let a = app_with(
        Settings {
            max_uploads: 1,
            ..Settings::default()
        },
        true,
    );
    let (tx, body) = held_body();
    let held = tokio::spawn(a.router.clone().oneshot(upload("/api/v1/imports", body)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = send(&a.router, upload("/api/v1/imports", "Crime ID\n")).await;
    assert_error(
        &second,
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "second upload",
    );
    assert_eq!(second.header(header::RETRY_AFTER), "1");
    // reads go on
    let r = get(&a.router, &format!("/api/v1/hotspots?{VIOLENCE}&top=3")).await;
    assert_eq!(r.status, StatusCode::OK);
    drop(tx);
    held.await.unwrap().unwrap();
}

#[tokio::test]
async fn new_statistics_beyond_their_room_get_503_at_once_while_cached_ones_flow() {
    let a = app_with(
        Settings {
            max_computations: 1,
            ..Settings::default()
        },
        true,
    );
    let cached = format!("/api/v1/hotspots?{VIOLENCE}&res=9&top=3");
    assert_eq!(get(&a.router, &cached).await.status, StatusCode::OK);
    let slot = a
        .state
        .hold_computation_slot()
        .expect("the one slot is free");
    for uri in [
        format!("/api/v1/hotspots?{VIOLENCE}&res=10&top=3"),
        "/tiles/hotspots/12/2029/1323?res=8".to_owned(),
        "/api/v1/kde?bandwidth_m=300".to_owned(),
    ] {
        let r = get(&a.router, &uri).await;
        assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "overloaded", &uri);
        assert_eq!(r.header(header::RETRY_AFTER), "1", "{uri}");
    }
    // what is cached, and what needs no statistics, is still answered
    assert_eq!(get(&a.router, &cached).await.status, StatusCode::OK);
    let tile = format!("/tiles/hotspots/12/2029/1323?{VIOLENCE}&res=9");
    assert!(get(&a.router, &tile).await.status.is_success());
    assert_eq!(get(&a.router, "/healthz").await.status, StatusCode::OK);
    drop(slot);
    let r = get(
        &a.router,
        &format!("/api/v1/hotspots?{VIOLENCE}&res=10&top=3"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "a refusal is not cached");
}

#[tokio::test]
async fn an_upload_that_stalls_or_trickles_is_cut_off_with_408() {
    let a = app_with(
        Settings {
            upload_idle_timeout: Duration::from_millis(200),
            ..Settings::default()
        },
        true,
    );
    let (_tx, body) = held_body();
    let r = send(&a.router, upload("/api/v1/imports", body)).await;
    assert_error(&r, StatusCode::REQUEST_TIMEOUT, "slow_upload", "stalled");
    assert!(r.json()["message"].as_str().unwrap().contains("no bytes"));

    let spool = tempfile::tempdir().unwrap();
    let a = app_with(
        Settings {
            upload_rate_grace: Duration::from_millis(200),
            min_upload_rate: 1 << 20,
            upload_dir: Some(spool.path().to_owned()),
            ..Settings::default()
        },
        true,
    );
    let (tx, body) = held_body();
    let trickle = tokio::spawn(async move {
        for _ in 0..50 {
            if tx
                .send(Bytes::from_static(b"Crime ID,Month\n"))
                .await
                .is_err()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let r = send(&a.router, upload("/api/v1/imports", body)).await;
    assert_error(&r, StatusCode::REQUEST_TIMEOUT, "slow_upload", "trickle");
    assert!(
        r.json()["message"].as_str().unwrap().contains("minimum"),
        "{}",
        r.json()
    );
    trickle.abort();
    // the spooled part is gone, and nothing was imported
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
    let meta = get(&a.router, "/api/v1/meta").await.json();
    assert_eq!(meta["imports"].as_array().unwrap().len(), 1);
}

#[test]
fn leftover_upload_files_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("t.db.uploads");
    std::fs::create_dir(&uploads).unwrap();
    std::fs::write(uploads.join("hexspot-upload-abc.csv"), "x").unwrap();
    std::fs::write(uploads.join("hexspot-upload-def"), "x").unwrap();
    std::fs::write(uploads.join("keep.txt"), "x").unwrap();
    assert_eq!(hexspot_server::clean_upload_dir(&uploads).unwrap(), 2);
    let left: Vec<_> = std::fs::read_dir(&uploads).unwrap().collect();
    assert_eq!(left.len(), 1);
    // a folder that is not there is made
    let fresh = dir.path().join("new.uploads");
    assert_eq!(hexspot_server::clean_upload_dir(&fresh).unwrap(), 0);
    assert!(fresh.is_dir());
}

#[tokio::test]
async fn a_request_over_the_time_limit_gets_503() {
    let a = app_with(
        Settings {
            import_timeout: Duration::from_millis(100),
            ..Settings::default()
        },
        true,
    );
    let (_tx, body) = held_body();
    let r = send(&a.router, upload("/api/v1/imports", body)).await;
    assert_error(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        "stalled upload",
    );
}

#[tokio::test]
async fn cors_is_closed_by_default_and_open_to_listed_origins() {
    let a = app();
    let r = get_with(&a.router, "/api/v1/meta", "origin", "https://evil.example").await;
    assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let a = app_with(
        Settings {
            cors_origins: vec!["https://maps.example.org".into()],
            ..Settings::default()
        },
        true,
    );
    let r = get_with(
        &a.router,
        "/api/v1/meta",
        "origin",
        "https://maps.example.org",
    )
    .await;
    assert_eq!(
        r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "https://maps.example.org"
    );
    let r = get_with(&a.router, "/api/v1/meta", "origin", "https://evil.example").await;
    assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    assert!(hexspot_server::cors_origins(&["https://a.example".into()]).is_ok());
    for bad in [
        "*",
        "a.example",
        "https://a.example/",
        "https://a.example\n",
    ] {
        assert!(
            hexspot_server::cors_origins(&[bad.into()]).is_err(),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn too_many_cells_is_a_clear_400() {
    let a = app_with(
        Settings {
            max_response_cells: 1000,
            ..Settings::default()
        },
        true,
    );
    assert_error(
        &get(&a.router, "/api/v1/hotspots?all=true").await,
        StatusCode::BAD_REQUEST,
        "too_many_cells",
        "all cells",
    );
    assert_eq!(
        get(&a.router, "/api/v1/hotspots?top=1000").await.status,
        StatusCode::OK
    );
    // a study region over the server's limit is refused before its statistics are made
    let small = app_with(
        Settings {
            max_region_cells: 1000,
            ..Settings::default()
        },
        true,
    );
    for uri in [
        "/api/v1/hotspots?res=9",
        "/tiles/hotspots/12/2030/1320",
        "/api/v1/cells?bbox=-1.6,53.7,-1.5,53.8",
    ] {
        let r = get(&small.router, uri).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "too_many_cells", uri);
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("more than the 1000 cells allowed")
        );
    }
    assert_eq!(
        get(&small.router, "/api/v1/hotspots?res=6").await.status,
        StatusCode::OK
    );
    // a whole-region tile at a fine resolution
    assert_error(
        &get(&a.router, "/tiles/hotspots/5/15/10?res=12&k=6").await,
        StatusCode::BAD_REQUEST,
        "too_many_cells",
        "tile",
    );
}

// ------------------------------------------------------------------ the bad-request table

#[tokio::test]
async fn every_bad_request_gets_its_4xx() {
    let a = app();
    let table: &[(&str, StatusCode, &str)] = &[
        // tile addresses
        (
            "/tiles/hotspots/23/0/0",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        (
            "/tiles/hotspots/99999999999/0/0",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        ("/tiles/hotspots/3/8/0", StatusCode::BAD_REQUEST, "bad_tile"),
        ("/tiles/hotspots/3/0/8", StatusCode::BAD_REQUEST, "bad_tile"),
        ("/tiles/hotspots/0/1/0", StatusCode::BAD_REQUEST, "bad_tile"),
        (
            "/tiles/hotspots/3/-1/0",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        (
            "/tiles/hotspots/3/0/-1",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        ("/tiles/hotspots/a/0/0", StatusCode::BAD_REQUEST, "bad_tile"),
        (
            "/tiles/hotspots/3/1.5/0",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        (
            "/tiles/hotspots/3/0/0.png",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        ("/tiles/hotspots/3/0", StatusCode::NOT_FOUND, "not_found"),
        (
            "/tiles/hotspots/3/0/0/1",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // path traversal, plain and encoded
        (
            "/tiles/hotspots/../../etc/passwd",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/tiles/hotspots/%2e%2e/%2e%2e/passwd",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        (
            "/tiles/hotspots/..%2f..%2fetc/0/0",
            StatusCode::BAD_REQUEST,
            "bad_tile",
        ),
        (
            "/api/v1/..%2f..%2fetc%2fpasswd",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/%2e%2e/%2e%2e/etc/passwd",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // dates
        (
            "/api/v1/hotspots?from=2025-13",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?to=2025-02-30",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?from=yesterday",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?from=2025-03&to=2025-02",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/tiles/hotspots/12/2030/1320?from=2025-1-1",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        // crime types and offences
        (
            "/api/v1/hotspots?crime_type=Jaywalking",
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            "/tiles/hotspots/12/2030/1320?crime_type=Jaywalking",
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            "/api/v1/cells?bbox=-1.6,53.7,-1.5,53.8&offence=Jaywalking",
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        // bounding boxes
        (
            "/api/v1/cells?bbox=-10,49,2,59",
            StatusCode::BAD_REQUEST,
            "too_many_cells",
        ),
        (
            "/api/v1/cells?bbox=-1,53,-2,54",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/cells?bbox=1,2,3",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        ("/api/v1/cells", StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/api/v1/hotspots?bbox=-200,53,-1,54",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        // resolution and other numbers
        (
            "/api/v1/hotspots?res=13",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?res=4",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?res=-1",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?res=nine",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/tiles/hotspots/12/2030/1320?res=15",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/cells?bbox=-1.6,53.7,-1.5,53.8&res=99",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?k=0",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?k=11",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?alpha=2",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?alpha=NaN",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?top=0",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?top=-5",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?top=5&all=true",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        // time windows
        (
            "/api/v1/hotspots?hours=20",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?hours=25-02",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?days=funday",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        // enumerations and unknown names
        (
            "/api/v1/hotspots?measure=volume",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?rank_by=size",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?format=xml",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?knife=yes",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?crimetype=Robbery",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?res=9&res=10",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/tiles/hotspots/12/2030/1320?format=csv",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/hotspots?%ZZ=1",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        // routes and methods
        ("/api/v2/hotspots", StatusCode::NOT_FOUND, "not_found"),
        ("/tiles/other/1/0/0", StatusCode::NOT_FOUND, "not_found"),
    ];
    for &(uri, status, code) in table {
        let r = get(&a.router, uri).await;
        assert_error(&r, status, code, uri);
    }
    for (method, uri) in [
        ("DELETE", "/api/v1/meta"),
        ("POST", "/api/v1/hotspots"),
        ("GET", "/api/v1/imports"),
    ] {
        let r = send(
            &a.router,
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_error(
            &r,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            uri,
        );
    }
    // a repeated single value is named
    let r = get(&a.router, "/api/v1/hotspots?res=9&k=1&res=10").await;
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("res is given 2 times"),
        "{}",
        r.json()
    );
    // the server is still well after all that
    assert_eq!(get(&a.router, "/readyz").await.status, StatusCode::OK);
}

// ------------------------------------------------------------------ OpenAPI

#[tokio::test]
async fn openapi_document_is_served_and_the_committed_copy_is_current() {
    let a = app();
    let r = get(&a.router, "/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["openapi"], "3.1.0");
    for path in [
        "/api/v1/meta",
        "/api/v1/hotspots",
        "/api/v1/cells",
        "/api/v1/imports",
        "/tiles/hotspots/{z}/{x}/{y}",
        "/tiles/hotspots.json",
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/api/v1/backtest",
        "/api/v1/backtest/curves.png",
        "/api/v1/evaluate",
        "/public/v1/publication.json",
        "/public/v1/cells.geojson",
        "/public/v1/cells.csv",
        "/public/v1/tiles/{z}/{x}/{y}",
    ] {
        assert!(v["paths"][path].is_object(), "{path} undocumented");
    }
    let params: Vec<&str> = v["paths"]["/api/v1/hotspots"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "res",
        "crime_type",
        "from",
        "days",
        "hours",
        "top",
        "format",
    ] {
        assert!(params.contains(&name), "{name} undocumented");
    }
    let names = |path: &str, method: &str| -> Vec<String> {
        v["paths"][path][method]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} has no parameters"))
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (path, method, want) in [
        (
            "/api/v1/backtest",
            "get",
            &[
                "method",
                "train_months",
                "test_months",
                "folds",
                "cells",
                "to",
                "format",
            ][..],
        ),
        (
            "/api/v1/backtest/curves.png",
            "get",
            &["method", "folds", "width", "height"][..],
        ),
        (
            "/api/v1/evaluate",
            "get",
            &[
                "before",
                "after",
                "treated_cells",
                "control_cells",
                "displacement_m",
                "format",
            ][..],
        ),
        (
            "/api/v1/evaluate",
            "post",
            &["before", "after", "format"][..],
        ),
    ] {
        let got = names(path, method);
        for name in want {
            assert!(
                got.iter().any(|g| g == name),
                "{method} {path}: {name} undocumented"
            );
        }
    }
    assert!(v["paths"]["/api/v1/evaluate"]["post"]["requestBody"].is_object());
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = String::from_utf8(r.body.to_vec()).unwrap();
    if std::env::var_os("HEXSPOT_UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        on_disk == generated,
        "crates/hexspot-server/openapi.json is stale: regenerate it with \
         HEXSPOT_UPDATE_OPENAPI=1 cargo test -p hexspot-server --test api openapi"
    );
}

// ------------------------------------------------------------------ map application

#[tokio::test]
async fn the_map_app_is_served_at_the_root_or_its_absence_explained() {
    let a = app();
    let r = get(&a.router, "/").await;
    if hexspot_server::web::available() {
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
        let html = String::from_utf8_lossy(&r.body);
        assert!(html.contains(r#"<div id="map""#), "{html}");
        let csp = r.header(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("script-src 'self'"), "{csp}");
        // revalidation by the file's hash
        let tag = r.header(header::ETAG).to_owned();
        let again = get_with(&a.router, "/", "if-none-match", &tag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        for (path, kind) in [
            ("/app.js", "text/javascript"),
            ("/maplibre-gl-worker.mjs", "text/javascript"),
            ("/app.css", "text/css"),
        ] {
            let r = get(&a.router, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(r.header(header::CONTENT_TYPE).starts_with(kind), "{path}");
            assert!(!r.body.is_empty(), "{path}");
        }
    } else {
        // a debug build without `scripts/build-web.sh`: say how to build it
        assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "web_not_built", "/");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("build-web.sh")
        );
    }
    // only the app's own files: no walking out of it, API paths stay JSON 404s
    for path in [
        "/nope.js",
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/index.html/x",
        "/api/v1/nope",
    ] {
        let r = get(&a.router, path).await;
        assert_error(&r, StatusCode::NOT_FOUND, "not_found", path);
    }
    let r = send(&a.router, Request::post("/").body(Body::empty()).unwrap()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found", "POST /");
}

/// Whether a point is inside a GeoJSON polygon (exterior minus holes), by ray casting.
fn in_polygon(p: (f64, f64), rings: &[Value]) -> bool {
    let inside = |ring: &Value| {
        let pts: Vec<(f64, f64)> = ring
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let mut c = false;
        for w in pts.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            if (y1 > p.1) != (y2 > p.1) && p.0 < x1 + (p.1 - y1) / (y2 - y1) * (x2 - x1) {
                c = !c;
            }
        }
        c
    };
    inside(&rings[0]) && !rings[1..].iter().any(inside)
}

#[tokio::test]
async fn the_outline_covers_every_incident_and_revalidates() {
    let a = app();
    let r = get(&a.router, "/api/v1/outline").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), hexspot_server::GEOJSON);
    let v = r.json();
    let f = &v["features"][0];
    assert_eq!(f["properties"]["kind"], "data_outline");
    assert_eq!(f["properties"]["res"], 7);
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
    let polygons = f["geometry"]["coordinates"].as_array().unwrap();
    // every incident's location in the file lies inside the outline
    let mut rows = csv::Reader::from_path(data("police-uk/crimedataleeds.csv")).unwrap();
    let mut n = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let p: (f64, f64) = (row[4].parse().unwrap(), row[5].parse().unwrap());
        n += 1;
        assert!(
            polygons
                .iter()
                .any(|poly| in_polygon(p, poly.as_array().unwrap())),
            "row {n}: {p:?} outside the outline"
        );
    }
    assert_eq!(n, 8009);
    let tag = r.header(header::ETAG).to_owned();
    let again = get_with(&a.router, "/api/v1/outline", "if-none-match", &tag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn meta_says_how_many_incidents_a_time_window_can_see_and_the_basemap() {
    let a = app();
    let v = get(&a.router, "/api/v1/meta").await.json();
    // police.uk gives months only
    assert_eq!(v["timed_incidents"], 0);
    assert_eq!(v["basemap_style"], Value::Null);
    let a = app_with(
        Settings {
            basemap_style: Some("https://tiles.example.org/style.json".into()),
            ..Settings::default()
        },
        true,
    );
    let v = get(&a.router, "/api/v1/meta").await.json();
    assert_eq!(v["basemap_style"], "https://tiles.example.org/style.json");
}

// ------------------------------------------------------------------ patrol plans

#[tokio::test]
async fn plans_and_their_printable_briefing() {
    let a = app();
    let r = get(&a.router, &format!("/api/v1/plan?{VIOLENCE}&cells=15")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), hexspot_server::GEOJSON);
    let v = r.json();
    assert_eq!(v["hexspot"]["plan"]["cells"], 15);
    assert_eq!(
        v["hexspot"]["query"]["rank_by"], "harm",
        "plans rank by harm by default"
    );
    let areas = v["features"].as_array().unwrap();
    assert!(!areas.is_empty());
    // police.uk has no times of day: no peak windows, said in the dose
    let p = &areas[0]["properties"];
    assert_eq!(p["peak_windows"], serde_json::json!([]));
    assert!(
        p["dose"]["text"]
            .as_str()
            .unwrap()
            .contains("no times of day")
    );
    assert_eq!(p["weekly_profile"]["untimed_count"], p["count"]);

    let uri = format!("/api/v1/plan/briefing.png?{VIOLENCE}&cells=15&width=1200&height=850");
    let r = get(&a.router, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    let img = tiny_skia::Pixmap::decode_png(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (1200, 850));
    // the areas' red is on the map
    let red = img
        .pixels()
        .iter()
        .map(|p| p.demultiply())
        .filter(|p| p.red() > 150 && p.green() < 90 && p.blue() < 90)
        .count();
    assert!(red > 200, "{red} red pixels");
    let tag = r.header(header::ETAG).to_owned();
    assert_eq!(
        get_with(&a.router, &uri, "if-none-match", &tag)
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    for bad in [
        "/api/v1/plan/briefing.png?cells=5&width=100",
        "/api/v1/plan/briefing.png?cells=5&height=5000",
        "/api/v1/plan/briefing.png?cells=5&format=csv",
        "/api/v1/plan/briefing.png",
        "/api/v1/plan?cells=5&width=800",
    ] {
        let r = get(&a.router, bad).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_parameter", bad);
    }
}

// ------------------------------------------------------------------ other sites

#[tokio::test]
async fn other_sites_can_neither_rebind_nor_import() {
    let a = app_with(
        Settings {
            listen: Some("127.0.0.1:8080".parse().unwrap()),
            public_origin: Some(
                hexspot_server::guard::Origin::parse("https://hexspot.example.org").unwrap(),
            ),
            ..Settings::default()
        },
        true,
    );
    let with_host = |uri: &str, host: &str| {
        Request::get(uri)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    // DNS rebinding: a name that resolves to 127.0.0.1 is not this server's
    let r = send(&a.router, with_host("/api/v1/meta", "evil.example:8080")).await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(r.json()["error"], "unknown_host");
    for host in ["127.0.0.1:8080", "localhost:8080", "hexspot.example.org"] {
        let r = send(&a.router, with_host("/healthz", host)).await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    // TileJSON's tile URLs start at the public URL, not at the Host sent
    let r = send(
        &a.router,
        with_host("/tiles/hotspots.json", "localhost:8080"),
    )
    .await;
    let tiles = r.json()["tiles"][0].as_str().unwrap().to_owned();
    assert!(
        tiles.starts_with("https://hexspot.example.org/tiles/hotspots/"),
        "{tiles}"
    );

    let csv = std::fs::read(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv")).unwrap();
    let post = |ct: Option<&str>, origin: Option<&str>| {
        let mut b =
            Request::post("/api/v1/imports?name=sy.csv").header(header::HOST, "127.0.0.1:8080");
        if let Some(ct) = ct {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(csv.clone())).unwrap()
    };
    // what a page on any site may send without a preflight
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = send(&a.router, post(ct, Some("https://evil.example"))).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert_eq!(r.json()["error"], "simple_request");
    }
    let r = send(
        &a.router,
        post(Some("text/csv"), Some("https://evil.example")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "cross_origin");
    assert_eq!(
        get(&a.router, "/readyz").await.status,
        StatusCode::BAD_REQUEST,
        "no Host, but a listener: refused"
    );
    // this server's own page, and a client that sends no Origin, may import
    let r = send(
        &a.router,
        post(Some("text/csv"), Some("http://127.0.0.1:8080")),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}

#[tokio::test]
async fn empty_and_unexpected_parameters_are_named() {
    let a = app();
    for uri in [
        "/healthz?x=1",
        "/readyz?verbose",
        "/api/v1/meta?crime_type=Robbery",
        "/api/v1/outline?res=9",
        "/api/v1/openapi.json?v=2",
        "/api/v1/areas?format=csv",
    ] {
        let r = get(&a.router, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("takes no parameters"),
            "{uri}"
        );
    }
    for (uri, name) in [
        ("/api/v1/hotspots?res=", "res"),
        ("/api/v1/hotspots?knife=", "knife"),
        ("/api/v1/hotspots?bbox=&top=5", "bbox"),
        ("/tiles/hotspots/12/2021/1316?crime_type=", "crime_type"),
    ] {
        let r = get(&a.router, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        let m = r.json()["message"].as_str().unwrap().to_owned();
        assert!(m.starts_with(&format!("{name} is empty")), "{uri}: {m}");
    }
}

#[tokio::test]
async fn an_upload_while_another_process_writes_gets_503_with_retry_after() {
    let a = app_with(
        Settings {
            busy_timeout: Duration::from_millis(100),
            ..Settings::default()
        },
        true,
    );
    // another process in the middle of a write transaction
    let other = rusqlite::Connection::open(a._dir.path().join("t.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let csv = std::fs::read(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv")).unwrap();
    let r = send(
        &a.router,
        upload("/api/v1/imports?name=sy.csv", csv.clone()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["error"], "busy");
    assert_eq!(r.header(header::RETRY_AFTER), "2");
    other.execute_batch("ROLLBACK").unwrap();
    let r = send(&a.router, upload("/api/v1/imports?name=sy.csv", csv)).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

// ------------------------------------------------------------------ emerging hot spots and density

/// A server over six consecutive Leicestershire months (2022-05..2022-10, police.uk,
/// `../shared/data`; `HEXSPOT_SHARED_DATA` names another copy): `None`, said, where
/// that folder is not there.
fn leicestershire_app() -> Option<App> {
    let shared = std::env::var_os("HEXSPOT_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let dir = shared.join("crime/leicestershire");
    if !dir.is_dir() {
        eprintln!("{} not found: skipped", dir.display());
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("l.db")).unwrap();
    for m in 5..=10 {
        let name = format!("2022-{m:02}-leicestershire-street.csv");
        store
            .import_file(
                &dir.join(&name),
                &name,
                &ImportOptions::default(),
                &mut |_| {},
            )
            .unwrap();
    }
    let state = AppState::new(store, HarmTable::default(), Settings::default());
    state.load_snapshot().unwrap();
    Some(App {
        router: router(state.clone()),
        state,
        _dir: tmp,
    })
}

const EMERGING: &str =
    "/api/v1/emerging?crime_type=Violence%20and%20sexual%20offences&from=2022-05&to=2022-10&res=8";

#[tokio::test]
async fn emerging_hot_spots_are_the_clis_bytes_and_their_tiles_agree() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    let r = get(&a.router, EMERGING).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header(header::CONTENT_TYPE), "application/geo+json");
    assert!(
        r.header(header::CONTENT_DISPOSITION)
            .contains("hexspot-emerging.geojson")
    );

    // the same bytes as the export crate writes for the engine's answer (the CLI's)
    let snap = a.state.snapshot().unwrap();
    let params = hexspot_engine::QueryParams {
        res: Some(8),
        crime_type: vec!["Violence and sexual offences".into()],
        from: Some("2022-05".into()),
        to: Some("2022-10".into()),
        ..Default::default()
    };
    let query = hexspot_engine::EmergingParams::default()
        .query(&params, hexspot_engine::StudyRegion::OccupiedWithRings)
        .unwrap();
    let result = hexspot_engine::emerging(&snap.table, &query, &HarmTable::default()).unwrap();
    let ctx = hexspot_export::emerging::EmergingContext {
        query: &query,
        result: &result,
        harm: &HarmTable::default(),
        imports: &snap.sources,
        region_source: None,
    };
    let mut want = Vec::new();
    hexspot_export::emerging::write(&ctx, hexspot_export::Format::Geojson, &mut want).unwrap();
    assert_eq!(r.body.as_ref(), want.as_slice());

    let v = r.json();
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), result.cells.len());
    assert_eq!(v["hexspot"]["slices"]["count"], 6);
    let hot: Vec<&Value> = features
        .iter()
        .filter(|f| {
            f["properties"]["category"]
                .as_str()
                .unwrap()
                .ends_with("_hot")
        })
        .collect();
    assert!(hot.len() > 10, "{} hot cells", hot.len());

    // revalidation
    let tag = r.header(header::ETAG).to_owned();
    let again = get_with(&a.router, EMERGING, "if-none-match", &tag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // CSV: one row per cell
    let csv = get(&a.router, &format!("{EMERGING}&format=csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
    let lines = String::from_utf8_lossy(&csv.body).lines().count();
    assert_eq!(lines, result.cells.len() + 1);

    // tiles carry the same category, slices, final z and trend
    let tile_q = EMERGING.replace("/api/v1/emerging", "");
    for f in hot.iter().take(5) {
        let p = &f["properties"];
        let cell = p["cell"].as_str().unwrap();
        let (lon, lat) = centre(cell);
        let (x, y) = tile_of(lon, lat, 11);
        let r = get(&a.router, &format!("/tiles/emerging/11/{x}/{y}{tile_q}")).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            "application/vnd.mapbox-vector-tile"
        );
        let (name, _, _, tf) = decode(&r.body);
        assert_eq!(name, "cells");
        let t = tf
            .iter()
            .find(|t| t.props["cell"] == cell)
            .unwrap_or_else(|| panic!("{cell} missing from its tile"));
        for key in ["category", "hot_slices", "cold_slices", "final_z", "trend"] {
            assert_eq!(t.props[key], p[key], "{cell} {key}");
        }
        let counts: Vec<String> = p["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(t.props["counts"], counts.join(" "));
        let states = t.props["states"].as_str().unwrap();
        assert_eq!(states.len(), 6);
        assert_eq!(
            states.matches('H').count() as u64,
            p["hot_slices"].as_u64().unwrap()
        );

        // with one-month slices, the cell's monthly series is its slice counts
        let r = get(
            &a.router,
            &format!("/api/v1/trend?{VIOLENCE}&from=2022-05&to=2022-10&cell={cell}"),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        let months: Vec<Value> = v["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["count"].clone())
            .collect();
        assert_eq!(Value::from(months), p["counts"], "{cell}");
        assert_eq!(v["months"][0]["month"], "2022-05");
        assert_eq!(v["trend"]["n"], 6);
        assert!(v["trend"]["trend"].is_string());
    }
}

#[tokio::test]
async fn a_trend_covers_the_data_months_and_names_what_it_cannot_use() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    // Leicester's clock tower and a neighbour, at resolution 8
    let centre = h3o::LatLng::new(52.6369, -1.1352)
        .unwrap()
        .to_cell(h3o::Resolution::Eight);
    let (c1, c2) = (
        centre.to_string(),
        centre.grid_disk::<Vec<_>>(1)[1].to_string(),
    );
    let fine = centre.center_child(h3o::Resolution::Nine).unwrap();
    // without a period: every month of the data; two cells (a patrol area) together
    let one = get(&a.router, &format!("/api/v1/trend?cell={c1}"))
        .await
        .json();
    let two = get(&a.router, &format!("/api/v1/trend?cell={c1},{c2}"))
        .await
        .json();
    let both = get(&a.router, &format!("/api/v1/trend?cell={c1}&cell={c2}")).await;
    assert_eq!(both.json(), two);
    assert_eq!(one["months"].as_array().unwrap().len(), 6);
    assert!(one["total"].as_u64().unwrap() > 100, "{one}");
    assert!(two["total"].as_u64() > one["total"].as_u64());
    // a period reaching before the data: those months are gaps, not zeros
    let r = get(
        &a.router,
        &format!("/api/v1/trend?cell={c1}&from=2022-03&to=2022-06"),
    )
    .await
    .json();
    let counts: Vec<&Value> = r["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["count"])
        .collect();
    assert!(counts[0].is_null() && counts[1].is_null(), "{counts:?}");
    assert!(counts[2].is_u64() && counts[3].is_u64(), "{counts:?}");
    assert_eq!(r["trend"]["n"], Value::Null, "two months are too few");
    for (uri, code, says) in [
        (
            "/api/v1/trend".to_owned(),
            "bad_parameter",
            "cell is required",
        ),
        (
            "/api/v1/trend?cell=nope".to_owned(),
            "bad_parameter",
            "not an H3 cell",
        ),
        (
            format!("/api/v1/trend?cell={c1}&res=9"),
            "bad_parameter",
            "resolution 8",
        ),
        (
            format!("/api/v1/trend?cell={c1}&cell={fine}"),
            "bad_query",
            "one resolution",
        ),
        (
            format!("/api/v1/trend?cell={c1}&trend_alpha=2"),
            "bad_parameter",
            "trend_alpha",
        ),
        (
            format!("/api/v1/trend?cell={c1}&crime_type=Arson"),
            "bad_query",
            "Arson",
        ),
    ] {
        let r = get(&a.router, &uri).await;
        assert_error(&r, StatusCode::BAD_REQUEST, code, &uri);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
}

#[tokio::test]
async fn emerging_hot_spots_refuse_what_the_cube_cannot_answer() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    let base = "/api/v1/emerging?res=8";
    for (uri, status, code, says) in [
        (format!("{base}&to=2022-10"), 400, "bad_parameter", "from"),
        (
            format!("{base}&from=2022-08&to=2022-10"),
            400,
            "bad_period",
            "at least 4",
        ),
        (
            format!("{base}&from=2022-05&to=2022-10&slice_months=4"),
            400,
            "bad_period",
            "whole number",
        ),
        (
            format!("{base}&from=2022-01&to=2022-10"),
            400,
            "bad_period",
            "2022-01, 2022-02, 2022-03, 2022-04",
        ),
        (
            format!("{base}&from=2022-05&to=2022-10&rank_by=count"),
            400,
            "bad_parameter",
            "rank_by",
        ),
        (
            format!("{base}&from=2022-05&to=2022-10&time_lag=-1"),
            400,
            "bad_parameter",
            "time_lag",
        ),
        (
            format!("{base}&from=2022-05&to=2022-10&bandwidth_m=400"),
            400,
            "bad_parameter",
            "unknown parameter",
        ),
        (
            format!("{base}&from=2022-05&to=2022-10&crime_type=Arson"),
            400,
            "bad_query",
            "Arson",
        ),
        (
            "/tiles/emerging/11/1/1?res=8".to_owned(),
            400,
            "bad_parameter",
            "from",
        ),
    ] {
        let r = get(&a.router, &uri).await;
        assert_error(&r, StatusCode::from_u16(status).unwrap(), code, &uri);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
}

#[tokio::test]
async fn kernel_density_is_the_clis_bytes_and_its_tiles_agree() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    let uri = "/api/v1/kde?crime_type=Violence%20and%20sexual%20offences&from=2022-10&to=2022-10&res=9&bandwidth_m=400";
    let r = get(&a.router, uri).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let snap = a.state.snapshot().unwrap();
    let params = hexspot_engine::QueryParams {
        res: Some(9),
        crime_type: vec!["Violence and sexual offences".into()],
        from: Some("2022-10".into()),
        to: Some("2022-10".into()),
        ..Default::default()
    };
    let query = hexspot_engine::KdeParams { bandwidth_m: 400.0 }
        .query(&params, None, snap.table.month_range())
        .unwrap();
    let result = hexspot_engine::kde(&snap.table, &query, &HarmTable::default()).unwrap();
    let ctx = hexspot_export::kde::KdeContext {
        query: &query,
        result: &result,
        imports: &snap.sources,
        cell_source: None,
    };
    let mut want = Vec::new();
    hexspot_export::kde::write(&ctx, hexspot_export::Format::Geojson, &mut want).unwrap();
    assert_eq!(r.body.as_ref(), want.as_slice());

    let top = &result.cells[0];
    let ll = h3o::LatLng::from(top.cell);
    let (x, y) = tile_of(ll.lng(), ll.lat(), 12);
    let tile = get(
        &a.router,
        &format!("/tiles/kde/12/{x}/{y}{}", &uri["/api/v1/kde".len()..]),
    )
    .await;
    assert_eq!(tile.status, StatusCode::OK);
    let (_, _, _, tf) = decode(&tile.body);
    let t = tf
        .iter()
        .find(|t| t.props["cell"] == top.cell.to_string())
        .expect("the densest cell is in its tile");
    assert_eq!(t.props["density_km2"].as_f64(), Some(top.density_km2));
    assert_eq!(t.props["rank"], 1);

    for (uri, code, says) in [
        (
            "/api/v1/kde?res=9",
            "bad_parameter",
            "bandwidth_m is required",
        ),
        (
            "/api/v1/kde?res=9&bandwidth_m=0",
            "bad_parameter",
            "bandwidth_m",
        ),
        (
            "/api/v1/kde?res=9&bandwidth_m=400&rank_by=z",
            "bad_parameter",
            "rank_by",
        ),
        (
            "/api/v1/kde?res=12&bandwidth_m=20000",
            "too_many_cells",
            "coarser res",
        ),
        (
            "/tiles/kde/12/1/1?res=9",
            "bad_parameter",
            "bandwidth_m is required",
        ),
    ] {
        let r = get(&a.router, uri).await;
        assert_error(&r, StatusCode::BAD_REQUEST, code, uri);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
}

const BACKTEST: &str = "/api/v1/backtest?crime_type=Violence%20and%20sexual%20offences&res=8&train_months=3&folds=2&method=count&method=gistar&cells=10&curve_cells=15";

#[tokio::test]
async fn backtests_are_the_exports_bytes_and_their_curves_a_png() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    let r = get(&a.router, BACKTEST).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header(header::CONTENT_TYPE), "application/json");
    assert!(
        r.header(header::CONTENT_DISPOSITION)
            .contains("hexspot-backtest.json")
    );

    // the bytes the export crate writes for the engine's answer (the CLI's)
    let snap = a.state.snapshot().unwrap();
    let params = hexspot_engine::QueryParams {
        res: Some(8),
        crime_type: vec!["Violence and sexual offences".into()],
        ..Default::default()
    };
    let b = hexspot_engine::BacktestParams {
        method: vec![
            hexspot_engine::Method::Count,
            hexspot_engine::Method::Gistar,
        ],
        train_months: 3,
        folds: 2,
        cells: Some(10),
        curve_cells: 15,
        ..Default::default()
    };
    let query = b.query(&params, snap.table.month_range()).unwrap();
    let result = hexspot_engine::backtest(&snap.table, &query, &HarmTable::default()).unwrap();
    let ctx = hexspot_export::backtest::BacktestContext {
        query: &query,
        result: &result,
        imports: &snap.sources,
    };
    for (format, f) in [
        ("json", hexspot_export::backtest::BacktestFormat::Json),
        ("csv", hexspot_export::backtest::BacktestFormat::Csv),
    ] {
        let mut want = Vec::new();
        hexspot_export::backtest::write(&ctx, f, &mut want).unwrap();
        let r = get(&a.router, &format!("{BACKTEST}&format={format}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body.as_ref(), want.as_slice(), "{format}");
    }
    let v = r.json();
    assert_eq!(v["folds"].as_array().unwrap().len(), 2);
    assert_eq!(v["folds"][1]["test"][1], "2022-10", "the data's last month");
    assert!(v["recommendation"].is_string());

    // cached and revalidated by its tag
    let tag = r.header(header::ETAG).to_owned();
    let again = get_with(&a.router, BACKTEST, "if-none-match", &tag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // the curves: a PNG of the size asked for, with both methods' colours drawn
    let uri = BACKTEST.replace("/api/v1/backtest?", "/api/v1/backtest/curves.png?");
    let r = get(&a.router, &format!("{uri}&width=1000&height=700")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    let img = tiny_skia::Pixmap::decode_png(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (1000, 700));
    for colour in &hexspot_briefing::curves::SERIES_COLOURS[..2] {
        let n = img
            .pixels()
            .iter()
            .filter(|p| {
                p.alpha() == 255
                    && p.red().abs_diff(colour[0]) < 8
                    && p.green().abs_diff(colour[1]) < 8
                    && p.blue().abs_diff(colour[2]) < 8
            })
            .count();
        assert!(n > 200, "{colour:?}: {n} pixels");
    }

    for (uri, code, says) in [
        ("/api/v1/backtest?folds=0", "bad_parameter", "folds"),
        ("/api/v1/backtest?method=nope", "bad_parameter", "method"),
        ("/api/v1/backtest?from=2022-05", "bad_parameter", "from"),
        ("/api/v1/backtest?rank_by=z", "bad_parameter", "rank_by"),
        ("/api/v1/backtest?to=2022-10-01", "bad_parameter", "to"),
        (
            "/api/v1/backtest?folds=20&method=count",
            "bad_period",
            "fold 1 needs",
        ),
        (
            "/api/v1/backtest?folds=2&train_months=12",
            "bad_period",
            "fold 1 needs",
        ),
        (
            "/api/v1/backtest?folds=60&test_months=1&train_months=1",
            "too_many_cells",
            "analyses",
        ),
        (
            "/api/v1/backtest?res=12&k=10",
            "too_many_cells",
            "coarser res",
        ),
        ("/api/v1/backtest?format=geojson", "bad_parameter", "format"),
        (
            "/api/v1/backtest/curves.png?width=10",
            "bad_parameter",
            "width",
        ),
        (
            "/api/v1/backtest/curves.png?format=json",
            "bad_parameter",
            "unknown parameter",
        ),
    ] {
        let r = get(&a.router, uri).await;
        assert_error(&r, StatusCode::BAD_REQUEST, code, uri);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
}

#[tokio::test]
async fn evaluations_are_the_exports_bytes_from_cells_or_a_posted_plan() {
    let Some(a) = leicestershire_app() else {
        return;
    };
    let plan = get(
        &a.router,
        "/api/v1/plan?cells=6&res=8&rank_by=count&from=2022-05&to=2022-07",
    )
    .await;
    assert_eq!(plan.status, StatusCode::OK);
    let cells: Vec<String> = plan.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["properties"]["cells"].as_array().unwrap().clone())
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let periods = "res=8&before=2022-05..2022-07&after=2022-08..2022-10";
    let uri = format!(
        "/api/v1/evaluate?{periods}&treated_cells={}",
        cells.join(",")
    );
    let r = get(&a.router, &uri).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header(header::CONTENT_TYPE), "application/geo+json");

    let snap = a.state.snapshot().unwrap();
    let params = hexspot_engine::QueryParams {
        res: Some(8),
        ..Default::default()
    };
    let e = hexspot_engine::EvaluateParams {
        before: "2022-05..2022-07".into(),
        after: "2022-08..2022-10".into(),
        treated_cells: cells.clone(),
        ..Default::default()
    };
    let query = e.query(&params, &[], None).unwrap();
    let result = hexspot_engine::evaluate(&snap.table, &query, &HarmTable::default()).unwrap();
    let write = |source: Option<&str>, format| {
        let ctx = hexspot_export::evaluate::EvaluateContext {
            query: &query,
            result: &result,
            harm: &HarmTable::default(),
            imports: &snap.sources,
            treated_source: source,
            control_source: None,
        };
        let mut out = Vec::new();
        hexspot_export::evaluate::write(&ctx, format, &mut out).unwrap();
        out
    };
    assert_eq!(
        r.body.as_ref(),
        write(None, hexspot_export::Format::Geojson)
    );
    let v = r.json();
    assert_eq!(v["hexspot"]["areas"][0]["cells"], 6);
    assert!(v["hexspot"]["test"]["wdd"].is_number());
    let csv = get(&a.router, &format!("{uri}&format=csv")).await;
    assert_eq!(csv.body.as_ref(), write(None, hexspot_export::Format::Csv));
    // repeated instead of comma-separated: the same answer
    let repeated: String = cells
        .iter()
        .map(|c| format!("&treated_cells={c}"))
        .collect();
    let r2 = get(&a.router, &format!("/api/v1/evaluate?{periods}{repeated}")).await;
    assert_eq!(r2.body, r.body);

    // the plan posted: its cells are the treated area
    let post = |uri: String, ct: &str, body: Bytes| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let r = send(
        &a.router,
        post(
            format!("/api/v1/evaluate?{periods}"),
            "application/geo+json",
            plan.body.clone(),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.body.as_ref(),
        write(
            Some("the posted patrol plan"),
            hexspot_export::Format::Geojson
        )
    );

    for (uri, code, says) in [
        (
            format!("/api/v1/evaluate?{periods}"),
            "bad_parameter",
            "treated_cells",
        ),
        (
            format!("/api/v1/evaluate?{periods}&treated_cells=nope"),
            "bad_parameter",
            "not an H3 cell",
        ),
        (
            format!(
                "/api/v1/evaluate?res=9&before=2022-05..2022-07&after=2022-08..2022-10&treated_cells={}",
                cells[0]
            ),
            "bad_parameter",
            "resolution",
        ),
        (
            format!(
                "/api/v1/evaluate?res=8&before=2022-08..2022-10&after=2022-05..2022-07&treated_cells={}",
                cells[0]
            ),
            "bad_parameter",
            "after",
        ),
        (
            format!("{uri}&control_cells={}", cells[0]),
            "bad_query",
            "control",
        ),
        (format!("{uri}&from=2022-05"), "bad_parameter", "from"),
        (
            format!("{uri}&displacement_m=9000"),
            "bad_parameter",
            "displacement_m",
        ),
    ] {
        let r = get(&a.router, &uri).await;
        assert_error(&r, StatusCode::BAD_REQUEST, code, &uri);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
    for (body, says) in [
        ("not json", "not JSON"),
        ("{\"features\":[{\"properties\":{}}]}", "no cells property"),
        ("{\"features\":[]}", "no cells"),
    ] {
        let r = send(
            &a.router,
            post(
                format!("/api/v1/evaluate?{periods}"),
                "application/json",
                Bytes::from(body),
            ),
        )
        .await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_parameter", body);
        assert!(
            r.json()["message"].as_str().unwrap().contains(says),
            "{body}"
        );
    }
    // a form post is refused before it is read; so is a plan over the limit
    let r = send(
        &a.router,
        post(
            format!("/api/v1/evaluate?{periods}"),
            "text/plain",
            plan.body.clone(),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = Bytes::from(vec![b' '; 9 << 20]);
    let r = send(
        &a.router,
        post(
            format!("/api/v1/evaluate?{periods}"),
            "application/json",
            big,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["message"].is_string());
}
