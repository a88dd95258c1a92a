//! `hexspot serve` on a real socket: the same bytes as the CLI for the same query, a
//! graceful stop on SIGTERM that lets a request in flight finish, and imports made by
//! another process picked up while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn hexspot(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_hexspot"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A running server, killed if the test fails before stopping it.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hexspot"))
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split(" at http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // keep reading the log so the server never blocks on a full pipe
    let (tx, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let server = Server { child, addr, log };
    let deadline = Instant::now() + Duration::from_secs(30);
    while request(addr, "GET", "/readyz", b"").0 != 200 {
        assert!(Instant::now() < deadline, "not ready in 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Sends one HTTP/1.1 request and reads the whole response: (status, headers, body).
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (status, head, raw[split + 4..].to_vec())
}

fn imported_db(dir: &Path) -> PathBuf {
    let db = dir.join("serve.db");
    hexspot(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        data("police-uk/crimedataleeds.csv").to_str().unwrap(),
    ]);
    db
}

/// `hexspot boundaries import` of the Leeds wards as set `wards`, district Leeds.
fn import_leeds_wards(db: &str) {
    let wards = data("boundaries/E08000035-leeds-wards.json");
    hexspot(&[
        "boundaries",
        "import",
        "--db",
        db,
        "--set",
        "wards",
        "--code",
        "WD13CD",
        "--name",
        "WD13NM",
        "--district",
        "Leeds",
        wards.to_str().unwrap(),
    ]);
}

#[test]
fn the_api_answers_with_the_clis_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_db(dir.path());
    let server = start(&db);
    let db = db.to_str().unwrap();
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "crime_type=Violence%20and%20sexual%20offences&res=9&top=25",
            vec![
                "--crime-type",
                "Violence and sexual offences",
                "--res",
                "9",
                "--top",
                "25",
            ],
        ),
        (
            "res=10&k=2&rank_by=count&from=2025-02-01&to=2025-02-28&top=10",
            vec![
                "--res",
                "10",
                "--k",
                "2",
                "--rank-by",
                "count",
                "--from",
                "2025-02-01",
                "--to",
                "2025-02-28",
                "--top",
                "10",
            ],
        ),
        ("res=8&all=true", vec!["--res", "8", "--all"]),
    ];
    for (qs, args) in cases {
        for (format, flag) in [("geojson", "geojson"), ("csv", "csv")] {
            let (status, head, body) = request(
                server.addr,
                "GET",
                &format!("/api/v1/hotspots?{qs}&format={format}"),
                b"",
            );
            assert_eq!(status, 200, "{qs}: {}", String::from_utf8_lossy(&body));
            assert!(
                head.to_ascii_lowercase()
                    .contains("content-disposition: attachment")
            );
            let mut cli = vec!["hotspots", "--db", db, "--format", flag];
            cli.extend(&args);
            let expected = hexspot(&cli);
            assert!(
                body == expected,
                "{qs} {format}: the API and the CLI differ\nAPI: {}\nCLI: {}",
                String::from_utf8_lossy(&body[..body.len().min(400)]),
                String::from_utf8_lossy(&expected[..expected.len().min(400)])
            );
        }
    }
    // the request log is structured: method, path, status and latency per request
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = Vec::new();
    while !log.iter().any(|l: &String| {
        l.contains("uri=/api/v1/hotspots") && l.contains("status=200") && l.contains("latency=")
    }) {
        assert!(Instant::now() < deadline, "no request log line: {log:#?}");
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(100)) {
            log.push(line);
        }
    }
}

#[test]
fn plans_from_the_api_are_the_clis_plans() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_db(dir.path());
    let server = start(&db);
    let db = db.to_str().unwrap();
    let (_, _, first) = request(server.addr, "GET", "/api/v1/plan?cells=1&res=9", b"");
    let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let top = first["features"][0]["properties"]["cells"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let exclude_qs = format!("cells=12&exclude={top}");
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "crime_type=Violence%20and%20sexual%20offences&cells=20",
            vec![
                "--crime-type",
                "Violence and sexual offences",
                "--cells",
                "20",
            ],
        ),
        (
            "area_km2=1.5&rank_by=z&res=10",
            vec!["--area-km2", "1.5", "--rank-by", "z", "--res", "10"],
        ),
        (&exclude_qs, vec!["--cells", "12", "--exclude", &top]),
    ];
    for (qs, args) in cases {
        for format in ["geojson", "csv"] {
            let (status, _, body) = request(
                server.addr,
                "GET",
                &format!("/api/v1/plan?{qs}&format={format}"),
                b"",
            );
            assert_eq!(status, 200, "{qs}: {}", String::from_utf8_lossy(&body));
            let mut cli = vec!["plan", "--db", db, "--format", format];
            cli.extend(&args);
            let expected = hexspot(&cli);
            assert!(
                body == expected,
                "{qs} {format}: the API and the CLI differ\nAPI: {}\nCLI: {}",
                String::from_utf8_lossy(&body[..body.len().min(400)]),
                String::from_utf8_lossy(&expected[..expected.len().min(400)])
            );
        }
    }
    for bad in [
        "/api/v1/plan",
        "/api/v1/plan?cells=0",
        "/api/v1/plan?cells=3&area_km2=1",
        "/api/v1/plan?area_km2=-2",
        "/api/v1/plan?cells=3&exclude=nope",
        "/api/v1/plan?cells=3&top=5",
    ] {
        let (status, _, body) = request(server.addr, "GET", bad, b"");
        assert_eq!(status, 400, "{bad}: {}", String::from_utf8_lossy(&body));
    }
}

#[cfg(unix)]
#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_db(dir.path());
    let mut server = start(&db);
    let csv = std::fs::read(data("police-uk/2018-10-south-yorkshire-street.excerpt.csv")).unwrap();
    // an upload in flight: headers and half the body sent
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(
        s,
        "POST /api/v1/imports?name=sy.csv HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        csv.len()
    )
    .unwrap();
    let half = csv.len() / 2;
    s.write_all(&csv[..half]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    // still running: it waits for the upload
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    // new connections are no longer accepted
    assert!(
        TcpStream::connect(server.addr).is_err() || {
            let (status, _, _) = request(server.addr, "GET", "/healthz", b"");
            status != 200
        }
    );
    s.write_all(&csv[half..]).unwrap();
    let (status, _, body) = read_response(&mut s);
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["outcome"], "imported");
    // then it stops by itself, successfully
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(code) = server.child.try_wait().unwrap() {
            break code;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "{code:?}");
    let log: Vec<String> = server.log.try_iter().collect();
    assert!(log.iter().any(|l| l.contains("SIGTERM")), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("stopped")), "{log:#?}");
}

#[test]
fn area_comparisons_from_the_api_are_the_clis() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_db(dir.path());
    let db = db.to_str().unwrap();
    import_leeds_wards(db);
    let server = start(Path::new(db));
    let cases: [(&str, Vec<&str>); 3] = [
        ("", vec![]),
        (
            "crime_type=Violence%20and%20sexual%20offences&sort=count&order=asc",
            vec![
                "--crime-type",
                "Violence and sexual offences",
                "--sort",
                "count",
                "--order",
                "asc",
            ],
        ),
        (
            "from=2025-02-01&to=2025-02-14&sort=name",
            vec![
                "--from",
                "2025-02-01",
                "--to",
                "2025-02-14",
                "--sort",
                "name",
            ],
        ),
    ];
    for (qs, args) in cases {
        for format in ["json", "geojson", "csv"] {
            let (status, head, body) = request(
                server.addr,
                "GET",
                &format!("/api/v1/areas/wards?{qs}&format={format}"),
                b"",
            );
            assert_eq!(status, 200, "{qs}: {}", String::from_utf8_lossy(&body));
            assert!(
                head.to_ascii_lowercase()
                    .contains("content-disposition: attachment")
            );
            let mut cli = vec!["areas", "--db", db, "--set", "wards", "--format", format];
            cli.extend(&args);
            let expected = hexspot(&cli);
            assert!(
                body == expected,
                "{qs} {format}: the API and the CLI differ\nAPI: {}\nCLI: {}",
                String::from_utf8_lossy(&body[..body.len().min(400)]),
                String::from_utf8_lossy(&expected[..expected.len().min(400)])
            );
        }
    }
}

#[test]
fn boundaries_imported_while_the_server_runs_are_served_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_db(dir.path());
    let server = start(&db); // checks every 2 s by default
    let sets = || {
        let (status, _, body) = request(server.addr, "GET", "/api/v1/areas", b"");
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["sets"].as_array().unwrap().len()
    };
    assert_eq!(sets(), 0);
    import_leeds_wards(db.to_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    while sets() == 0 {
        assert!(Instant::now() < deadline, "the new set not served in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, _, body) = request(server.addr, "GET", "/api/v1/areas/wards", b"");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["areas"].as_array().unwrap().len(), 33);
    let logged: Vec<String> = server.log.try_iter().collect();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("changed by another process")),
        "{logged:#?}"
    );
}

/// Sends one request with a body of `content_type`; as [`request`].
fn request_typed(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

/// Six Leicestershire months (2022-05..2022-10, police.uk, `../shared/data`, or
/// `HEXSPOT_SHARED_DATA`) imported into a database in `dir`; `None`, said, where the
/// folder is not there.
fn leicestershire_db(dir: &Path) -> Option<PathBuf> {
    let shared = std::env::var_os("HEXSPOT_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let src = shared.join("crime/leicestershire");
    if !src.is_dir() {
        eprintln!("{} not found: skipped", src.display());
        return None;
    }
    let db = dir.join("l.db");
    let files: Vec<String> = (5..=10)
        .map(|m| {
            src.join(format!("2022-{m:02}-leicestershire-street.csv"))
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut args = vec!["import", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    hexspot(&args);
    Some(db)
}

fn same(what: &str, api: &[u8], cli: &[u8]) {
    assert!(
        api == cli,
        "{what}: the API and the CLI differ\nAPI: {}\nCLI: {}",
        String::from_utf8_lossy(&api[..api.len().min(600)]),
        String::from_utf8_lossy(&cli[..cli.len().min(600)])
    );
}

#[test]
fn backtests_and_evaluations_from_the_api_are_the_clis() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = leicestershire_db(dir.path()) else {
        return;
    };
    let server = start(&db);
    let db = db.to_str().unwrap();
    let violence = "Violence and sexual offences";

    // a backtest: 2 folds of 3 training months, 2 methods, at res 8
    let qs = "crime_type=Violence%20and%20sexual%20offences&res=8&train_months=3&folds=2&method=count&method=kde&cells=10&curve_cells=20&to=2022-10";
    let cli = [
        "backtest",
        "--db",
        db,
        "--crime-type",
        violence,
        "--res",
        "8",
        "--train-months",
        "3",
        "--folds",
        "2",
        "--method",
        "count",
        "--method",
        "kde",
        "--cells",
        "10",
        "--curve-cells",
        "20",
        "--to",
        "2022-10",
    ];
    for format in ["json", "csv"] {
        let (status, head, body) = request(
            server.addr,
            "GET",
            &format!("/api/v1/backtest?{qs}&format={format}"),
            b"",
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("hexspot-backtest.{format}"))
        );
        let mut args = cli.to_vec();
        args.extend(["--format", format]);
        same(&format!("backtest {format}"), &body, &hexspot(&args));
    }
    // its chart: a PNG of the size asked for
    let (status, head, png) = request(
        server.addr,
        "GET",
        &format!("/api/v1/backtest/curves.png?{qs}&width=900&height=600"),
        b"",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&png));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: image/png")
    );
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 900);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 600);

    // a plan over the training months, then evaluated over the months after
    let plan_qs = "cells=8&rank_by=count&res=8&crime_type=Violence%20and%20sexual%20offences&from=2022-05&to=2022-07";
    let (status, _, plan) = request(server.addr, "GET", &format!("/api/v1/plan?{plan_qs}"), b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&plan));
    let plan_file = dir.path().join("plan.geojson");
    std::fs::write(&plan_file, &plan).unwrap();
    let plan_json: serde_json::Value = serde_json::from_slice(&plan).unwrap();
    let cells: Vec<String> = plan_json["features"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["properties"]["cells"].as_array().unwrap().clone())
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cells.len(), 8);
    let eval_qs = "crime_type=Violence%20and%20sexual%20offences&res=8&before=2022-05..2022-07&after=2022-08..2022-10";
    let eval_cli = [
        "evaluate",
        "--db",
        db,
        "--crime-type",
        violence,
        "--res",
        "8",
        "--before",
        "2022-05..2022-07",
        "--after",
        "2022-08..2022-10",
    ];
    let joined = cells.join(",");
    for format in ["geojson", "csv"] {
        // the cells in the query string, as --treated-cells
        let (status, _, body) = request(
            server.addr,
            "GET",
            &format!("/api/v1/evaluate?{eval_qs}&treated_cells={joined}&format={format}"),
            b"",
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let mut args = eval_cli.to_vec();
        args.extend(["--treated-cells", &joined, "--format", format]);
        same(&format!("evaluate {format}"), &body, &hexspot(&args));

        // the plan posted, as --plan-file (the source named differs, and only it)
        let (status, _, body) = request_typed(
            server.addr,
            "POST",
            &format!("/api/v1/evaluate?{eval_qs}&format={format}"),
            "application/geo+json",
            &plan,
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let mut args = eval_cli.to_vec();
        args.extend([
            "--plan-file",
            plan_file.to_str().unwrap(),
            "--format",
            format,
        ]);
        let cli = String::from_utf8(hexspot(&args)).unwrap().replace(
            &format!("the patrol plan {}", plan_file.display()),
            "the posted patrol plan",
        );
        same(
            &format!("evaluate a posted plan {format}"),
            &body,
            cli.as_bytes(),
        );
    }

    // bad requests: 4xx with a JSON message, never 500
    for (method, path, body, want) in [
        ("GET", "/api/v1/backtest?folds=0".to_owned(), "", 400),
        (
            "GET",
            "/api/v1/backtest?folds=30&to=2022-10".to_owned(),
            "",
            400,
        ),
        ("GET", "/api/v1/backtest?method=nope".to_owned(), "", 400),
        ("GET", "/api/v1/backtest?from=2022-01".to_owned(), "", 400),
        ("GET", format!("/api/v1/evaluate?{eval_qs}"), "", 400),
        (
            "GET",
            "/api/v1/evaluate?before=2022-08..2022-10&after=2022-05..2022-07&treated_cells=x"
                .to_owned(),
            "",
            400,
        ),
        (
            "POST",
            format!("/api/v1/evaluate?{eval_qs}"),
            "{\"features\":[]}",
            400,
        ),
        (
            "POST",
            format!("/api/v1/evaluate?{eval_qs}"),
            "not json",
            400,
        ),
    ] {
        let (status, _, reply) = request_typed(
            server.addr,
            method,
            &path,
            "application/json",
            body.as_bytes(),
        );
        assert_eq!(status, want, "{path}: {}", String::from_utf8_lossy(&reply));
        let v: serde_json::Value = serde_json::from_slice(&reply).unwrap();
        assert!(v["message"].is_string(), "{path}");
    }
    // a plain-text post is refused, as every write from a page on another site could be
    let (status, _, _) = request_typed(
        server.addr,
        "POST",
        &format!("/api/v1/evaluate?{eval_qs}"),
        "text/plain",
        &plan,
    );
    assert_eq!(status, 415);
}
