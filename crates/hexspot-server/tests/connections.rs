//! The accept loop's limits over real sockets on 127.0.0.1: a client that sends its
//! headers too slowly is disconnected, connections beyond the limit are closed at once
//! while the others are served, and a half-sent request cannot hold up a shutdown past
//! its deadline.

use std::time::Duration;

use hexspot_engine::HarmTable;
use hexspot_server::connections::ConnectionLimits;
use hexspot_server::{AppState, Settings};
use hexspot_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Server {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start(limits: ConnectionLimits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        listen: Some(addr),
        connections: limits,
        ..Settings::default()
    };
    let state = AppState::new(store, HarmTable::default(), settings);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(hexspot_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
        task,
        _dir: dir,
    }
}

/// One whole request on a new connection: the status line's code.
async fn healthz(addr: std::net::SocketAddr) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut reply = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut reply))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    reply[9..12].parse().unwrap()
}

/// Whether the server closes `s` within `within` (reads end of stream or a reset).
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    match tokio::time::timeout(within, s.read(&mut buf)).await {
        Ok(Ok(0) | Err(_)) => true,
        Ok(Ok(_)) => panic!("unexpected bytes: {:?}", String::from_utf8_lossy(&buf)),
        Err(_) => false,
    }
}

#[tokio::test]
async fn slow_headers_are_cut_off_while_others_are_served() {
    let server = start(ConnectionLimits {
        header_timeout: Duration::from_millis(300),
        ..ConnectionLimits::default()
    })
    .await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: ")
        .await
        .unwrap();
    assert_eq!(healthz(server.addr).await, 200);
    assert!(
        closed_within(&mut slow, Duration::from_secs(10)).await,
        "a connection that never finishes its headers is closed"
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_at_once() {
    let server = start(ConnectionLimits {
        max_connections: 2,
        header_timeout: Duration::from_secs(60),
        ..ConnectionLimits::default()
    })
    .await;
    let held: Vec<TcpStream> = vec![
        TcpStream::connect(server.addr).await.unwrap(),
        TcpStream::connect(server.addr).await.unwrap(),
    ];
    // let the server take both before the third arrives
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_secs(10)).await);
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        healthz(server.addr).await,
        200,
        "served again once they left"
    );
}

#[tokio::test]
async fn a_half_sent_request_cannot_hold_up_shutdown_past_its_deadline() {
    let mut server = start(ConnectionLimits {
        header_timeout: Duration::from_secs(60),
        shutdown_deadline: Duration::from_millis(500),
        ..ConnectionLimits::default()
    })
    .await;
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    assert_eq!(healthz(server.addr).await, 200);
    server.stop.take().unwrap().send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(20), &mut server.task).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "serve returns after the deadline, not after the 60 s header timeout"
    );
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_head_larger_than_the_limit_is_refused_with_431() {
    let server = start(ConnectionLimits::default()).await;
    let pad = "a".repeat(hexspot_server::connections::MAX_HEAD_BYTES);
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let req = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Pad: {pad}\r\n\r\n",
        server.addr
    );
    // the server may answer and close before it has read all of it
    let _ = s.write_all(req.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    // a head just under it is served
    let pad = "a".repeat(hexspot_server::connections::MAX_HEAD_BYTES / 2);
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Pad: {pad}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}
