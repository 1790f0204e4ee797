//! Errors as pages: the UI's counterpart of the API's JSON errors
//! ([`crate::error`]). Below the pages, the path extractors and the
//! authentication layer, which all answer a browser with one of these.

use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

/// The answer to a URL no route takes.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, ErrorPage { title: "Not found".into(), message: "There is no such page.".into() })
        .into_response()
}

/// An error as a page; "log in first" as the way to the login page.
pub fn error_page(e: ApiError) -> Response {
    let status = e.status();
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    (status, ErrorPage { title, message: e.to_string() }).into_response()
}

/// Whether `path` is answered in JSON (the API and `/metrics`) rather than
/// with pages.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics"
}

/// `e` the way the caller of `path` reads it: JSON for scripts, a page
/// (or the login page) for browsers.
pub fn error_for(path: &str, e: ApiError) -> Response {
    if is_api(path) { e.into_response() } else { error_page(e) }
}

/// A page handler's failure, answered with an error page (`?` in handlers).
pub struct PageError(pub ApiError);

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

pub type PageResult = Result<Response, PageError>;
