//! The accept loop, for HTTP and for HTTPS (rustls with ring, TLS 1.2 and
//! 1.3, rustls's modern suites; the certificate comes from `tls`): one place
//! for the per-connection deadlines and for a graceful stop.

use crate::options::ServeOptions;
use axum::extract::ConnectInfo;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tower::ServiceExt;

/// A handshake that has not finished by then is dropped (slow clients
/// must not hold connections open for free).
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Likewise for a request's head once connected. (The body's deadline and
/// the connection cap are [`ServeOptions`].)
const HEADER_READ: Duration = Duration::from_secs(30);

/// Serves `app` over HTTP (`tls: None`) or HTTPS until SIGTERM or Ctrl-C,
/// then lets the requests in flight finish (for at most [`DRAIN`]).
pub async fn run(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: ServeOptions,
    tls: Option<Arc<ServerConfig>>,
) -> std::io::Result<()> {
    let acceptor = tls.map(TlsAcceptor::from);
    let (stopping, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = &mut stop => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                // Out of file descriptors and the like: wait a moment, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        while connections.try_join_next().is_some() {}
        // An IPv4 client of a dual-stack socket ([::]) is known by its IPv4
        // address (the login limiter, the logs), not ::ffff:a.b.c.d.
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let serve = connection(tcp, peer, app.clone(), acceptor.clone(), stop_rx.clone(), limits.body_read);
        connections.spawn(async move {
            serve.await;
            drop(slot);
        });
    }
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    Ok(())
}

/// Resolves on SIGTERM (service managers) or SIGINT (Ctrl-C).
pub async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        // Without signal handlers, run until killed.
        _ => std::future::pending::<()>().await,
    }
}

/// How long a stop waits for the requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    acceptor: Option<TlsAcceptor>,
    stop: tokio::sync::watch::Receiver<bool>,
    body_read: Duration,
) {
    match acceptor {
        Some(acceptor) => {
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await else {
                return;
            };
            http(TokioIo::new(stream), peer, app, stop, body_read).await;
        }
        None => http(TokioIo::new(tcp), peer, app, stop, body_read).await,
    }
}

/// HTTP/1.1 on one connection: a request head must arrive within
/// [`HEADER_READ`]; on stop, the request in flight finishes, then it closes.
async fn http<I>(
    io: I,
    peer: SocketAddr,
    app: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
    body_read: Duration,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
        app.clone().oneshot(req.map(|body| axum::body::Body::new(Deadline::new(body, body_read))))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// A request body that must have arrived in full by a deadline.
struct Deadline<B> {
    body: B,
    limit: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl<B> Deadline<B> {
    fn new(body: B, limit: Duration) -> Self {
        Deadline { body, limit, sleep: Box::pin(tokio::time::sleep(limit)) }
    }
}

/// What a body that took too long ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct TooSlow(Duration);

impl<B> http_body::Body for Deadline<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(Some(Err(Box::new(TooSlow(self.limit)))));
        }
        std::pin::Pin::new(&mut self.body).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
