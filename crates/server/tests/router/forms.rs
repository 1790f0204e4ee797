//! Forms: what a submitted form sets, a refused form shown again, and the
//! redirect after saving.

use super::*;

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
