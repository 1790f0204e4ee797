//! The web UI in headless Chromium (WebDriver), against `nasguard serve`
//! and, where the issue asks, the real daemons and clients. Screenshots of
//! each page go to artifacts/screenshots/ (kept by CI).

use crate::nfs::{Net, server as in_server_ns};
use crate::support::{Browser, Sandbox, Server, client, have};

const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "ChapSecret12";
const ALLOWED: &str = "iqn.2026-01.test.nasguard:allowed";

fn log_in(b: &Browser, server: &Server) {
    b.goto(&format!("{}/login", server.url));
    b.fill("#username", "alice");
    b.fill("#password", PASSWORD);
    b.click("#login");
    b.wait_text("main h1", "Security dashboard");
}

#[test]
fn first_run_setup_login_logout_and_csrf() {
    let s = Sandbox::new();
    let server = s.serve(18201);
    let Some(b) = Browser::start(19501) else { return };
    // No default password: the only way in is the one-time link.
    b.goto(&format!("{}/login", server.url));
    assert!(b.source().contains("No administrator exists yet"));
    let link = server.setup_link().expect("serve prints a setup link when there is no admin");
    b.goto(&link);
    b.screenshot("setup");
    b.fill("#username", "alice");
    b.fill("#password", PASSWORD);
    b.fill("#password2", "not the same password");
    b.click("#create-admin");
    b.wait_text(".error", "differ");
    b.fill("#password", PASSWORD);
    b.fill("#password2", PASSWORD);
    b.click("#create-admin");
    b.wait_text("main h1", "Security dashboard");
    b.screenshot("dashboard");
    let flags = b.cookie_flags("nasguard_session");
    assert_eq!(flags["httpOnly"], true, "{flags}");
    assert_eq!(flags["sameSite"], "Strict", "{flags}");
    // The link worked once.
    b.goto(&link);
    assert!(b.source().contains("not valid"), "{}", b.source());

    // A POST with the session but without its CSRF token is refused, and
    // changes nothing.
    let session = format!("nasguard_session={}", b.cookie("nasguard_session").unwrap());
    let http = server.http();
    let before = s.db_bytes();
    let r = http
        .post(format!("{}/fix", server.url))
        .header("cookie", &session)
        .form(&[("rule", "SMB-005")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().unwrap().contains("CSRF check failed"), "a page, naming the reason");
    let r = http
        .post(format!("{}/services/ssh", server.url))
        .header("cookie", &session)
        .form(&[("tcpfwd", "on")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(s.db_bytes(), before);

    // Log out: back at the login, and the old cookie is dead.
    b.goto(&format!("{}/", server.url));
    b.click("#logout");
    b.wait_text("main h1", "nasguard");
    assert!(b.url().ends_with("/login"), "{}", b.url());
    b.screenshot("login");
    let r = http.get(server.api("/services")).header("cookie", &session).send().unwrap();
    assert_eq!(r.status(), 401);
    b.goto(&format!("{}/services", server.url));
    assert!(b.url().ends_with("/login"), "{}", b.url());

    // A wrong password is refused; the right one lets in.
    b.fill("#username", "alice");
    b.fill("#password", "wrong password!!");
    b.click("#login");
    b.wait_text(".error", "Wrong username or password");
    log_in(&b, &server);
    // Account: an API key made in the browser works for the API until revoked.
    b.click("#account");
    b.fill("#token-name", "ci");
    b.click("#create-token");
    let token = b.wait_text("#token-value", "ngt_");
    let services = |t: &str| http.get(server.api("/services")).bearer_auth(t).send().unwrap().status();
    assert_eq!(services(&token), 200);
    b.screenshot("account");
    b.click("#revoke-1");
    b.wait_text(".notice", "API key 1 revoked");
    assert_eq!(services(&token), 401);
    // Change the password: the current one is checked; then only the new one logs in.
    b.fill("#current", "not my password!");
    b.fill("#new", "a brand new passphrase");
    b.fill("#new2", "a brand new passphrase");
    b.click("#change-password");
    b.wait_text("#password .error", "current password is wrong");
    b.fill("#current", PASSWORD);
    b.fill("#new", "a brand new passphrase");
    b.fill("#new2", "a brand new passphrase");
    let other = format!("nasguard_session={}", b.cookie("nasguard_session").unwrap());
    b.click("#change-password");
    b.wait_text(".notice", "Password changed");
    let r = http.get(server.api("/services")).header("cookie", &other).send().unwrap();
    assert_eq!(r.status(), 401, "the sessions of the old password are over");
    b.goto(&format!("{}/account", server.url));
    b.wait_text("main h1", "Account");
    b.click("#logout");
    b.wait_text("main h1", "nasguard");
    b.fill("#username", "alice");
    b.fill("#password", PASSWORD);
    b.click("#login");
    b.wait_text(".error", "Wrong username or password");
    b.fill("#username", "alice");
    b.fill("#password", "a brand new passphrase");
    b.click("#login");
    b.wait_text("main h1", "Security dashboard");

    let log = s.ok(&["log"]);
    for event in [
        "web:alice admin create",
        "web:alice login",
        "web:alice logout",
        "web:alice login failed",
        "web:alice token create",
        "web:alice token revoke",
        "web:alice admin password",
    ] {
        assert!(log.contains(event), "{event:?} missing from the audit log:\n{log}");
    }
}

/// Every label the reference product's users know, as a real `<label for>`
/// pointing at a control on the page.
fn assert_labels(source: &str, labels: &[&str]) {
    for l in labels {
        let tail = format!("\">{l}</label>");
        let at = source.find(&tail).unwrap_or_else(|| panic!("no <label for> {l:?}"));
        let id = source[..at].rsplit("for=\"").next().unwrap();
        assert!(source.contains(&format!("id=\"{id}\"")), "label {l:?} points at no control {id:?}");
    }
}

#[test]
fn tcp_forwarding_raises_ssh003_on_the_dashboard_and_fix_clears_it() {
    let s = Sandbox::new();
    s.admin("alice", PASSWORD);
    let server = s.serve(18202);
    let Some(b) = Browser::start(19502) else { return };
    log_in(&b, &server);
    assert!(b.try_find("tr[data-rule='SSH-003']").is_none(), "a fresh init passes SSH-003");

    b.goto(&format!("{}/services", server.url));
    b.find("#service-ssh");
    b.screenshot("services");
    // A start that fails says why, as an error, and nothing runs.
    let taken = std::net::TcpListener::bind(("127.0.0.1", s.port_base + 22)).unwrap();
    b.click("#start-ssh");
    let error = b.wait_text("p.error", "SSH start failed");
    assert!(error.contains(&(s.port_base + 22).to_string()), "{error}");
    assert!(b.text("#service-ssh .state").contains("Stopped"));
    drop(taken);
    b.click("#edit-ssh");
    assert_labels(
        &b.source(),
        &["Log in as Root with Password", "Allow TCP Port Forwarding", "Weak Ciphers", "Auxiliary Parameters"],
    );
    // Before anything is saved, each judged field names its rule.
    assert!(b.source().contains("Checked by <code>SSH-003</code>"), "{}", b.source());
    assert!(!b.selected("#f-tcpfwd"));
    b.click("label[for='f-tcpfwd']");
    assert!(b.selected("#f-tcpfwd"));
    b.click("#save");
    b.wait_text(".notice", "Saved");
    // The insecure choice shows an inline warning naming the rule.
    assert!(b.text("p.warning[data-rule='SSH-003']").contains("SSH-003"));
    b.screenshot("service-ssh");

    b.goto(&format!("{}/", server.url));
    b.find("tr[data-rule='SSH-003']");
    b.screenshot("dashboard-finding");
    // Nothing was ever applied in this sandbox: the dashboard says so.
    assert!(b.text("#pending").contains("not applied yet"));
    b.click("tr[data-rule='SSH-003'] button.fix");
    b.wait_gone("tr[data-rule='SSH-003']");
    // htmx (under the strict CSP) swapped the findings in place: without
    // it the form would have navigated to "/?notice=...".
    assert!(!b.url().contains("notice"), "{}", b.url());
    let cfg = s.ok(&["--json", "config", "show", "ssh"]);
    assert!(cfg.contains("\"tcpfwd\": false"), "{cfg}");

    // Waive a finding with a reason: it moves to the Waived table.
    b.fill("tr[data-rule='SMB-005'] input[name='reason']", "no macOS clients here");
    b.click("tr[data-rule='SMB-005'] form.waive button");
    b.wait_text(".notice", "SMB-005 on smb waived");
    assert!(b.try_find("tr[data-rule='SMB-005']").is_none());
    assert!(b.text("#findings").contains("no macOS clients here"));

    // The other forms, with their labels and warnings.
    b.goto(&format!("{}/services/smb", server.url));
    assert_labels(
        &b.source(),
        &[
            "Minimum Protocol",
            "NTLMv1 Auth",
            "Apple SMB2/3 Protocol Extensions",
            "Administrators Group",
            "Server Signing",
            "Auxiliary Parameters",
        ],
    );
    b.screenshot("service-smb");
    for page in ["nfs", "iscsi"] {
        b.goto(&format!("{}/services/{page}", server.url));
        b.find("#save");
        b.screenshot(&format!("service-{page}"));
    }
    b.goto(&format!("{}/sharing/smb/new", server.url));
    assert_labels(&b.source(), &["Purpose", "Path", "Name", "Allow Guest Access"]);
    b.screenshot("smb-share-new");
    // A share with guest access: its edit form warns, naming the rule;
    // turning guest access off there clears it.
    let public = s.path("public");
    std::fs::create_dir_all(&public).unwrap();
    b.fill("#f-name", "public");
    b.fill("#f-path", public.to_str().unwrap());
    b.click("label[for='f-guestok']");
    b.click("#save");
    b.wait_text(".notice", "SMB share added");
    b.click("#edit-smb-1");
    b.wait_text("p.warning[data-rule='SMB-008']", "SMB-008");
    b.screenshot("smb-share-edit");
    b.click("label[for='f-guestok']");
    b.click("#save");
    b.wait_text(".notice", "SMB share saved");
    b.click("#edit-smb-1");
    b.find("#save");
    assert!(b.try_find("p.warning[data-rule='SMB-008']").is_none());
    assert!(!b.selected("#f-guestok"));
    b.goto(&format!("{}/audit-log", server.url));
    assert!(b.text("#changes").contains("web:alice"));
    b.screenshot("audit-log");
    b.goto(&format!("{}/apply", server.url));
    b.find("#apply");
    b.screenshot("apply");
}

#[test]
fn iscsi_wizard_makes_a_target_that_iscsi_inq_reaches_only_with_the_chap_secret() {
    if !have(&["tgtd", "tgtadm", "tgt-admin", "iscsi-inq"]) {
        return;
    }
    let s = Sandbox::with_port_base(11000);
    s.admin("alice", PASSWORD);
    let server = s.serve(18203);
    let Some(b) = Browser::start(19503) else { return };
    log_in(&b, &server);
    b.goto(&format!("{}/sharing", server.url));
    b.click("#wizard");
    assert_labels(&b.source(), &["Discovery Authentication Method", "Initiators", "Authorized Networks"]);
    let img = s.path("web1.img");
    b.fill("#f-name", "web1");
    b.fill("#f-extent_file", img.to_str().unwrap());
    b.fill("#f-size", "16M");
    b.click("#f-discovery_auth option[value='CHAP']");
    b.fill("#f-chap_user", "initiator1");
    b.fill("#f-chap_secret", SECRET);
    b.fill("#f-initiators", ALLOWED);
    b.fill("#f-networks", "127.0.0.0/8");
    b.screenshot("iscsi-wizard");
    b.click("#review");
    let review = b.wait_text("#review-table", "web1");
    assert!(review.contains("web1") && review.contains("(set)") && !review.contains(SECRET), "{review}");
    assert!(!b.source().contains(&format!(">{SECRET}<")));
    b.screenshot("iscsi-wizard-review");
    assert!(!img.exists(), "the review creates nothing");
    b.click("#create");
    b.wait_text(".notice", "iqn.2026-11.org.nasguard.ctl:web1");
    b.screenshot("sharing");
    assert_eq!(std::fs::metadata(&img).unwrap().len(), 16 << 20);

    b.goto(&format!("{}/apply", server.url));
    assert!(b.source().contains("targets.conf"));
    b.click("#apply");
    b.find("#applied");
    b.goto(&format!("{}/services", server.url));
    b.click("#start-iscsi");
    b.wait_text(".notice", "iSCSI start");
    assert!(b.text("#service-iscsi .state").contains("Running"), "{}", b.source());

    let portal = format!("127.0.0.1:{}", s.port_base + 3260);
    let url = |creds: &str| format!("iscsi://{creds}{portal}/iqn.2026-11.org.nasguard.ctl:web1/1");
    let (rc, out) = client("iscsi-inq", &["-i", ALLOWED, &url(&format!("initiator1%{SECRET}@"))]);
    assert_eq!(rc, 0, "with the secret: {out}");
    let (rc, out) = client("iscsi-inq", &["-i", ALLOWED, &url("")]);
    assert_ne!(rc, 0, "without credentials: {out}");
    let (rc, out) = client("iscsi-inq", &["-i", ALLOWED, &url("initiator1%WrongSecret1@")]);
    assert_ne!(rc, 0, "with a wrong secret: {out}");

    // "Verify live" probes the running services and shows what answered.
    b.goto(&format!("{}/", server.url));
    b.click("#verify-live");
    let probes = b.wait_text("#live", &format!("iscsi://127.0.0.1:{}", s.port_base + 3260));
    assert!(probes.contains("answered"), "{probes}");
    b.screenshot("dashboard-live");

    // Every object the wizard made is listed by kind, the secret masked;
    // saving the auth unchanged keeps the secret (nothing to apply after).
    b.goto(&format!("{}/sharing", server.url));
    b.click("#iscsi-objects");
    let auths = b.wait_text("#iscsi-auth", "initiator1");
    assert!(auths.contains("********") && !b.source().contains(SECRET), "{auths}");
    b.screenshot("iscsi-objects");
    b.click("#edit-auth-1");
    b.click("#save");
    b.wait_text(".notice", "saved");
    let plan: serde_json::Value = serde_json::from_str(&s.ok(&["--json", "apply", "--dry-run"])).unwrap();
    assert!(plan["files"].as_array().unwrap().iter().all(|f| f["changed"] == false), "{plan}");
    b.click("#delete-targetextent-1");
    b.wait_text(".notice", "targetextent 1 deleted");
    assert!(b.text("#iscsi-targetextent").contains("None."));
}

#[test]
fn nfs_share_made_with_advanced_options_shows_in_showmount() {
    if !have(&["ganesha.nfsd", "rpcbind", "showmount", "ip", "unshare", "nsenter"]) {
        return;
    }
    let net = Net::new("w");
    let s = Sandbox::with_port_base_bind(25000, "0.0.0.0");
    s.admin("alice", PASSWORD);
    let server = s.serve(18204);
    let Some(b) = Browser::start(19504) else { return };
    log_in(&b, &server);
    let export = s.path("webexport");
    std::fs::create_dir_all(&export).unwrap();
    let path = export.to_str().unwrap();

    b.goto(&format!("{}/sharing", server.url));
    b.click("#add-nfs");
    assert_labels(&b.source(), &["Authorized Networks", "Authorized Hosts and IP addresses"]);
    b.click("#advanced summary");
    b.fill("#f-path", path);
    // Both lists empty and no explicit tick: refused, naming the field;
    // the form comes back with Advanced Options open.
    b.click("#save");
    b.wait_text("div.error", "networks");
    assert!(b.source().contains("<details id=\"advanced\" open"), "{}", b.source());
    b.fill("#f-networks", "10.231.0.0/30");
    b.screenshot("nfs-share-new");
    b.click("#save");
    b.wait_text(".notice", "NFS share added");
    assert!(b.text("#nfs-shares").contains("10.231.0.0/30"));

    b.goto(&format!("{}/apply", server.url));
    b.click("#apply");
    b.find("#applied");
    in_server_ns(&s, &net, &["service", "start", "nfs"]);
    let (rc, out) = net.client(&net.inside, "showmount", &["-e", "10.231.0.1"]);
    assert_eq!(rc, 0, "{out}");
    let line = out.lines().find(|l| l.starts_with(path)).unwrap_or_else(|| panic!("{path} not exported: {out}"));
    assert!(line.contains("10.231.0.0/30"), "{line}");
}

#[test]
fn a_failed_apply_shows_the_daemons_reason_and_the_old_config_keeps_running() {
    if !have(&["sshd", "ssh-keygen", "ssh-keyscan"]) {
        return;
    }
    let s = Sandbox::with_port_base(14000);
    s.admin("alice", PASSWORD);
    s.ok(&["apply"]);
    s.ok(&["service", "start", "ssh"]);
    let conf = s.state().join("etc/sshd_config");
    let before = std::fs::read(&conf).unwrap();
    let server = s.serve(18205);
    let Some(b) = Browser::start(19505) else { return };
    log_in(&b, &server);
    assert!(b.try_find("#pending").is_none(), "everything is applied: no banner");
    b.goto(&format!("{}/services", server.url));
    assert!(b.text("#service-ssh .state").contains("Running"));
    // A known keyword with a value only sshd -t rejects.
    b.goto(&format!("{}/services/ssh", server.url));
    b.fill("#f-options", "PermitOpen localhost:notaport");
    b.click("#save");
    b.wait_text(".notice", "Saved");
    b.goto(&format!("{}/apply", server.url));
    b.wait_text("pre.diff", "localhost:notaport");
    b.click("#apply");
    let failed = b.wait_text("#apply-failed", "previous configuration is still in place and running");
    assert!(failed.contains("sshd -t"), "{failed}");
    b.screenshot("apply-failed");
    assert_eq!(std::fs::read(&conf).unwrap(), before, "the live config is untouched");
    let (_, banner) = client("ssh-keyscan", &["-p", &(s.port_base + 22).to_string(), "127.0.0.1"]);
    assert!(banner.contains("ssh-ed25519"), "sshd still answers: {banner}");
    let log = s.ok(&["log"]);
    assert!(log.contains("web:alice apply failed"), "{log}");

    // Drift: the store now allows a CBC cipher that the running sshd (the
    // old config) does not offer; "Verify live" shows config and wire apart.
    s.ok(&["config", "set", "ssh", "weak_ciphers=AES128-CBC"]);
    b.goto(&format!("{}/", server.url));
    assert!(b.text("#pending").contains("not applied yet"), "the failed apply left the change pending");
    b.click("#verify-live");
    let drift = b.wait_text("#drift", "SSH-004");
    assert!(drift.contains("finding") && drift.contains("ok"), "{drift}");
    b.screenshot_of("#live", "dashboard-drift");

    // Scan: the running sshd answers, a closed port is reported as such.
    b.goto(&format!("{}/scan", server.url));
    let ssh = format!("ssh://127.0.0.1:{}", s.port_base + 22);
    b.fill("#targets", &format!("{ssh}\nssh://127.0.0.1:1"));
    b.fill("#timeout_ms", "soon");
    b.click("#scan");
    b.wait_text("p.error", "timeout_ms");
    assert_eq!(b.value("#targets").lines().count(), 2, "what was typed is kept");
    b.fill("#timeout_ms", "2000");
    b.click("#scan");
    let probes = b.wait_text("#probes", "refused");
    assert!(probes.contains(&format!("{ssh} answered")), "{probes}");
    assert!(b.text("#results h2").contains("2 targets: 1 could not be probed"));
    b.screenshot("scan");
}

#[test]
fn the_pages_work_without_javascript() {
    let s = Sandbox::new();
    s.admin("alice", PASSWORD);
    s.ok(&["config", "set", "ssh", "tcpfwd=true"]);
    let server = s.serve(18206);
    let Some(b) = Browser::start_with(19506, &["--blink-settings=scriptEnabled=false"]) else { return };
    log_in(&b, &server);
    // Plain form posts: the Fix navigates (POST, redirect, GET) and says so.
    b.click("tr[data-rule='SSH-003'] button.fix");
    b.wait_text(".notice", "SSH-003 fixed");
    assert!(b.url().contains("notice="), "{}", b.url());
    assert!(b.try_find("tr[data-rule='SSH-003']").is_none());
    // Verify live renders the whole page with its results.
    b.click("#verify-live");
    b.wait_text("#live", "ssh://127.0.0.1:");
    // A refused form comes back whole, with the error beside the field.
    b.goto(&format!("{}/sharing/nfs/new", server.url));
    b.fill("#f-path", "/srv/nowhere");
    b.click("#save");
    b.wait_text("div.error", "networks");
    assert_eq!(b.value("#f-path"), "/srv/nowhere");
}
