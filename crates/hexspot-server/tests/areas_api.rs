//! The area routes through `router(state).oneshot(...)` on the real Leeds police.uk file
//! and the real Leeds wards: the set list, the comparison (JSON, CSV, GeoJSON, sorting,
//! caching, refusals), one ward's profile and the choropleth tiles decoded by the spec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use geo::Intersects;
use geozero::mvt::{Message, Tile};
use hexspot_engine::HarmTable;
use hexspot_engine::areas::Area;
use hexspot_ingest::{BoundaryProperties, read_boundaries};
use hexspot_server::{AppState, Settings, router};
use hexspot_store::{ImportOptions, PopulationRecord, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// Rows in the Leeds file (one month, February 2025).
const LEEDS_ROWS: u64 = 8009;
/// Wards in Leeds (2013 boundaries).
const WARDS: usize = 33;
/// The two wards given a population, and their residents.
const POPULATED: [(&str, f64); 2] = [("E05001420", 33_000.0), ("E05001414", 25_500.0)];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn wards() -> Vec<Area> {
    let props = BoundaryProperties {
        code: "WD13CD",
        name: "WD13NM",
        district: None,
    };
    read_boundaries(&data("boundaries/E08000035-leeds-wards.json"), props)
        .unwrap()
        .into_iter()
        .map(|f| Area {
            code: f.code,
            name: f.name,
            district: Some("Leeds".to_owned()),
            shape: f.shape,
        })
        .collect()
}

struct App {
    router: Router,
    _dir: tempfile::TempDir,
}

/// A store at `path` holding the Leeds file.
fn leeds_store(path: &Path) -> Store {
    let mut store = Store::open(path).unwrap();
    store
        .import_file(
            &data("police-uk/crimedataleeds.csv"),
            "crimedataleeds.csv",
            &ImportOptions::default(),
            &mut |_| {},
        )
        .unwrap();
    store
}

/// A server over the Leeds file with the Leeds wards as set `wards`, two of them with
/// a population.
fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut store = leeds_store(&dir.path().join("t.db"));
    store
        .save_boundary_set(
            "wards",
            "WD13CD",
            "WD13NM",
            "E08000035-leeds-wards.json",
            None,
            &wards(),
        )
        .unwrap();
    let records: Vec<PopulationRecord> = POPULATED
        .iter()
        .map(|&(code, population)| PopulationRecord {
            code: code.to_owned(),
            population,
            estimated: false,
        })
        .collect();
    assert_eq!(
        store
            .save_population("wards", &records, "hand-made")
            .unwrap(),
        2
    );
    let state = AppState::new(store, HarmTable::default(), Settings::default());
    state.load_snapshot().unwrap();
    App {
        router: router(state),
        _dir: dir,
    }
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

    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
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

async fn get_ok(app: &Router, uri: &str) -> Reply {
    let r = get(app, uri).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r
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

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
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
/// (name, version, extent, keys, features).
fn decode(bytes: &[u8]) -> (String, u32, u32, Vec<String>, Vec<Feature>) {
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
                } else if let Some(i) = v.sint_value {
                    Value::from(i)
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
        layer.keys.clone(),
        features,
    )
}

/// Twice the signed area by the surveyor's formula in tile coordinates (positive is
/// clockwise with y down: an exterior ring in MVT 2.1).
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

// ------------------------------------------------------------------ the set list

#[tokio::test]
async fn the_set_list_names_wards_with_33_areas() {
    let a = app();
    let r = get_ok(&a.router, "/api/v1/areas").await;
    let v = r.json();
    let sets = v["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{v}");
    let s = &sets[0];
    assert_eq!(s["name"], "wards");
    assert_eq!(s["areas"], WARDS);
    assert_eq!(s["districts"], 1);
    assert_eq!(s["with_population"], 2);
    assert_eq!(s["population_estimated"], false);
    assert_eq!(s["code_property"], "WD13CD");
    assert_eq!(s["name_property"], "WD13NM");
    assert_eq!(s["population_source"], "hand-made");
    // revalidation
    let tag = r.header(header::ETAG).to_owned();
    let r = send(
        &a.router,
        Request::get("/api/v1/areas")
            .header("if-none-match", &tag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
}

// ------------------------------------------------------------------ the comparison

#[tokio::test]
async fn the_comparison_counts_every_leeds_incident_in_a_ward() {
    let a = app();
    let r = get_ok(&a.router, "/api/v1/areas/wards").await;
    assert!(
        r.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"hexspot-areas-wards.json\""
    );
    let v = r.json();
    let rows = v["areas"].as_array().unwrap();
    assert_eq!(rows.len(), WARDS);
    let inc = &v["hexspot"]["incidents"];
    let sum: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    let counted = inc["counted"].as_u64().unwrap();
    let outside = inc["outside_every_area"].as_u64().unwrap();
    // every Leeds point lies in a Leeds ward
    assert_eq!(outside, 0, "{inc}");
    assert_eq!(sum, counted);
    assert_eq!(counted + outside, LEEDS_ROWS);
    // ranks 1..=33, each once, in order (the default sort)
    let ranks: Vec<u64> = rows.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=WARDS as u64).collect::<Vec<_>>());
    // two wards with a population don't make every ward with incidents have one: by count
    assert_eq!(v["hexspot"]["rank_by"], "count", "{}", v["hexspot"]);
    for w in rows.windows(2) {
        assert!(w[0]["count"].as_u64() >= w[1]["count"].as_u64());
    }
    // the rate only where the population is known
    let pops: BTreeMap<&str, f64> = POPULATED.into_iter().collect();
    for r in rows {
        let code = r["code"].as_str().unwrap();
        assert_eq!(r["district"], "Leeds");
        match pops.get(code) {
            Some(&p) => {
                assert_eq!(r["population"].as_f64(), Some(p), "{r}");
                assert_eq!(r["population_estimated"], false);
                let count = r["count"].as_f64().unwrap();
                let rate = r["rate_per_1000"].as_f64().unwrap();
                assert!(close(rate, count / p * 1000.0), "{r}");
            }
            None => {
                assert!(r["population"].is_null(), "{r}");
                assert!(r["rate_per_1000"].is_null(), "{r}");
                assert!(r["harm_per_1000"].is_null(), "{r}");
            }
        }
        // the previous month is not in the data
        assert!(r["previous_count"].is_null(), "{r}");
        assert!(r["change"].is_null() && r["change_p"].is_null(), "{r}");
    }
    // one month of data: the previous period is not covered, and the note says why
    let periods = &v["hexspot"]["periods"];
    assert_eq!(periods["current"]["from"], "2025-02-01", "{periods}");
    assert_eq!(periods["current"]["to"], "2025-02-28", "{periods}");
    assert_eq!(periods["previous"]["from"], "2025-01-01", "{periods}");
    assert_eq!(periods["previous_covered"], false);
    let note = periods["previous_note"].as_str().unwrap();
    assert!(
        note.contains("2025-02") || note.contains("2025-01"),
        "{note}"
    );
    assert!(inc["previous_counted"].is_null());
    // one district, holding everything
    let d = v["districts"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["name"], "Leeds");
    assert_eq!(d[0]["areas"], WARDS);
    assert_eq!(d[0]["count"], counted);
}

#[tokio::test]
async fn sorting_by_count_and_by_name() {
    let a = app();
    let v = get_ok(&a.router, "/api/v1/areas/wards?sort=count&order=asc")
        .await
        .json();
    assert_eq!(v["hexspot"]["sort"], "count asc");
    let counts: Vec<u64> = v["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), WARDS);
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");

    let v = get_ok(&a.router, "/api/v1/areas/wards?sort=name")
        .await
        .json();
    let names: Vec<&str> = v["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), WARDS);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    assert_eq!(names[0], "Adel and Wharfedale");
    assert_eq!(names[WARDS - 1], "Wetherby");
}

#[tokio::test]
async fn csv_and_geojson_carry_the_same_areas() {
    let a = app();
    let r = get_ok(&a.router, "/api/v1/areas/wards?format=csv").await;
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"hexspot-areas-wards.csv\""
    );
    let text = r.text();
    assert_eq!(text.lines().count(), WARDS + 1);
    assert!(
        text.starts_with(
            "code,name,district,count,harm,population,population_estimated,rate_per_1000"
        ),
        "{}",
        text.lines().next().unwrap()
    );
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let sum: u64 = rdr
        .records()
        .map(|rec| rec.unwrap()[3].parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, LEEDS_ROWS);

    let r = get_ok(&a.router, "/api/v1/areas/wards?format=geojson").await;
    assert_eq!(r.header(header::CONTENT_TYPE), "application/geo+json");
    let v = r.json();
    assert_eq!(v["type"], "FeatureCollection");
    let f = v["features"].as_array().unwrap();
    assert_eq!(f.len(), WARDS);
    for feat in f {
        assert_eq!(feat["type"], "Feature");
        assert_eq!(feat["geometry"]["type"], "MultiPolygon", "{}", feat["id"]);
        assert_eq!(feat["id"], feat["properties"]["code"]);
        assert!(
            !feat["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(v["hexspot"]["districts"][0]["name"], "Leeds");
}

#[tokio::test]
async fn the_comparison_revalidates_by_etag() {
    let a = app();
    let uri = "/api/v1/areas/wards?sort=name";
    let r = get_ok(&a.router, uri).await;
    let tag = r.header(header::ETAG).to_owned();
    assert!(tag.starts_with('"'), "{tag}");
    let r304 = send(
        &a.router,
        Request::get(uri)
            .header("if-none-match", &tag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r304.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r304.header(header::ETAG), tag);
    assert!(r304.body.is_empty());
    // another sort, another format, another tag
    for other in [
        "/api/v1/areas/wards?sort=count",
        "/api/v1/areas/wards?sort=name&format=csv",
    ] {
        let o = get_ok(&a.router, other).await;
        assert_ne!(o.header(header::ETAG), tag, "{other}");
    }
}

#[tokio::test]
async fn bad_comparison_requests_get_their_4xx() {
    let a = app();
    let table: &[(&str, StatusCode, &str)] = &[
        (
            "/api/v1/areas/wards?sort=bogus",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/areas/wards?order=sideways",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/areas/wards?colour=red",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/areas/wards?format=xml",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/areas/wards/E05001420?sort=name",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        ("/api/v1/areas/nope", StatusCode::NOT_FOUND, "unknown_set"),
        (
            "/api/v1/areas/nope/E05001420",
            StatusCode::NOT_FOUND,
            "unknown_set",
        ),
        (
            "/api/v1/areas/wards/NOPE",
            StatusCode::NOT_FOUND,
            "unknown_area",
        ),
    ];
    for &(uri, status, code) in table {
        let r = get(&a.router, uri).await;
        assert_error(&r, status, code, uri);
    }
    // an unknown crime type: 400, whatever its code
    for uri in [
        "/api/v1/areas/wards?crime_type=Piracy",
        "/api/v1/areas/wards/E05001420?crime_type=Piracy",
        "/tiles/areas/wards/12/2030/1320?crime_type=Piracy",
    ] {
        let r = get(&a.router, uri).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        assert!(v["message"].as_str().unwrap().contains("Piracy"), "{v}");
    }
}

// ------------------------------------------------------------------ one area

#[tokio::test]
async fn the_top_wards_profile() {
    let a = app();
    let v = get_ok(&a.router, "/api/v1/areas/wards").await.json();
    let top = &v["areas"][0];
    assert_eq!(top["rank"], 1);
    let code = top["code"].as_str().unwrap().to_owned();
    let count = top["count"].as_u64().unwrap();

    let r = get_ok(&a.router, &format!("/api/v1/areas/wards/{code}")).await;
    let p = r.json();
    assert_eq!(p["area"]["code"], code.as_str());
    assert_eq!(p["area"]["count"], count);
    assert_eq!(p["area"]["rank"], 1);
    // one month of data: one entry, holding the whole count
    let monthly = p["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 1, "{monthly:?}");
    assert_eq!(monthly[0]["month"], "2025-02");
    assert_eq!(monthly[0]["count"], count);
    assert_eq!(monthly[0]["in_data"], true);
    // the crime-type mix sums to the area's count, most first
    let types = p["crime_types"].as_array().unwrap();
    assert!(!types.is_empty());
    let n: Vec<u64> = types.iter().map(|t| t["count"].as_u64().unwrap()).collect();
    assert_eq!(n.iter().sum::<u64>(), count);
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "{n:?}");
    // the top hotspot cells lie in the ward
    let ward = wards().into_iter().find(|w| w.code == code).unwrap();
    let cells = p["top_hotspots"].as_array().unwrap();
    assert!(!cells.is_empty() && cells.len() <= 5, "{cells:?}");
    let mut last_rank = 0;
    for c in cells {
        let cell: h3o::CellIndex = c["cell"].as_str().unwrap().parse().unwrap();
        let ll = h3o::LatLng::from(cell);
        assert!(
            ward.shape.intersects(&geo::Point::new(ll.lng(), ll.lat())),
            "{cell} is not in {code}"
        );
        assert!(c["count"].as_u64().unwrap() > 0);
        let rank = c["rank"].as_u64().unwrap();
        assert!(rank > last_rank, "best first: {cells:?}");
        last_rank = rank;
    }
    assert!(p["top_hotspots_rule"].as_str().is_some());
    // revalidation
    let tag = r.header(header::ETAG).to_owned();
    let r304 = send(
        &a.router,
        Request::get(format!("/api/v1/areas/wards/{code}"))
            .header("if-none-match", &tag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r304.status, StatusCode::NOT_MODIFIED);
}

// ------------------------------------------------------------------ area tiles

#[tokio::test]
async fn the_central_leeds_tile_draws_wards_wound_as_mvt_wants() {
    let a = app();
    let (x, y) = tile_of(-1.5491, 53.7997, 12);
    let r = get_ok(&a.router, &format!("/tiles/areas/wards/12/{x}/{y}")).await;
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        "application/vnd.mapbox-vector-tile"
    );
    let (name, version, extent, keys, features) = decode(&r.body);
    assert_eq!((name.as_str(), version, extent), ("areas", 2, 4096));
    assert!(!features.is_empty());
    for k in ["code", "name", "count", "rank", "harm", "district"] {
        assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
    }
    let all = get_ok(&a.router, "/api/v1/areas/wards").await.json();
    let by_code: BTreeMap<&str, &Value> = all["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap(), r))
        .collect();
    let mut holes = 0;
    for f in &features {
        let code = f.props["code"].as_str().unwrap();
        let row = by_code[code];
        assert_eq!(f.props["name"], row["name"], "{code}");
        assert_eq!(f.props["count"], row["count"], "{code}");
        assert_eq!(f.props["rank"], row["rank"], "{code}");
        assert!(!f.rings.is_empty(), "{code}");
        assert!(
            area2(&f.rings[0]) > 0,
            "{code}: the first ring is an exterior"
        );
        for ring in &f.rings {
            assert!(ring.len() >= 3, "{code}");
            assert_ne!(area2(ring), 0, "{code}");
            if area2(ring) < 0 {
                holes += 1;
            }
            // clipped to the tile and its 64-unit buffer
            for p in ring {
                assert!(
                    (-64..=4096 + 64).contains(&p[0]) && (-64..=4096 + 64).contains(&p[1]),
                    "{code}: {p:?}"
                );
            }
        }
    }
    // the 2013 Leeds wards have no holes
    assert_eq!(holes, 0);
    // City and Hunslet holds the city centre
    assert!(
        features.iter().any(|f| f.props["code"] == "E05001420"),
        "{:?}",
        features
            .iter()
            .map(|f| &f.props["code"])
            .collect::<Vec<_>>()
    );
    // the populated ward carries its rate
    if let Some(f) = features.iter().find(|f| f.props["code"] == "E05001420") {
        assert_eq!(f.props["population"], 33_000.0);
        assert!(f.props.contains_key("rate_per_1000"));
    }
}

#[tokio::test]
async fn area_tiles_far_away_are_empty_and_bad_ones_refused() {
    let a = app();
    let (x, y) = tile_of(-0.1276, 51.5072, 12);
    let r = get(&a.router, &format!("/tiles/areas/wards/12/{x}/{y}")).await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "London has no Leeds wards"
    );
    assert!(r.body.is_empty());
    let (x, y) = tile_of(-1.5491, 53.7997, 12);
    assert_error(
        &get(&a.router, &format!("/tiles/areas/nope/12/{x}/{y}")).await,
        StatusCode::NOT_FOUND,
        "unknown_set",
        "unknown set",
    );
    for uri in [
        "/tiles/areas/wards/23/0/0",
        "/tiles/areas/wards/z/0/0",
        "/tiles/areas/wards/3/8/0",
    ] {
        assert_error(
            &get(&a.router, uri).await,
            StatusCode::BAD_REQUEST,
            "bad_tile",
            uri,
        );
    }
    assert_error(
        &get(
            &a.router,
            &format!("/tiles/areas/wards/12/{x}/{y}?sort=name"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        "a comparison parameter on a tile",
    );
}

// ------------------------------------------------------------ another process writes

#[tokio::test]
async fn a_set_imported_beside_the_running_server_is_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let store = leeds_store(&db);
    let state = AppState::new(store, HarmTable::default(), Settings::default());
    state.load_snapshot().unwrap();
    let app = router(state.clone());
    assert_eq!(state.reload_if_changed().unwrap(), None, "nothing written");
    let before = get_ok(&app, "/api/v1/areas").await;
    assert_eq!(before.json()["sets"].as_array().unwrap().len(), 0);
    assert_eq!(
        get(&app, "/api/v1/areas/wards").await.status,
        StatusCode::NOT_FOUND
    );

    // `hexspot boundaries import` in another process: its own connection
    let mut other = Store::open(&db).unwrap();
    other
        .save_boundary_set("wards", "WD13CD", "WD13NM", "leeds.json", None, &wards())
        .unwrap();
    assert_eq!(
        state.reload_if_changed().unwrap(),
        Some(LEEDS_ROWS as usize),
        "reloaded"
    );
    let after = get_ok(&app, "/api/v1/areas").await;
    assert_eq!(after.json()["sets"][0]["name"], "wards");
    let v = get_ok(&app, "/api/v1/areas/wards").await.json();
    assert_eq!(v["areas"].as_array().unwrap().len(), WARDS);
    assert_ne!(
        before.header(header::ETAG),
        after.header(header::ETAG),
        "the data version moves, so cached answers are not reused"
    );
    assert_eq!(state.reload_if_changed().unwrap(), None, "once only");

    // the server's own imports reload as they land, not again at the next check
    let file = data("police-uk/2018-10-south-yorkshire-street.excerpt.csv");
    state
        .import(&file, "south-yorkshire.csv", &ImportOptions::default())
        .unwrap();
    assert_eq!(state.reload_if_changed().unwrap(), None);
    drop(other);
}
