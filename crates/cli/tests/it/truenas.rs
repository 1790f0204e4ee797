//! `audit --truenas-config` and `import --truenas-config` over the reference
//! TrueNAS backups (read where they lie, never copied) and the project's own
//! fixtures; the import then runs the real daemons.

use crate::nfs::{Net, server};
use crate::support::{Browser, Sandbox, client, have};
use nasguard_truenas::db::Value;
use nasguard_truenas::fixture::{Release, add, add_portal, minimal, set, write_sqlite, write_tar};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const RELEASES: [&str; 5] = ["TS-24.04.2.5", "TS-25.04.2.6", "TS-25.10.6", "TS-26.0.0-BETA.3", "master-27.0"];

fn reference(name: &str) -> PathBuf {
    // The repository root's sibling `shared/`, as CI lays it out too.
    nasguard_truenas::fixture::reference_db(name)
}

fn nasguard(args: &[&str]) -> (i32, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nasguard"))
        .args(args)
        .env("NASGUARD_STATE_DIR", "/nonexistent/nasguard-state")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn text_json_and_sarif_say_the_same_about_every_reference_backup() {
    for release in RELEASES {
        for kind in ["-insecure", ""] {
            let path = reference(&format!("freenas-v1-{release}{kind}.db"));
            let file = path.to_str().unwrap();
            let before = std::fs::read(&path).unwrap();
            // No store is needed (the state directory does not exist).
            let (code, json, err) = nasguard(&["audit", "--truenas-config", file, "--format", "json"]);
            assert_eq!(code, 1, "{file}: high findings fail the audit: {err}");
            let report: Json = serde_json::from_str(&json).unwrap();
            let findings = report["findings"].as_array().unwrap();
            for key in ["rule", "severity", "service", "object", "message", "remediation", "fixable", "evidence"] {
                assert!(findings.iter().all(|f| f.get(key).is_some()), "{key}");
            }
            assert!(report["summary"]["total"].as_u64().unwrap() > 0);
            assert!(report["release"].as_str().unwrap().len() > 3);
            let from_json: BTreeSet<(String, String)> = findings
                .iter()
                .map(|f| (f["rule"].as_str().unwrap().into(), f["object"].as_str().unwrap().into()))
                .collect();
            if kind == "-insecure" {
                for rule in [
                    "SMB-001",
                    "SMB-002",
                    "SMB-004",
                    "SSH-001",
                    "SSH-003",
                    "SSH-004",
                    "SSH-005",
                    "NFS-001",
                    "ISCSI-001",
                    "ISCSI-005",
                    "ISCSI-006",
                ] {
                    assert!(from_json.iter().any(|(r, _)| r == rule), "{file}: {rule}");
                }
            } else {
                assert!(findings.iter().all(|f| f["message"].as_str().unwrap().contains("not enabled in the backup")));
            }
            let (code, sarif, _) = nasguard(&["audit", "--truenas-config", file, "--format", "sarif"]);
            assert_eq!(code, 1);
            let sarif: Json = serde_json::from_str(&sarif).unwrap();
            let results = sarif["runs"][0]["results"].as_array().unwrap();
            let from_sarif: BTreeSet<(String, String)> = results
                .iter()
                .map(|r| {
                    let logical = &r["locations"][0]["logicalLocations"];
                    assert_eq!(logical[1]["kind"], "member", "{r}");
                    assert!(logical[1]["fullyQualifiedName"].as_str().unwrap().contains('.'), "{r}");
                    (r["ruleId"].as_str().unwrap().into(), logical[0]["name"].as_str().unwrap().into())
                })
                .collect();
            assert_eq!(from_sarif, from_json, "{file}");
            let (code, text, err) = nasguard(&["audit", "--truenas-config", file]);
            assert_eq!(code, 1);
            assert!(err.contains("TrueNAS ") && err.contains(" backup: "), "{err}");
            for (rule, object) in &from_json {
                assert!(
                    text.lines().any(|l| l.contains(rule.as_str()) && l.contains(object.as_str())),
                    "{rule} {object}: {text}"
                );
            }
            assert!(text.contains(&format!("({file}: ")), "{text}");
            assert_eq!(std::fs::read(&path).unwrap(), before, "{file} changed");
        }
    }
}

#[test]
fn hostile_files_exit_2_and_stay_unchanged() {
    let d = tempfile::tempdir().unwrap();
    let text = d.path().join("notes.txt");
    std::fs::write(&text, "not a backup\n").unwrap();
    let trigger = d.path().join("trigger.db");
    write_sqlite(&minimal(Release::V25_04), &trigger).unwrap();
    // Written by the test's own SQLite connection, before the audit.
    let conn_sql = "CREATE TRIGGER t AFTER UPDATE ON services_ssh BEGIN DELETE FROM services_nfs; END;";
    append_sql(&trigger, conn_sql);
    let tar = d.path().join("evil.tar");
    std::fs::write(&tar, evil_tar()).unwrap();
    for (file, want) in [
        (&text, "not a TrueNAS configuration backup"),
        (&trigger, "trigger \"t\""),
        (&tar, "absolute or parent-relative name"),
    ] {
        let before = std::fs::read(file).unwrap();
        let (code, out, err) = nasguard(&["audit", "--truenas-config", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(std::fs::read(file).unwrap(), before);
        // Nothing beside it either (no journal, WAL or extraction).
        let names: Vec<String> =
            std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
}

fn append_sql(db: &Path, sql: &str) {
    nasguard_truenas::fixture::exec_sql(db, sql).unwrap();
}

fn evil_tar() -> Vec<u8> {
    let mut h = [0u8; 512];
    let name = b"../../etc/cron.d/x";
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[124..136].copy_from_slice(b"00000000004\0");
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend(b"boom");
    out.extend([0u8; 508 + 1024]);
    out
}

/// A backup with a CHAP-protected target whose secrets are sealed with
/// `key`, written as the tar TrueNAS exports with the secret seed.
fn chap_backup(dir: &Path, key: &[u8; 32], with_seed: bool) -> PathBuf {
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_nfs", "nfs_srv_allow_nonroot", false.into());
    add_portal(&mut db, "127.0.0.1");
    add(
        &mut db,
        "services_iscsitargetauthcredential",
        vec![
            ("id", 1.into()),
            ("iscsi_target_auth_tag", 1.into()),
            ("iscsi_target_auth_user", "initiator1".into()),
            (
                "iscsi_target_auth_secret",
                nasguard_truenas::pwenc::encrypt("Sealed-Secret-16", key, [4; 8]).as_str().into(),
            ),
            ("iscsi_target_auth_peeruser", "".into()),
            ("iscsi_target_auth_peersecret", "".into()),
            ("iscsi_target_auth_discovery_auth", "CHAP".into()),
        ],
    );
    add(
        &mut db,
        "services_iscsitargetauthorizedinitiator",
        vec![("id", 1.into()), ("iscsi_target_initiator_initiators", "iqn.2026-01.lan.pc:1".into())],
    );
    add(
        &mut db,
        "services_iscsitarget",
        vec![
            ("id", 1.into()),
            ("iscsi_target_name", "disk1".into()),
            ("iscsi_target_auth_networks", "[\"10.9.0.0/16\"]".into()),
        ],
    );
    add(
        &mut db,
        "services_iscsitargetgroups",
        vec![
            ("id", 1.into()),
            ("iscsi_target_id", 1.into()),
            ("iscsi_target_portalgroup_id", 1.into()),
            ("iscsi_target_initiatorgroup_id", 1.into()),
            ("iscsi_target_authtype", "CHAP".into()),
            ("iscsi_target_authgroup", 1.into()),
        ],
    );
    add(
        &mut db,
        "sharing_cifs_share",
        vec![
            ("id", 1.into()),
            ("cifs_name", "media".into()),
            ("cifs_path", "/mnt/tank/media".into()),
            ("cifs_purpose", "DEFAULT_SHARE".into()),
            ("cifs_enabled", true.into()),
            ("cifs_hostsallow", "[]".into()),
            ("cifs_guestok", Value::Null),
        ],
    );
    let db_file = dir.join("freenas-v1.db");
    write_sqlite(&db, &db_file).unwrap();
    let tar = dir.join(if with_seed { "backup.tar" } else { "no-seed.tar" });
    write_tar(&db_file, with_seed.then_some(&key[..]), &tar).unwrap();
    tar
}

#[test]
fn chap_secrets_come_over_only_with_the_secret_seed() {
    let s = Sandbox::with_port_base(26000);
    let key = [0x42u8; 32];
    let tar = chap_backup(s.dir.path(), &key, true);
    let before = std::fs::read(&tar).unwrap();
    let mnt = s.path("mnt");
    let out = s.ok(&["import", "--truenas-config", tar.to_str().unwrap(), "--mnt-root", mnt.to_str().unwrap()]);
    assert!(!out.contains("Sealed-Secret-16"), "{out}");
    assert!(!out.contains("CHAP secrets not carried over"), "{out}");
    assert_eq!(std::fs::read(&tar).unwrap(), before);
    let shown = s.ok(&["iscsi", "auth", "list", "--json"]);
    assert!(!shown.contains("Sealed-Secret-16") && shown.contains("initiator1"), "{shown}");
    let share = s.ok(&["share", "smb", "show", "media", "--json"]);
    assert!(share.contains(&format!("{}/tank/media", mnt.display())), "datasets become paths: {share}");
    // The secret reached the store encrypted, and the rendered target
    // config (0600) in clear: decrypted, stored, rendered.
    let db: Vec<u8> = s.db_bytes().into_iter().flat_map(|(_, b)| b).collect();
    assert!(!String::from_utf8_lossy(&db).contains("Sealed-Secret-16"));
    s.ok(&["apply"]);
    let rendered = std::fs::read_to_string(find(&s.state(), "targets.conf")).unwrap();
    assert!(rendered.contains("Sealed-Secret-16"), "{rendered}");

    // Without the seed: a random secret, and the import names the group.
    let s2 = Sandbox::with_port_base(26100);
    let tar = chap_backup(s2.dir.path(), &key, false);
    let out = s2.ok(&["import", "--truenas-config", tar.to_str().unwrap()]);
    assert!(out.contains("CHAP secrets not carried over") && out.contains("auth group 1 user \"initiator1\""), "{out}");
    assert!(out.contains("no secret seed"), "{out}");
}

fn find(dir: &Path, name: &str) -> PathBuf {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            let f = find(&p, name);
            if f.exists() {
                return f;
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return p;
        }
    }
    dir.join("not-found").join(name)
}

/// Imports the 25.10 insecure reference backup, checks the audit sees its
/// problems, and fixes what is mechanical.
fn imported_and_fixed(port_base: u16, bind: &str) -> (Sandbox, PathBuf) {
    let s = Sandbox::with_port_base_bind(port_base, bind);
    let mnt = s.path("mnt");
    for d in ["tank/public", "tank/nfs"] {
        std::fs::create_dir_all(mnt.join(d)).unwrap();
    }
    let backup = reference("freenas-v1-TS-25.10.6-insecure.db");
    let out = s.ok(&["import", "--truenas-config", backup.to_str().unwrap(), "--mnt-root", mnt.to_str().unwrap()]);
    assert!(out.contains("TrueNAS 25.10"), "{out}");
    assert!(out.contains("auth group 1 user \"chapuser\""), "an empty secret needs a new one: {out}");
    let rules: BTreeSet<String> = s.rules().into_iter().map(|(r, _)| r).collect();
    for r in ["SMB-001", "SMB-002", "SMB-008", "SSH-001", "SSH-003", "NFS-001", "NFS-002", "ISCSI-001"] {
        assert!(rules.contains(r), "{r} after import: {rules:?}");
    }
    s.ok(&["fix", "--all"]);
    let rules: BTreeSet<String> = s.rules().into_iter().map(|(r, _)| r).collect();
    for r in ["SMB-001", "SMB-002", "SMB-008", "SSH-001", "SSH-003", "NFS-002"] {
        assert!(!rules.contains(r), "{r} after fix --all: {rules:?}");
    }
    (s, mnt)
}

#[test]
fn an_imported_insecure_backup_serves_its_smb_share_after_fix() {
    if !have(&["smbd", "smbclient"]) {
        return;
    }
    let (s, _) = imported_and_fixed(27000, "127.0.0.1");
    s.ok(&["apply"]);
    std::fs::write(s.path("pw"), "Tn-Passw0rd-1\n").unwrap();
    s.user("ngittn", &["--password-file", s.path("pw").to_str().unwrap(), "--smb"]);
    s.ok(&["service", "start", "smb"]);
    let port = (27000 + 445).to_string();
    let (rc, list) = client("smbclient", &["-L", "127.0.0.1", "-p", &port, "-U", "ngittn%Tn-Passw0rd-1"]);
    assert_eq!(rc, 0, "{list}");
    assert!(list.contains("public"), "smbclient -L: {list}");
}

#[test]
fn an_imported_insecure_backup_exports_its_nfs_share_after_fix() {
    if !have(&["ganesha.nfsd", "rpcbind", "showmount", "nfs-ls", "ip", "unshare", "nsenter"]) {
        return;
    }
    let net = Net::new("t");
    let (s, mnt) = imported_and_fixed(27100, "0.0.0.0");
    server(&s, &net, &["apply"]);
    server(&s, &net, &["service", "start", "nfs"]);
    let (rc, exports) = net.client(&net.inside, "showmount", &["-e", "10.231.0.1"]);
    assert_eq!(rc, 0, "{exports}");
    let path = format!("{}/tank/nfs", mnt.display());
    assert!(exports.contains(&path), "{exports}");
    let (rc, ls) = net.client(&net.inside, "nfs-ls", &[&format!("nfs://10.231.0.1{path}")]);
    assert_eq!(rc, 0, "nfs-ls: {ls}");
}

const PASSWORD: &str = "correct horse battery";

#[test]
fn the_api_audits_an_uploaded_backup_like_the_cli() {
    let s = Sandbox::new();
    s.admin("alice", PASSWORD);
    let token = s.token("alice");
    let server = s.serve(18121);
    let path = reference("freenas-v1-TS-24.04.2.5-insecure.db");
    let bytes = std::fs::read(&path).unwrap();
    let post = |body: Vec<u8>, token: &str| {
        let r = server
            .http()
            .post(server.api("/audit/truenas"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json::<Json>().unwrap_or(Json::Null))
    };
    let (status, api) = post(bytes.clone(), &token);
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["release"], "24.04 (Dragonfish)");
    let (_, cli, _) = nasguard(&["audit", "--truenas-config", path.to_str().unwrap(), "--format", "json"]);
    let cli: Json = serde_json::from_str(&cli).unwrap();
    let pairs = |v: &Json| -> BTreeSet<(String, String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let l = &f["location"];
                (
                    f["rule"].as_str().unwrap().into(),
                    f["object"].as_str().unwrap().into(),
                    format!("{}.{}", l["table"], l["column"]),
                )
            })
            .collect()
    };
    assert_eq!(pairs(&api), pairs(&cli));
    // Not a backup: 422 naming why; no credentials: 401.
    let (status, err) = post(b"hello".to_vec(), &token);
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("not a TrueNAS configuration backup"), "{err}");
    let (status, _) = post(bytes, "wrong-token");
    assert_eq!(status, 401);
}

#[test]
fn an_admin_uploads_a_backup_and_sees_its_findings() {
    let s = Sandbox::new();
    s.admin("alice", PASSWORD);
    let server = s.serve(18221);
    // Plain form posts: the page works with JavaScript off.
    let Some(b) = Browser::start_with(19521, &["--blink-settings=scriptEnabled=false"]) else { return };
    b.goto(&format!("{}/login", server.url));
    b.fill("#username", "alice");
    b.fill("#password", PASSWORD);
    b.click("#login");
    b.wait_text("main h1", "Security dashboard");
    b.goto(&format!("{}/truenas", server.url));
    b.attach("#backup", &reference("freenas-v1-TS-25.04.2.6-insecure.db"));
    b.click("#audit-backup");
    b.wait_text("#summary", "TrueNAS 25.04 (Fangtooth)");
    for rule in ["SMB-001", "SSH-001", "NFS-001", "ISCSI-001"] {
        let row = b.text(&format!("#truenas-findings tr[data-rule='{rule}']"));
        assert!(row.contains(rule), "{row}");
    }
    let row = b.text("#truenas-findings tr[data-rule='SSH-001']");
    assert!(row.contains("account_bsdusers[root].bsdusr_ssh_password_enabled"), "{row}");
    b.screenshot("truenas-audit");
    // A file that is not a backup: the reason, on the same page.
    let junk = s.path("junk.txt");
    std::fs::write(&junk, "not a backup").unwrap();
    b.attach("#backup", &junk);
    b.click("#audit-backup");
    b.wait_text("#results .error", "not a TrueNAS configuration backup");
}

#[test]
fn every_reference_backup_imports_and_renders_and_a_hostile_one_writes_nothing() {
    for release in RELEASES {
        for kind in ["-insecure", ""] {
            let s = Sandbox::with_port_base(26200);
            let path = reference(&format!("freenas-v1-{release}{kind}.db"));
            let out = s.ok(&["import", "--truenas-config", path.to_str().unwrap()]);
            assert!(out.contains("(TrueNAS "), "{out}");
            s.ok(&["apply", "--dry-run"]);
            let shares = s.ok(&["share", "smb", "list", "--json"]);
            assert_eq!(shares.contains("\"public\""), kind == "-insecure", "{release}{kind}: {shares}");
        }
    }
    let s = Sandbox::new();
    let before = s.db_bytes();
    let junk = s.path("junk.tar");
    std::fs::write(&junk, evil_tar()).unwrap();
    let out = s.run(&["import", "--truenas-config", junk.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    assert_eq!(s.db_bytes(), before);
}

/// A multipart body with the given text fields, then the file.
fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "nasguard-test-boundary-7d3";
    let mut body = vec![];
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"backup\"; filename=\"freenas-v1.db\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn the_upload_form_needs_the_sessions_csrf_token() {
    let s = Sandbox::new();
    s.admin("alice", PASSWORD);
    let server = s.serve(18122);
    let http = server.http();
    let r = http
        .post(format!("{}/login", server.url))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page = http.get(format!("{}/truenas", server.url)).header("cookie", &session).send().unwrap().text().unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let backup = std::fs::read(reference("freenas-v1-master-27.0-insecure.db")).unwrap();
    let post = |fields: &[(&str, &str)]| {
        let (ct, body) = multipart(fields, &backup);
        http.post(format!("{}/truenas", server.url))
            .header("cookie", &session)
            .header("content-type", ct)
            .body(body)
            .send()
            .unwrap()
    };
    assert_eq!(post(&[]).status(), 403, "no token");
    assert_eq!(post(&[("csrf", "wrong")]).status(), 403, "wrong token");
    let r = post(&[("csrf", &csrf)]);
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("TrueNAS 27.0 (development)") && html.contains("data-rule=\"SMB-001\""), "{html}");
}

#[test]
fn ssh_options_nasguard_refuses_stay_behind_named() {
    let s = Sandbox::new();
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_ssh", "ssh_options", "AuthorizedKeysCommand /usr/local/bin/keys\nMaxSessions 4".into());
    let file = s.path("freenas-v1.db");
    write_sqlite(&db, &file).unwrap();
    let (code, json, _) = nasguard(&["audit", "--truenas-config", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    assert!(json.contains("SSH-018"), "{json}");
    let out = s.ok(&["import", "--truenas-config", file.to_str().unwrap()]);
    assert!(out.contains("services_ssh.ssh_options: not imported") && out.contains("authorizedkeyscommand"), "{out}");
    let ssh = s.ok(&["config", "show", "ssh", "--json"]);
    assert!(
        ssh.to_lowercase().contains("maxsessions 4") && !ssh.to_lowercase().contains("authorizedkeyscommand"),
        "{ssh}"
    );
}
