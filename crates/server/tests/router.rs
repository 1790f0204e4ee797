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
    let deployment =
        nasguard_store::Deployment { mode: "sandbox".into(), bind: "127.0.0.1".into(), port_base: Some(20000) };
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

// ---- logging in -------------------------------------------------------------

#[tokio::test]
async fn a_wrong_password_is_401_and_the_right_one_sets_a_strict_session_cookie() {
    let app = app();
    let login = |password: &str| {
        form_request("/login").body(Body::from(form_body(&[("username", ADMIN), ("password", password)]))).unwrap()
    };
    let r = app.anonymous(login("wrong password!")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Wrong username or password."), "{}", r.body);
    assert_eq!(input_value(&r.body, "username").as_deref(), Some(ADMIN), "the name is kept");
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    assert!(app.events().iter().any(|e| e == "web:alice login failed from local"), "{:?}", app.events());

    let r = app.anonymous(login(PASSWORD)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let cookie = r.header("set-cookie").to_string();
    assert!(cookie.starts_with("nasguard_session="), "{cookie}");
    for flag in ["; Path=/", "; HttpOnly", "; SameSite=Strict", "; Max-Age=28800"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP without --secure-cookies: {cookie}");
    // The new session opens the pages.
    let session = cookie.split(';').next().unwrap();
    let r = app.anonymous(Request::get("/").header(header::COOKIE, session).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Security dashboard"));
    assert!(r.body.contains(ADMIN));
}

#[tokio::test]
async fn cookies_are_secure_behind_https_and_tls_adds_hsts() {
    let login =
        || form_request("/login").body(Body::from(form_body(&[("username", ADMIN), ("password", PASSWORD)]))).unwrap();
    let app = app_with(ServeOptions { secure_cookies: true, ..ServeOptions::default() });
    let r = app.anonymous(login()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("set-cookie").ends_with("; Secure"), "{}", r.header("set-cookie"));
    assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "HSTS only where we terminate TLS");

    let app = app_with(ServeOptions { tls: true, ..ServeOptions::default() });
    let r = app.anonymous(login()).await;
    assert!(r.header("set-cookie").ends_with("; Secure"), "{}", r.header("set-cookie"));
    assert_eq!(r.header("strict-transport-security"), "max-age=31536000");
    let out = app.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0") && out.header("set-cookie").ends_with("; Secure"));
}

#[tokio::test]
async fn a_login_posted_from_another_site_is_refused_and_not_even_counted() {
    let app = app();
    let before = app.db();
    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "http://evil.example")] {
        let req = form_request("/login")
            .header(name, value)
            .header(header::HOST, "nas.example:8443")
            .body(Body::from(form_body(&[("username", ADMIN), ("password", PASSWORD)])))
            .unwrap();
        let r = app.anonymous(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(r.body.contains("another site"), "{}", r.body);
        assert!(r.headers.get(header::SET_COOKIE).is_none());
    }
    assert_eq!(app.db(), before, "a refused login writes nothing");
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = app();
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(r.header("set-cookie").contains("nasguard_session=;"), "{}", r.header("set-cookie"));
    let r = app.get("/").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"), "the old cookie opens nothing");
}

// ---- the setup link -----------------------------------------------------------

#[tokio::test]
async fn the_setup_link_makes_the_first_admin_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    drop(init(&dir));
    let (state, setup) = nasguard_server::prepare(&dir, ServeOptions::default()).unwrap();
    let token = setup.expect("no admin yet: a setup link");
    let router = nasguard_server::router(state);
    let get = |uri: String| Request::get(uri).body(Body::empty()).unwrap();
    let post = |pairs: &[(&str, &str)]| form_request("/setup").body(Body::from(form_body(pairs))).unwrap();

    let r = send(&router, get("/login".into())).await;
    assert!(r.body.contains("No administrator exists yet"), "{}", r.body);
    let r = send(&router, get("/setup?token=guessed".into())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("setup link is not valid"));
    let r = send(&router, get(format!("/setup?token={token}"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(input_value(&r.body, "token").as_deref(), Some(token.as_str()));

    // Two different passwords: the form again, with the name kept.
    let before = db_bytes(&dir);
    let r = send(
        &router,
        post(&[("token", &token), ("username", ADMIN), ("password", PASSWORD), ("password2", "something else!")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The two passwords differ."));
    assert_eq!(input_value(&r.body, "username").as_deref(), Some(ADMIN));
    // A password that is too short: refused by ops, named on the form.
    let r =
        send(&router, post(&[("token", &token), ("username", ADMIN), ("password", "short"), ("password2", "short")]))
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 12 characters"), "{}", r.body);
    // From another site: refused, whatever the token.
    let cross = form_request("/setup")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(form_body(&[
            ("token", &token),
            ("username", "mallory"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])))
        .unwrap();
    assert_eq!(send(&router, cross).await.status, StatusCode::FORBIDDEN);
    assert_eq!(db_bytes(&dir), before, "nothing was written by the refused setups");

    let r =
        send(&router, post(&[("token", &token), ("username", ADMIN), ("password", PASSWORD), ("password2", PASSWORD)]))
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    assert!(r.header("set-cookie").starts_with("nasguard_session="));
    assert_eq!(Nasguard::open(&dir, "test").unwrap().admins().unwrap(), vec![ADMIN.to_string()]);
    // The link worked once.
    assert_eq!(send(&router, get(format!("/setup?token={token}"))).await.status, StatusCode::FORBIDDEN);
    let again =
        send(&router, post(&[("token", &token), ("username", "bob"), ("password", PASSWORD), ("password2", PASSWORD)]))
            .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

// ---- who may call -------------------------------------------------------------

#[tokio::test]
async fn without_credentials_pages_send_to_the_login_and_the_api_answers_401() {
    let app = app();
    for path in ["/", "/services", "/services/ssh", "/sharing", "/sharing/smb/new", "/apply", "/scan", "/account"] {
        let r = app.anonymous(Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"), "{path}");
    }
    for (method, path) in
        [(Method::GET, "/api/v1/services"), (Method::PUT, "/api/v1/config/ssh"), (Method::GET, "/metrics")]
    {
        let r = app.anonymous(Request::builder().method(method.clone()).uri(path).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(r.header("www-authenticate"), "Bearer");
        assert_eq!(r.json()["error"]["field"], Value::Null);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("authentication required"));
    }
    // A wrong token is refused even next to a good session cookie.
    let req = Request::get("/api/v1/services")
        .header(header::AUTHORIZATION, "Bearer ngt_not-a-token")
        .header(header::COOKIE, &app.cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.anonymous(req).await.status, StatusCode::UNAUTHORIZED);
    // Health and the assets need nobody.
    let r = app.anonymous(Request::get("/api/v1/health").body(Body::empty()).unwrap()).await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({"status": "ok"})));
    let r = app.anonymous(Request::get("/assets/style.css").body(Body::empty()).unwrap()).await;
    assert_eq!((r.status, r.header("content-type")), (StatusCode::OK, "text/css"));
    assert_eq!(r.header("cache-control"), "public, max-age=86400");
}

#[tokio::test]
async fn session_writes_without_the_csrf_token_or_from_another_site_are_refused_and_write_nothing() {
    let app = app();
    let before = app.db();
    let fix = |extra: &[(&str, &str)], pairs: &[(&str, &str)]| {
        let mut req = form_request("/fix").header(header::COOKIE, &app.cookie).header(header::HOST, "nas:8443");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.body(Body::from(form_body(pairs))).unwrap()
    };
    let csrf = app.csrf.as_str();
    let cases: Vec<(&str, Request<Body>)> = vec![
        ("no token in the form", fix(&[], &[("rule", "SSH-003")])),
        ("wrong token", fix(&[], &[("rule", "SSH-003"), ("csrf", "not-the-token")])),
        ("wrong token", fix(&[("x-csrf-token", "not-the-token")], &[("rule", "SSH-003"), ("csrf", csrf)])),
        ("cross-site", fix(&[("sec-fetch-site", "cross-site")], &[("rule", "SSH-003"), ("csrf", csrf)])),
        ("cross-site", fix(&[("sec-fetch-site", "same-site")], &[("rule", "SSH-003"), ("csrf", csrf)])),
        (
            "the Origin is another site",
            fix(&[("origin", "http://evil.example")], &[("rule", "SSH-003"), ("csrf", csrf)]),
        ),
    ];
    for (why, req) in cases {
        let r = app.anonymous(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{why}");
        assert!(r.header("content-type").starts_with("text/html"), "a page gets a page");
        assert!(r.body.contains(&format!("CSRF check failed: {why}")), "{why}: {}", r.body);
    }
    // Scripts with a session: JSON, and a JSON body is no place for the token.
    let put = |headers: &[(&str, &str)], body: Value| {
        let mut req = Request::put("/api/v1/config/ssh")
            .header(header::COOKIE, &app.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(Body::from(body.to_string())).unwrap()
    };
    for (why, headers) in [
        ("no token (send the X-CSRF-Token header)", vec![]),
        ("wrong token", vec![("x-csrf-token", "nope")]),
        ("cross-site request", vec![("x-csrf-token", csrf), ("sec-fetch-site", "cross-site")]),
    ] {
        let r = app.anonymous(put(&headers, json!({"tcpfwd": true, "csrf": csrf}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{why}");
        assert_eq!(r.json()["error"]["message"], format!("CSRF check failed: {why}"));
    }
    assert_eq!(app.db(), before, "no refused request wrote anything");
    assert!(!app.config().ssh.tcpfwd);

    // The same requests with the token, from our own pages, go through.
    let r =
        app.anonymous(put(&[("x-csrf-token", csrf), ("sec-fetch-site", "same-origin")], json!({"tcpfwd": true}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(app.config().ssh.tcpfwd);
    let r = app.anonymous(fix(&[("origin", "http://nas:8443")], &[("rule", "SSH-003"), ("csrf", csrf)])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!app.config().ssh.tcpfwd, "fixed");
    // A bearer token is no browser's ambient credential: no CSRF token needed.
    let r = app.api(Method::PUT, "/config/ssh", Some(json!({"compression": true}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

// ---- forms ----------------------------------------------------------------------

#[tokio::test]
async fn a_service_form_reads_unticked_boxes_as_false_multi_selects_and_text_areas() {
    let app = app();
    app.api(Method::PUT, "/config/ssh", Some(json!({"compression": true, "kerberosauth": true}))).await;
    let r = app
        .post(
            "/services/ssh",
            &[
                ("tcpport", " 2222 "),
                ("bindip", "127.0.0.1, ::1"),
                ("tcpfwd", "on"),
                // compression and kerberosauth not ticked: not sent at all
                ("weak_ciphers", "AES128-CBC"),
                ("options", "ClientAliveInterval 300\r\nMaxStartups 10:30:60\r\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/services/ssh?notice="), "{}", r.location());
    assert!(r.redirect_query("notice").starts_with("Saved as revision "), "{}", r.location());
    let ssh = app.config().ssh;
    assert_eq!(ssh.tcpport, 2222);
    assert_eq!(ssh.bindip.iter().map(ToString::to_string).collect::<Vec<_>>(), ["127.0.0.1", "::1"]);
    assert!(ssh.tcpfwd);
    assert!(!ssh.compression && !ssh.kerberosauth, "unticked boxes are false");
    assert_eq!(serde_json::to_value(&ssh.weak_ciphers).unwrap(), json!(["AES128-CBC"]));
    assert_eq!(
        ssh.options, "ClientAliveInterval 300\nMaxStartups 10:30:60",
        "no carriage returns, no trailing newline"
    );

    // The form shows what is stored, and the rule the setting trips.
    let r = app.get("/services/ssh").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(input_value(&r.body, "tcpport").as_deref(), Some("2222"));
    let tcpfwd = field_block(&r.body, "tcpfwd");
    assert!(tcpfwd.contains("checked"), "{tcpfwd}");
    assert!(tcpfwd.contains("data-rule=\"SSH-003\""), "the finding is shown next to its field: {tcpfwd}");
    assert!(!field_block(&r.body, "compression").contains("checked"));
    let ciphers = field_block(&r.body, "weak_ciphers");
    assert!(ciphers.contains("<option value=\"AES128-CBC\" selected>"), "{ciphers}");
    assert!(ciphers.contains("<option value=\"NONE\" >"), "{ciphers}");
    assert!(field_block(&r.body, "options").contains("ClientAliveInterval 300\nMaxStartups"));

    // A multi-select sends its field once per selected option.
    let r = app.post("/services/nfs", &[("protocols", "NFSV3"), ("protocols", "NFSV4"), ("servers", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(serde_json::to_value(&app.config().nfs.protocols).unwrap(), json!(["NFSV3", "NFSV4"]));
    let r = app.post("/services/nfs", &[("protocols", "NFSV4")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(serde_json::to_value(&app.config().nfs.protocols).unwrap(), json!(["NFSV4"]));
}

#[tokio::test]
async fn a_refused_form_is_422_naming_the_field_and_shows_what_was_typed() {
    let app = app();
    let before = app.db();
    let r = app
        .post(
            "/services/ssh",
            &[("tcpport", "twenty-two"), ("tcpfwd", "on"), ("options", "PermitOpen localhost:notaport")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Nothing was saved"));
    let port = field_block(&r.body, "tcpport");
    assert!(port.contains("field invalid") && port.contains("<p class=\"error\">"), "the field is named: {port}");
    assert_eq!(input_value(&r.body, "tcpport").as_deref(), Some("twenty-two"), "what was typed is kept");
    assert!(field_block(&r.body, "tcpfwd").contains("checked"), "the ticked box stays ticked");
    assert!(field_block(&r.body, "options").contains("PermitOpen localhost:notaport"));
    assert_eq!(app.db(), before, "nothing was written");

    // A new share: the form again, under its own URL, with the values and
    // the advanced section open where the error is.
    let r = app.post("/sharing/nfs", &[("path", "/srv/export"), ("comment", "team"), ("ro", "on")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("action=\"/sharing/nfs\""));
    assert!(field_block(&r.body, "networks").contains("<p class=\"error\">"), "{}", field_block(&r.body, "networks"));
    assert!(r.body.contains("<details id=\"advanced\" open>"));
    assert_eq!(input_value(&r.body, "path").as_deref(), Some("/srv/export"));
    assert_eq!(input_value(&r.body, "comment").as_deref(), Some("team"));
    assert!(field_block(&r.body, "ro").contains("checked"));
    assert_eq!(app.db(), before, "nothing was written");
    assert!(app.config().nfs_shares.is_empty());
}

#[tokio::test]
async fn shares_redirect_after_saving_and_unknown_objects_are_404() {
    let app = app();
    let r = app.get("/sharing/smb/new").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Add SMB share"));
    let r = app
        .post("/sharing/smb", &[("purpose", "NO_PRESET"), ("name", "docs"), ("path", "/srv/docs"), ("enabled", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/sharing?notice="));
    assert_eq!(r.redirect_query("notice"), "SMB share added (revision 2). Apply to put it in place.");
    let share = &app.config().smb_shares[0];
    assert_eq!((share.id, share.name.as_str(), share.enabled, share.browsable), (1, "docs", true, false));

    let r = app.get("/sharing/smb/1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(input_value(&r.body, "name").as_deref(), Some("docs"));
    let r = app
        .post(
            "/sharing/smb/1",
            &[("purpose", "NO_PRESET"), ("name", "docs"), ("path", "/srv/docs"), ("browsable", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.redirect_query("notice"), "SMB share saved (revision 3). Apply to put it in place.");
    let share = &app.config().smb_shares[0];
    assert!(!share.enabled && share.browsable, "unticked Enabled is false");
    let r = app.get("/sharing").await;
    assert!(r.body.contains("docs") && r.body.contains("/srv/docs"));

    for path in [
        "/sharing/smb/2",
        "/sharing/nfs/1",
        "/sharing/ftp/new",
        "/services/ftp",
        "/sharing/iscsi/luns/1",
        "/sharing/iscsi/portal/9",
        // An id that is not a number names nothing either (parsed once, at the edge).
        "/sharing/smb/docs",
        "/sharing/nfs/-1",
        "/sharing/iscsi/portal/x",
        "/sharing/iscsi/portals/1",
        "/no/such/page",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(r.header("content-type").starts_with("text/html"), "{path}");
        assert!(r.body.contains("<h1>Not Found</h1>") || r.body.contains("<h1>Not found</h1>"), "{path}: {}", r.body);
    }
    let before = app.db();
    for (path, pairs) in [
        ("/sharing/smb/7", vec![("name", "x")]),
        ("/sharing/nfs/7/delete", vec![]),
        ("/sharing/ftp", vec![("name", "x")]),
        ("/services/ftp", vec![]),
        ("/sharing/iscsi/portal/7/delete", vec![]),
        ("/account/tokens/99/revoke", vec![]),
        ("/account/tokens/all/revoke", vec![]),
        ("/sharing/smb/1e3", vec![("name", "x")]),
    ] {
        let r = app.post(path, &pairs).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    assert_eq!(app.db(), before, "nothing was written");

    let r = app.post("/sharing/smb/1/delete", &[]).await;
    assert_eq!((r.status, r.redirect_query("notice")), (StatusCode::SEE_OTHER, "SMB share deleted.".to_string()));
    assert!(app.config().smb_shares.is_empty());
}

#[tokio::test]
async fn the_dashboard_fixes_and_waives_and_says_so_after_the_redirect() {
    let app = app();
    app.api(Method::PUT, "/config/ssh", Some(json!({"tcpfwd": true}))).await;
    let r = app.get("/").await;
    assert!(r.body.contains("data-rule=\"SSH-003\""), "the finding is listed");
    let r = app.post("/fix", &[("rule", "SSH-003")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.redirect_query("notice"), "SSH-003 fixed in revision 3; Apply to put it in place.");
    assert!(!app.config().ssh.tcpfwd);
    let r = app.get(r.location()).await;
    assert!(r.body.contains("SSH-003 fixed in revision 3"), "the notice is shown");
    assert!(!r.body.contains("data-rule=\"SSH-003\""), "and the finding is gone");

    let r = app
        .post("/waive", &[("rule", "SMB-005"), ("object", "smb"), ("reason", "no macOS here"), ("expires", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.redirect_query("notice"), "SMB-005 on smb waived");
    let w = &app.config().site.waivers[0];
    assert_eq!((w.rule.as_str(), w.reason.as_str(), w.expires.as_deref()), ("SMB-005", "no macOS here", None));
    // A waiver of no rule: refused with a page, nothing written.
    let before = app.db();
    let r = app.post("/waive", &[("rule", "NOPE-1"), ("object", "smb"), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.header("content-type").starts_with("text/html"));
    assert_eq!(app.db(), before);
}

#[tokio::test]
async fn service_controls_refuse_unknown_actions_by_name() {
    let app = app();
    let before = app.db();
    let r = app.post("/services/ssh/control", &[("action", "explode")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("must be start, stop, restart or reload"), "{}", r.body);
    assert_eq!(app.db(), before);
    let r = app.post("/services/ssh/autostart", &[("on", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.redirect_query("notice"), "SSH: start automatically on");
    let r = app.api(Method::GET, "/services", None).await;
    let ssh = r.json()["services"].as_array().unwrap().iter().find(|s| s["service"] == "ssh").cloned().unwrap();
    assert_eq!(ssh["autostart"], true, "{ssh}");
}

#[tokio::test]
async fn the_iscsi_wizard_reviews_then_creates_and_keeps_what_was_typed_when_refused() {
    let app = app();
    let img = app._tmp.path().join("disk.img");
    let img = img.to_str().unwrap();
    let r = app.get("/sharing/iscsi/wizard").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(field_block(&r.body, "discovery_auth").contains("<option value=\"CHAP\" selected>"), "CHAP by default");

    let before = app.db();
    let typed = [
        ("name", "Bad Name"),
        ("extent_file", img),
        ("size", "16M"),
        ("discovery_auth", "NONE"),
        ("initiators", "iqn.2024-01.org.example:a\r\niqn.2024-01.org.example:b"),
        ("networks", "127.0.0.0/8"),
    ];
    let mut review = vec![("step", "review")];
    review.extend_from_slice(&typed);
    let r = app.post("/sharing/iscsi/wizard", &review).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(field_block(&r.body, "name").contains("<p class=\"error\">"), "{}", field_block(&r.body, "name"));
    assert_eq!(input_value(&r.body, "name").as_deref(), Some("Bad Name"));
    assert_eq!(input_value(&r.body, "size").as_deref(), Some("16M"));
    assert!(
        field_block(&r.body, "initiators").contains("example:a\r\niqn")
            || field_block(&r.body, "initiators").contains("example:a\niqn")
    );
    assert!(field_block(&r.body, "discovery_auth").contains("<option value=\"NONE\" selected>"));
    let r = app.post("/sharing/iscsi/wizard", &[("step", "review"), ("name", "disk"), ("size", "lots")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_block(&r.body, "size").contains("<p class=\"error\">"));
    assert_eq!(app.db(), before, "reviews write nothing");

    review[1] = ("name", "disk1");
    let r = app.post("/sharing/iscsi/wizard", &review).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"review-table\""));
    assert_eq!(app.db(), before, "reviews write nothing");
    let mut create: Vec<(&str, &str)> = vec![("step", "create")];
    create.extend(typed.iter().skip(1).copied());
    create.push(("name", "disk1"));
    let r = app.post("/sharing/iscsi/wizard", &create).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.redirect_query("notice").starts_with("Target "), "{}", r.location());
    let cfg = app.config();
    assert_eq!(cfg.iscsi.targets.len(), 1);
    assert_eq!(cfg.iscsi.targets[0].name, "disk1");
    let r = app.get("/sharing/iscsi").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("disk1"));
    let r = app.get("/sharing/iscsi/target/1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.post("/sharing/iscsi/target/1", &[("name", "Bad Name")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Bad Name"));
}

#[tokio::test]
async fn the_account_page_makes_and_revokes_api_keys_and_checks_the_current_password() {
    let app = app();
    let r = app.post("/account/tokens", &[("name", "prometheus")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.body.split("<code id=\"token-value\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(token.starts_with("ngt_"));
    // The new key works, once shown.
    let req = Request::get("/api/v1/rules")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.anonymous(req).await.status, StatusCode::OK);
    let r = app.post("/account/tokens/2/revoke", &[]).await;
    assert_eq!((r.status, r.redirect_query("notice")), (StatusCode::SEE_OTHER, "API key 2 revoked.".to_string()));
    let req = Request::get("/api/v1/rules")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.anonymous(req).await.status, StatusCode::UNAUTHORIZED);

    let before = app.db();
    let r = app
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", "a brand new passphrase"), ("new2", "another passphrase")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The two new passwords differ."));
    let r = app.post("/account/password", &[("current", PASSWORD), ("new", "short"), ("new2", "short")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 12 characters"), "{}", r.body);
    assert_eq!(app.db(), before);
    let r = app
        .post(
            "/account/password",
            &[("current", "not my password"), ("new", "a brand new passphrase"), ("new2", "a brand new passphrase")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The current password is wrong."));
    let r = app
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", "a brand new passphrase"), ("new2", "a brand new passphrase")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("set-cookie").starts_with("nasguard_session="), "this session goes on anew");
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER, "the old session ended");
}

#[tokio::test]
async fn the_scan_form_refuses_a_bad_timeout_by_name_and_keeps_the_targets() {
    let app = app();
    let r = app.post("/scan", &[("targets", "# none\n127.0.0.1:1\n"), ("timeout_ms", "soon")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("timeout_ms"), "{}", r.body);
    assert!(r.body.contains("127.0.0.1:1"), "the targets are kept");
    assert_eq!(input_value(&r.body, "timeout_ms").as_deref(), Some("soon"));
}

// ---- the API --------------------------------------------------------------------

#[tokio::test]
async fn api_errors_are_json_naming_the_field_and_write_nothing() {
    let app = app();
    let before = app.db();
    for (method, path, body, status, field) in [
        (Method::PUT, "/config/ssh", json!({"tcpport": "twenty-two"}), 422, Some("tcpport")),
        (Method::PUT, "/config/ssh", json!(["not", "an", "object"]), 422, Some("body")),
        (Method::POST, "/shares/nfs", json!({"path": "/srv/x"}), 422, Some("networks")),
        (Method::POST, "/iscsi/portals", json!({"listen": ["not-an-ip"]}), 422, Some("listen")),
        (Method::POST, "/apply?dry_run=maybe", json!({}), 422, Some("dry_run")),
        (Method::PUT, "/config/ftp", json!({}), 404, None),
        (Method::GET, "/shares/smb/99", Value::Null, 404, None),
        (Method::GET, "/shares/nfs/x", Value::Null, 404, None),
        (Method::PUT, "/shares/smb/-1", json!({}), 404, None),
        (Method::DELETE, "/shares/nfs/4294967296", Value::Null, 404, None),
        (Method::GET, "/iscsi/luns", Value::Null, 404, None),
        (Method::GET, "/iscsi/portals/7", Value::Null, 404, None),
        (Method::DELETE, "/iscsi/portals/seven", Value::Null, 404, None),
        (Method::POST, "/services/ssh/explode", Value::Null, 404, None),
        (Method::POST, "/services/ftp/start", Value::Null, 404, None),
        (Method::DELETE, "/users/nobody-here", Value::Null, 404, None),
    ] {
        let body = (!body.is_null()).then_some(body);
        let r = app.api(method.clone(), path, body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path}: {}", r.body);
        assert_eq!(r.header("content-type"), "application/json", "{method} {path}");
        let v = r.json();
        assert_eq!(v["error"]["field"].as_str(), field, "{method} {path}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty(), "{v}");
    }
    // Not JSON at all.
    let req = Request::put("/api/v1/config/ssh")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.token))
        .body(Body::from("tcpport=22"))
        .unwrap();
    let r = app.anonymous(req).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body")));
    assert_eq!(app.db(), before, "no refused call wrote anything");

    // What is refused names the object, and every problem is listed.
    let r = app.api(Method::PUT, "/config/ssh", Some(json!({"tcpport": 0, "options": "NoSuchKeyword yes"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["object"], "ssh");
}

#[tokio::test]
async fn api_objects_are_created_read_and_deleted_by_id() {
    let app = app();
    let r = app.api(Method::POST, "/shares/nfs", Some(json!({"path": "/srv/x", "networks": ["10.0.0.0/24"]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["id"], 1);
    let r = app.api(Method::GET, "/shares/nfs/1", None).await;
    assert_eq!((r.status, r.json()["path"].as_str()), (StatusCode::OK, Some("/srv/x")));
    let r = app.api(Method::PUT, "/shares/nfs/1", Some(json!({"comment": "team"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.config().nfs_shares[0].comment, "team");
    let r = app
        .api(Method::POST, "/iscsi/portals", Some(json!({"listen": ["127.0.0.1"], "discovery_authmethod": "NONE"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::GET, "/iscsi/portals/1", None).await;
    assert_eq!((r.status, r.json()["id"].as_u64()), (StatusCode::OK, Some(1)));
    let r = app.api(Method::DELETE, "/iscsi/portals/1", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.api(Method::GET, "/iscsi/portals/1", None).await.status, StatusCode::NOT_FOUND);
    let r = app.api(Method::DELETE, "/shares/nfs/1", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(app.config().nfs_shares.is_empty());
    let r = app.api(Method::GET, "/openapi.json", None).await;
    assert_eq!(r.json()["info"]["title"], "nasguard");
}

// ---- on every answer ---------------------------------------------------------------

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = app();
    let mut answers = vec![
        ("login page", app.anonymous(Request::get("/login").body(Body::empty()).unwrap()).await),
        ("asset", app.anonymous(Request::get("/assets/htmx.min.js").body(Body::empty()).unwrap()).await),
        ("redirect to login", app.anonymous(Request::get("/").body(Body::empty()).unwrap()).await),
        ("401", app.anonymous(Request::get("/api/v1/services").body(Body::empty()).unwrap()).await),
        ("404 page", app.get("/nowhere").await),
        ("dashboard", app.get("/").await),
        ("redirect after saving", app.post("/services/ssh/autostart", &[("on", "false")]).await),
        ("422 page", app.post("/services/ssh", &[("tcpport", "x")]).await),
        ("API", app.api(Method::GET, "/services", None).await),
        ("API 404", app.api(Method::GET, "/shares/smb/9", None).await),
    ];
    let metrics = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.token))
        .body(Body::empty())
        .unwrap();
    answers.push(("metrics", app.anonymous(metrics).await));
    let refused = form_request("/fix").header(header::COOKIE, &app.cookie).body(Body::from("rule=SSH-003")).unwrap();
    answers.push(("CSRF refusal", app.anonymous(refused).await));
    for (what, r) in &answers {
        let csp = r.header("content-security-policy");
        assert_eq!(csp, nasguard_server::CSP, "{what}");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{what}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(r.header("x-frame-options"), "DENY", "{what}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{what}");
        assert_eq!(r.header("cross-origin-opener-policy"), "same-origin", "{what}");
        assert_eq!(r.header("cross-origin-resource-policy"), "same-origin", "{what}");
        assert!(r.header("permissions-policy").contains("camera=()"), "{what}");
        assert!(!r.header("cache-control").is_empty(), "{what}");
        assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{what}: no HSTS over plain HTTP");
    }
    let no_store = ["login page", "dashboard", "API", "401", "422 page"];
    for (what, r) in answers.iter().filter(|(w, _)| no_store.contains(w)) {
        assert_eq!(r.header("cache-control"), "no-store", "{what}");
    }
    let metrics = &answers.iter().find(|(w, _)| *w == "metrics").unwrap().1;
    assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.body);
    assert!(metrics.body.contains("nasguard_findings"), "{}", metrics.body);
}
