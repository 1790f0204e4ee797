//! The API's answers, and the headers on every answer.

use super::*;

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
