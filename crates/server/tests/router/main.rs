//! The web layer without a browser and without a socket: the whole router
//! (`nasguard_server::router`) over a store in a temporary directory, driven
//! in process with `tower::ServiceExt::oneshot`. These check the pages' and
//! the API's own logic (logins, the setup link, CSRF refusals, form parsing,
//! refused forms, redirects, error bodies, security headers); the Chromium
//! tests in `crates/cli/tests/it/web.rs` check the same pages in a browser,
//! and `api.rs` there drives `nasguard serve` over HTTP. No daemon is started.

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use nasguard_ops::Nasguard;
use nasguard_server::ServeOptions;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

mod access;
mod api;
mod forms;
mod pages;
mod session;

const ADMIN: &str = "alice";
const PASSWORD: &str = "correct horse battery";

/// A state directory with one admin, a session and an API token, and the
/// router serving it.
struct App {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    router: axum::Router,
    /// `nasguard_session=ID`, as a browser sends it back.
    cookie: String,
    csrf: String,
    token: String,
}

/// A fresh sandbox store. (The one place that knows how a store is made.)
fn init(dir: &Path) -> Nasguard {
    let deployment = nasguard_store::Deployment::loopback_sandbox(Some(20000));
    Nasguard::init(dir, &deployment, "test").unwrap()
}

/// A real Argon2id PHC string, with the smallest costs: verifying reads the
/// costs from the string, and a debug build takes seconds at the default
/// 19 MiB. (What the setup and password forms store is hashed by ops at
/// the default costs; those tests pay for it.)
fn cheap_hash(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    let params = argon2::Params::new(8, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon.hash_password(password.as_bytes()).unwrap().to_string()
}

fn app() -> App {
    app_with(ServeOptions::default())
}

fn app_with(options: ServeOptions) -> App {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let ng = init(&dir);
    ng.store().admin_insert(ADMIN, &cheap_hash(PASSWORD)).unwrap();
    let (session, csrf) = ng.session_start(ADMIN).unwrap();
    let (_, token) = ng.token_create(ADMIN, "tests").unwrap();
    drop(ng);
    let (state, setup) = nasguard_server::prepare(&dir, options).unwrap();
    assert!(setup.is_none(), "an admin exists: no setup link");
    App {
        _tmp: tmp,
        dir,
        router: nasguard_server::router(state),
        cookie: format!("nasguard_session={session}"),
        csrf,
        token,
    }
}

/// One answer, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The notice or error a redirect carries in its query.
    fn redirect_query(&self, key: &str) -> String {
        let query = self.location().split_once('?').map(|(_, q)| q).unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
        pairs.into_iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or_default()
    }
}

async fn send(router: &axum::Router, req: Request<Body>) -> Answer {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20).await.unwrap();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

fn form_request(path: &str) -> axum::http::request::Builder {
    Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

impl App {
    /// A page as the logged-in admin's browser asks for it.
    async fn get(&self, path: &str) -> Answer {
        let req = Request::get(path).header(header::COOKIE, &self.cookie).body(Body::empty()).unwrap();
        send(&self.router, req).await
    }

    /// A form posted from one of our pages: the session and its CSRF token.
    async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        let req = form_request(path)
            .header(header::COOKIE, &self.cookie)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form_body(&all)))
            .unwrap();
        send(&self.router, req).await
    }

    /// An API call with the bearer token.
    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        send(&self.router, req.unwrap()).await
    }

    async fn anonymous(&self, req: Request<Body>) -> Answer {
        send(&self.router, req).await
    }

    /// The database's bytes (not the -shm index, which readers write to).
    fn db(&self) -> Vec<(String, Vec<u8>)> {
        db_bytes(&self.dir)
    }

    /// The stored configuration, read through a connection of its own.
    fn config(&self) -> nasguard_model::Config {
        Nasguard::open(&self.dir, "test").unwrap().snapshot().unwrap().config
    }

    fn events(&self) -> Vec<String> {
        let log = Nasguard::open(&self.dir, "test").unwrap().audit_log(500).unwrap();
        log.events.iter().map(|e| format!("{} {} {}", e.actor, e.action, e.detail)).collect()
    }
}

fn db_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().to_string();
            (name.starts_with("nasguard.db") && !name.ends_with("-shm")).then(|| (name, std::fs::read(&p).unwrap()))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no database in {}", dir.display());
    files
}

/// The `value` of the text input named `name` in a page.
fn input_value(page: &str, name: &str) -> Option<String> {
    let at = page
        .find(&format!("<input type=\"text\" id=\"f-{name}\""))
        .or_else(|| page.find(&format!("name=\"{name}\"")))?;
    let start = page[..=at].rfind('<')?;
    let tag = &page[start..at + page[at..].find('>')?];
    let value = tag.split("value=\"").nth(1)?;
    Some(value[..value.find('"')?].to_string())
}

/// The block of the form field whose control is `f-NAME`.
fn field_block<'a>(page: &'a str, name: &str) -> &'a str {
    let id = format!("id=\"f-{name}\"");
    let at = page.find(&id).unwrap_or_else(|| panic!("no control {name} in the page"));
    let start = page[..at].rfind("<div class=\"field").unwrap();
    let end = page[at..].find("</div>").map(|e| at + e).unwrap_or(page.len());
    &page[start..end]
}
