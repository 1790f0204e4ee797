//! `nasguard serve`: one process serving the REST API (`/api/v1`, with its
//! OpenAPI document), the web UI and `/metrics` from the same store, through
//! the same operations as the CLI (`nasguard-ops`). This crate holds no
//! policy: handlers parse input, call ops, and shape the answer.
//!
//! The modules form layers, each importing only from layers below its own
//! (the table is in ARCHITECTURE.md, "server"; `tests/layers.rs` checks it):
//! `options`, `error`, `tls` and `notify` at the bottom; `error_page`, `state`, `listen`;
//! `extract`, `auth`; `metrics`; the API's and the UI's areas; `api` and
//! `ui`; and this file, which builds the router and serves it.

pub mod api;
pub mod auth;
pub mod error;
pub mod error_page;
pub mod extract;
pub mod metrics;
pub mod notify;
pub mod options;
pub mod state;
pub mod tls;
pub mod ui;

mod listen;

pub use listen::stop_signal;
pub use options::ServeOptions;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use nasguard_ops::Nasguard;
use state::{AppState, Shared};
use std::path::Path;
use std::sync::Arc;

/// Headers on every answer: no framing, no sniffing, no referrer to other sites, scripts
/// and styles only from this origin (the UI has no inline script).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(
    axum::extract::State(state): axum::extract::State<Shared>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if state.tls {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), usb=()"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// The whole application over `state`.
pub fn router(state: Shared) -> Router {
    let (api_protected, _) = api::protected().split_for_parts();
    let (api_public, _) = api::public().split_for_parts();
    let protected = Router::new()
        .nest("/api/v1", api_protected)
        .merge(ui::protected())
        .route("/metrics", axum::routing::get(metrics::render))
        .layer(middleware::from_fn_with_state(state.clone(), auth::require));
    let public = Router::new().nest("/api/v1", api_public).merge(ui::public());
    protected
        .merge(public)
        .fallback(error_page::not_found)
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// Opens the store of `dir` for serving. With no admin yet, makes the
/// one-time setup token and returns it.
pub fn prepare(dir: &Path, options: ServeOptions) -> Result<(Shared, Option<String>), nasguard_ops::OpsError> {
    let ng = Nasguard::open(dir, "server")?;
    let setup = if ng.admin_count()? == 0 { Some(nasguard_ops::random_token()?) } else { None };
    let fleet = match &options.fleet_db {
        Some(url) => Some(nasguard_fleet::pool(url, 16).map_err(|e| {
            nasguard_ops::OpsError::Invalid(nasguard_model::ValidationErrors::single(
                "serve",
                "fleet_db",
                e.to_string(),
            ))
        })?),
        None => None,
    };
    let mut state = AppState::new(dir.to_path_buf(), ng, options, metrics::handle());
    state.fleet = fleet;
    if let Ok(mut slot) = state.setup_token.lock() {
        slot.clone_from(&setup);
    }
    Ok((Arc::new(state), setup))
}

/// Serves plain HTTP until SIGTERM or Ctrl-C, then finishes the requests
/// in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) -> std::io::Result<()> {
    let limits = state.options.clone();
    listen::run(listener, router(state), limits, None).await
}

/// Serves HTTPS until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    state: Shared,
    tls: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
) -> std::io::Result<()> {
    let limits = state.options.clone();
    listen::run(listener, router(state), limits, Some(tls)).await
}
