//! The web UI (placeholder while it is built).
use crate::state::Shared;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;

pub fn protected() -> Router<Shared> {
    Router::new()
}

pub fn public() -> Router<Shared> {
    Router::new()
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found")
}
