//! Logging in and out, and the one-time setup link.

use super::*;

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
