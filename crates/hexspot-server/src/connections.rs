//! The accept loop: HTTP/1.1 and HTTP/2 connections with a limit on how many are open,
//! a deadline for a request's headers, and a graceful shutdown that waits for requests
//! in flight at most a deadline. `axum::serve` has none of these: a client that opens
//! connections and sends its headers a byte at a time would hold them for ever, and
//! one half-sent request would keep the process from stopping.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The accept loop's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once; a connection beyond them is closed as soon as it is
    /// accepted (so the process never runs out of file descriptors).
    pub max_connections: usize,
    /// Time from a connection's start (or the end of its last response) to the end of
    /// a request's headers; a slower client is disconnected.
    pub header_timeout: Duration,
    /// After the shutdown signal, how long requests in flight may take to finish before
    /// their connections are closed.
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    /// 768 connections (under the usual 1,024 file descriptors), headers within 5 s,
    /// 30 s to drain.
    fn default() -> Self {
        Self {
            max_connections: 768,
            header_timeout: Duration::from_secs(5),
            shutdown_deadline: Duration::from_secs(30),
        }
    }
}

/// The most a request's line and headers may take (hyper's read buffer; 64 KiB, where
/// hyper's default is 400 KiB): a longer head is refused with 431.
pub const MAX_HEAD_BYTES: usize = 64 << 10;

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets
/// requests in flight finish for at most the deadline.
///
/// # Errors
/// When accepting fails for a reason other than a connection's own error or the
/// process's file limit (those are logged and the loop goes on).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // a request's head larger than this is refused (431) rather than buffered
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)));
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) if is_transient(&e) => {
                    tracing::warn!(error = %e, "cannot accept a connection; going on");
                    // running out of descriptors: give the open ones a moment to close
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            tracing::warn!(%peer, max = limits.max_connections, "too many connections: closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // the client's address, for the audit log
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            app.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every request in flight finished"),
        () = tokio::time::sleep(limits.shutdown_deadline) => tracing::warn!(
            deadline_secs = limits.shutdown_deadline.as_secs(),
            "shutdown deadline reached: closing the connections left"
        ),
    }
    Ok(())
}

/// Accept errors that concern one connection or a passing shortage, not the listener.
fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    ) || matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12))
}
