//! Who is calling: an API token (`Authorization: Bearer`) or a session
//! cookie. Every route behind [`require`] needs one; unsafe methods with a
//! session also need the session's CSRF token (a form field or the
//! `X-CSRF-Token` header) and a same-origin request.

use crate::error::ApiError;
use crate::error_page::error_for;
use crate::state::{Shared, constant_time_eq};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const COOKIE: &str = "nasguard_session";
/// Forms carry the CSRF token in this field; scripts send it as a header.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The largest form body read while looking for the CSRF field.
const MAX_FORM: usize = 1 << 20;

#[derive(Clone, Debug)]
pub enum Via {
    Token,
    Session { id: String, csrf: String },
}

/// The authenticated admin of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub admin: String,
    pub via: Via,
}

impl Caller {
    /// How the audit log names the caller: `web:alice` or `api:alice`.
    pub fn actor(&self) -> String {
        match self.via {
            Via::Token => format!("api:{}", self.admin),
            Via::Session { .. } => format!("web:{}", self.admin),
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token => "",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthorized)
    }
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", nasguard_ops::SESSION_SECONDS)
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

async fn identify(state: &Shared, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        // A wrong token is refused even when a cookie is also sent.
        let Some(token) = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim) else {
            return Ok(None);
        };
        let token = token.to_string();
        let admin = state.run("server", move |ng| ng.token_admin(&token)).await?;
        return Ok(admin.map(|admin| Caller { admin, via: Via::Token }));
    }
    let Some(id) = cookie_value(headers, COOKIE).map(String::from) else {
        return Ok(None);
    };
    let lookup = id.clone();
    let session = state.run("server", move |ng| ng.session(&lookup)).await?;
    Ok(session.map(|s| Caller { admin: s.admin, via: Via::Session { id, csrf: s.csrf } }))
}

/// Middleware for every route but login, setup, health and static assets.
pub async fn require(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let caller = match identify(&state, req.headers()).await {
        Ok(Some(c)) => c,
        // A page sends the browser to the login page, a script gets 401.
        Ok(None) => return error_for(req.uri().path(), ApiError::Unauthorized),
        Err(e) => return e.into_response(),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method && let Via::Session { csrf, .. } = &caller.via {
        let path = req.uri().path().to_string();
        match check_csrf(req, csrf).await {
            Ok(r) => req = r,
            // A page gets a page, a script gets JSON.
            Err(e) => return error_for(&path, e),
        }
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Refuses cross-site requests and requests without the session's token.
/// Returns the request with its body put back.
async fn check_csrf(req: Request, expected: &str) -> Result<Request, ApiError> {
    let refuse = |why: &str| ApiError::Forbidden(format!("CSRF check failed: {why}"));
    let headers = req.headers();
    if let Err(why) = same_origin(headers) {
        return Err(refuse(why));
    }
    if let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(refuse("wrong token"))
        };
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.starts_with("multipart/form-data") {
        // An upload form (JavaScript off): the token is its first field.
        let (parts, body) = req.into_parts();
        let bytes: Bytes = axum::body::to_bytes(body, MAX_UPLOAD).await.map_err(|_| refuse("upload too large"))?;
        return match multipart_field(&content_type, bytes.clone(), CSRF_FIELD).await {
            Some(s) if constant_time_eq(s.as_bytes(), expected.as_bytes()) => {
                Ok(Request::from_parts(parts, Body::from(bytes)))
            }
            Some(_) => Err(refuse("wrong token")),
            None => Err(refuse("no token in the form (it must come before the file)")),
        };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(refuse("no token (send the X-CSRF-Token header)"));
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| refuse("form too large"))?;
    let sent = form_urlencoded_field(&bytes, CSRF_FIELD);
    match sent {
        Some(s) if constant_time_eq(s.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Some(_) => Err(refuse("wrong token")),
        None => Err(refuse("no token in the form")),
    }
}

/// Whether a request comes from one of our own pages. Browsers send
/// `Sec-Fetch-Site`, which pages cannot forge: it decides when present.
/// Otherwise an `Origin`, when sent, must be this host. Clients that send
/// neither (curl, scripts) are not browsers a foreign page could drive.
pub fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return if matches!(site, "same-origin" | "none") { Ok(()) } else { Err("cross-site request") };
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        if origin.split_once("://").map(|(_, h)| h) != Some(host) {
            return Err("the Origin is another site");
        }
    }
    Ok(())
}

/// The largest upload (multipart) body: a TrueNAS backup and the form.
const MAX_UPLOAD: usize = crate::options::TRUENAS_BODY_LIMIT + (1 << 20);

/// A text field of a multipart form, read up to where it appears.
async fn multipart_field(content_type: &str, body: Bytes, name: &str) -> Option<String> {
    use axum::extract::FromRequest;
    let req = Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body)).ok()?;
    let mut form = axum::extract::Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
