//! The web UI: server-rendered pages (askama) with plain HTML forms that
//! work without JavaScript; htmx only makes Fix and "Verify live" update in
//! place. Every action calls the same `nasguard-ops` operation as the CLI
//! and the API.
//!
//! One module per area of the navigation. Each imports only `forms` (the
//! fields of each form) and `frame` (what every page shares) from here,
//! never another area; this file only puts their routes together.

mod account;
mod dashboard;
mod fleet;
mod forms;
mod frame;
mod iscsi;
mod services;
mod session;
mod sharing;
mod tools;
mod truenas;

pub use frame::Page;

use crate::state::Shared;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

static HTMX: &[u8] = include_bytes!("../../assets/htmx.min.js");
static STYLE: &[u8] = include_bytes!("../../assets/style.css");

pub fn public() -> Router<Shared> {
    session::public_routes()
        .route("/assets/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/assets/style.css", get(|| async { asset("text/css", STYLE) }))
        // A login or setup form is a few hundred bytes: anyone may post
        // here, so nobody may post megabytes.
        .layer(axum::extract::DefaultBodyLimit::max(PUBLIC_BODY_LIMIT))
}

/// The largest body the unauthenticated forms take.
pub const PUBLIC_BODY_LIMIT: usize = 16 * 1024;

/// The pages behind the login.
pub fn protected() -> Router<Shared> {
    Router::new()
        .merge(dashboard::routes())
        .merge(services::routes())
        .merge(sharing::routes())
        .merge(iscsi::routes())
        .merge(tools::routes())
        .merge(truenas::routes())
        .merge(account::routes())
        .merge(session::routes())
        .merge(fleet::routes())
}

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}
