//! The web UI: server-rendered pages (askama) with plain HTML forms that
//! work without JavaScript; htmx only makes Fix and "Verify live" update in
//! place. Every action calls the same `nasguard-ops` operation as the CLI
//! and the API.

mod forms;
mod pages;
mod truenas;

use crate::auth::{COOKIE, Caller, clear_cookie, session_cookie};
use crate::error::ApiError;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use std::collections::HashMap;
use std::net::SocketAddr;

pub use pages::Page;

static HTMX: &[u8] = include_bytes!("../../assets/htmx.min.js");
static STYLE: &[u8] = include_bytes!("../../assets/style.css");

pub fn public() -> Router<Shared> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/setup", get(setup_page).post(setup))
        .route("/assets/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/assets/style.css", get(|| async { asset("text/css", STYLE) }))
        // A login or setup form is a few hundred bytes: anyone may post
        // here, so nobody may post megabytes.
        .layer(axum::extract::DefaultBodyLimit::max(PUBLIC_BODY_LIMIT))
}

/// The largest body the unauthenticated forms take.
pub const PUBLIC_BODY_LIMIT: usize = 16 * 1024;

pub fn protected() -> Router<Shared> {
    pages::routes().merge(truenas::routes()).route("/logout", post(logout))
}

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, ErrorPage { title: "Not found".into(), message: "There is no such page.".into() })
        .into_response()
}

/// An error as a page (the UI's counterpart of the API's JSON errors).
pub fn error_page(e: ApiError) -> Response {
    let status = e.status();
    if e.status() == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    (status, ErrorPage { title, message: e.to_string() }).into_response()
}

/// A page handler's failure, answered with an error page (`?` in handlers).
pub struct PageError(ApiError);

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

pub fn parse_form(body: &Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    no_admin: bool,
    username: String,
}

async fn login_page(State(st): State<Shared>) -> Response {
    let no_admin = st.run("server", |ng| ng.admin_count()).await.map(|n| n == 0).unwrap_or(false);
    LoginPage { error: None, no_admin, username: String::new() }.into_response()
}

/// A login or setup form posted from another site is refused (login CSRF).
fn cross_site(headers: &HeaderMap) -> bool {
    crate::auth::same_origin(headers).is_err()
}

async fn login(
    State(st): State<Shared>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if cross_site(&headers) {
        return error_page(ApiError::Forbidden("login from another site refused".into()));
    }
    let form = parse_form(&body);
    let username = forms::value(&form, "username").to_string();
    let password = forms::value(&form, "password").to_string();
    let ip = peer.map(|Extension(c)| c.0.ip().to_string()).unwrap_or_else(|| "local".into());
    let keys = crate::state::login_keys(&username, &ip);
    if let Err(wait) = st.limiter.begin(&keys) {
        let msg = ApiError::TooManyAttempts(wait).to_string();
        let retry = [(header::RETRY_AFTER, wait.to_string())];
        let username = username.chars().take(crate::state::MAX_NAME_KEY).collect();
        return (StatusCode::TOO_MANY_REQUESTS, retry, LoginPage { error: Some(msg), no_admin: false, username })
            .into_response();
    }
    // No administrator's name is longer: a longer one is wrong without hashing.
    let fits = username.chars().count() <= crate::state::MAX_NAME_KEY;
    let good = fits && matches!(st.check_password(&username, password).await, Ok(true));
    let name = username.clone();
    let outcome = st
        .run(&format!("web:{username}"), move |ng| {
            if !good {
                ng.record("login failed", &format!("from {ip}"))?;
                return Ok(None);
            }
            ng.record("login", &format!("from {ip}"))?;
            ng.session_start(&name).map(Some)
        })
        .await;
    match outcome {
        Ok(Some((id, _csrf))) => {
            st.limiter.succeeded(&keys);
            logged_in(&id, st.secure_cookies)
        }
        Ok(None) => {
            let error = Some("Wrong username or password.".to_string());
            let username = username.chars().take(crate::state::MAX_NAME_KEY).collect();
            (StatusCode::UNAUTHORIZED, LoginPage { error, no_admin: false, username }).into_response()
        }
        Err(e) => error_page(e),
    }
}

fn logged_in(session: &str, secure: bool) -> Response {
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = session_cookie(session, secure).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn logout(State(st): State<Shared>, caller: Caller, headers: HeaderMap) -> Response {
    if let Some(id) = crate::auth::cookie_value(&headers, COOKIE).map(String::from) {
        let _ = st
            .run(&caller.actor(), move |ng| {
                ng.record("logout", "")?;
                ng.session_end(&id)
            })
            .await;
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = clear_cookie(st.secure_cookies).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    token: String,
    error: Option<String>,
    username: String,
    min_len: usize,
}

async fn setup_page(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    if !st.setup_token_matches(&token) {
        return error_page(ApiError::Forbidden(
            "This setup link is not valid (it works once, for the server process that printed it). \
             Log in, or run `nasguard admin create NAME`."
                .into(),
        ));
    }
    SetupPage { token, error: None, username: String::new(), min_len: nasguard_ops::MIN_PASSWORD_LEN }.into_response()
}

async fn setup(State(st): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if cross_site(&headers) {
        return error_page(ApiError::Forbidden("setup from another site refused".into()));
    }
    let form = parse_form(&body);
    let token = forms::value(&form, "token").to_string();
    let username = forms::value(&form, "username").to_string();
    let password = forms::value(&form, "password").to_string();
    let again = |error: String| {
        let page = SetupPage {
            token: token.clone(),
            error: Some(error),
            username: username.clone(),
            min_len: nasguard_ops::MIN_PASSWORD_LEN,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if !st.setup_token_matches(&token) {
        return error_page(ApiError::Forbidden("This setup link is not valid any more.".into()));
    }
    if password != forms::value(&form, "password2") {
        return again("The two passwords differ.".into());
    }
    let name = username.clone();
    let created = st
        .run(&format!("web:{username}"), move |ng| {
            // The mutex serialises setups: only the first one creates.
            if ng.admin_count()? > 0 {
                return Err(nasguard_ops::OpsError::Invalid(nasguard_model::ValidationErrors::single(
                    "admin",
                    "name",
                    "an administrator exists already; log in instead",
                )));
            }
            ng.admin_create(&name, &password)?;
            ng.session_start(&name)
        })
        .await;
    match created {
        Ok((id, _)) => {
            st.take_setup_token(&token);
            logged_in(&id, st.secure_cookies)
        }
        Err(e) => again(e.to_string()),
    }
}
