//! The account: the admin's password and API keys.

use super::forms;
use super::frame::{Page, back, invalid_list};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error_page::error_page;
use crate::extract::{PagePath, TokenId};
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/account", get(account))
        .route("/account/password", post(account_password))
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{id}/revoke", post(token_revoke))
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    tokens: Vec<nasguard_store::TokenInfo>,
    /// A token just made: shown in this answer only, never in a URL.
    new_token: Option<String>,
    password_error: Option<String>,
}

async fn account_page(
    st: &Shared,
    c: &Caller,
    page: Page,
    new_token: Option<String>,
    password_error: Option<String>,
) -> Response {
    let status = if password_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match st.run(&c.actor(), |ng| ng.tokens()).await {
        Ok(tokens) => (status, AccountPage { page, tokens, new_token, password_error }).into_response(),
        Err(e) => error_page(e),
    }
}

async fn account(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> Response {
    account_page(&st, &c, Page::new(&c, "Account", "account").notice(&q), None, None).await
}

async fn account_password(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = forms::parse_form(&body);
    let current = forms::value(&form, "current").to_string();
    let new = forms::value(&form, "new").to_string();
    if new != forms::value(&form, "new2") {
        return account_page(
            &st,
            &c,
            Page::new(&c, "Account", "account"),
            None,
            Some("The two new passwords differ.".into()),
        )
        .await;
    }
    // Guessing the current password from a stolen session is limited like a login.
    let keys = crate::state::login_keys(&c.admin, "account");
    if let Err(wait) = st.limiter.begin(&keys) {
        return error_page(ApiError::TooManyAttempts(wait));
    }
    let good = match st.check_password(&c.admin, current).await {
        Ok(good) => good,
        Err(e) => return error_page(e),
    };
    if good {
        st.limiter.succeeded(&keys);
    }
    let admin = c.admin.clone();
    let changed = st
        .run(&c.actor(), move |ng| {
            if !good {
                return Ok(None);
            }
            ng.admin_password_set(&admin, &new)?;
            // Every session ended with the change; this one goes on anew.
            ng.session_start(&admin).map(|(id, _)| Some(id))
        })
        .await;
    match changed {
        Ok(Some(session)) => {
            let mut resp = back("/account", "Password changed; every other session was logged out.");
            if let Ok(v) = crate::auth::session_cookie(&session, st.secure_cookies).parse() {
                resp.headers_mut().insert(axum::http::header::SET_COOKIE, v);
            }
            resp
        }
        Ok(None) => {
            let page = Page::new(&c, "Account", "account");
            account_page(&st, &c, page, None, Some("The current password is wrong.".into())).await
        }
        Err(e) if !invalid_list(&e).is_empty() => {
            account_page(&st, &c, Page::new(&c, "Account", "account"), None, Some(e.to_string())).await
        }
        Err(e) => error_page(e),
    }
}

async fn token_create(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let name = forms::value(&forms::parse_form(&body), "name").trim().to_string();
    let admin = c.admin.clone();
    match st.run(&c.actor(), move |ng| ng.token_create(&admin, &name)).await {
        Ok((_, token)) => account_page(&st, &c, Page::new(&c, "Account", "account"), Some(token), None).await,
        Err(e) => error_page(e),
    }
}

async fn token_revoke(State(st): State<Shared>, c: Caller, PagePath(TokenId(id)): PagePath<TokenId>) -> Response {
    match st.run(&c.actor(), move |ng| ng.token_revoke(id)).await {
        Ok(()) => back("/account", &format!("API key {id} revoked.")),
        Err(e) => error_page(e),
    }
}
