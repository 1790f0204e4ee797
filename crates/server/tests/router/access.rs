//! Who may call: pages without a session go to the login, the API answers
//! 401, and session writes need the CSRF token and a same-origin request.

use super::*;

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
