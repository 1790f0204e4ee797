//! The other pages' actions: dashboard, service controls, the iSCSI
//! wizard, the account, scan.

use super::*;

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
