//! Logging in and out, and the one-time setup link that makes the first
//! administrator: the only forms anyone may post.

use super::forms;
use crate::auth::{COOKIE, Caller, clear_cookie, session_cookie};
use crate::error::ApiError;
use crate::error_page::error_page;
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

/// Login and setup: no session needed.
pub(super) fn public_routes() -> Router<Shared> {
    Router::new().route("/login", get(login_page).post(login)).route("/setup", get(setup_page).post(setup))
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/logout", post(logout))
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
    let form = forms::parse_form(&body);
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
    let form = forms::parse_form(&body);
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
            // The copy a server run by systemd left for root is spent too.
            let _ = nasguard_ops::web::record_setup_link(&st.dir, None);
            logged_in(&id, st.secure_cookies)
        }
        Err(e) => again(e.to_string()),
    }
}
