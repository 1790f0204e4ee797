//! The Done-when list of the core issue, run against the real binary.

use crate::support::{Sandbox, wizard};
use serde_json::Value;
use std::path::Path;

const LOW_AND_ABOVE: [&str; 4] = ["low", "medium", "high", "critical"];

#[test]
fn fresh_init_audits_clean_at_low_and_above() {
    let s = Sandbox::new();
    let o = s.run(&["audit", "--format", "json"]);
    assert_eq!(o.code, 0);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let bad: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| LOW_AND_ABOVE.contains(&f["severity"].as_str().unwrap()))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(s.run(&["audit", "--fail-on", "low"]).code, 0);
}

/// Turns each recommendation's insecure setting on, checks the rule and
/// severity, the --fail-on exit codes, then fixes it.
#[test]
fn each_recommendation_is_flagged_and_fixed() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.dir.path().join("disks")).unwrap();
    let disk = |n: &str| s.dir.path().join("disks").join(n).to_string_lossy().into_owned();
    let cases: Vec<(&str, &str, Vec<String>)> = vec![
        ("SMB-001", "high", vec!["config".into(), "set".into(), "smb".into(), "minimum_protocol=SMB1".into()]),
        ("SMB-002", "high", vec!["config".into(), "set".into(), "smb".into(), "ntlmv1_auth=true".into()]),
        ("SMB-004", "medium", vec!["config".into(), "set".into(), "smb".into(), "server_signing=DEFAULT".into()]),
        (
            "SMB-007",
            "low",
            "share smb add custom --path /srv/custom --purpose NO_PRESET".split(' ').map(String::from).collect(),
        ),
        ("SSH-001", "high", vec!["config".into(), "set".into(), "ssh".into(), "rootlogin=true".into()]),
        ("SSH-003", "medium", vec!["config".into(), "set".into(), "ssh".into(), "tcpfwd=true".into()]),
        ("SSH-004", "high", vec!["config".into(), "set".into(), "ssh".into(), "weak_ciphers=AES128-CBC".into()]),
        ("SSH-005", "critical", vec!["config".into(), "set".into(), "ssh".into(), "ciphers=aes128-ctr,arcfour".into()]),
        ("NFS-008", "medium", vec!["config".into(), "set".into(), "nfs".into(), "servers=64".into()]),
        ("NFS-003", "medium", vec!["config".into(), "set".into(), "nfs".into(), "allow_nonroot=true".into()]),
    ];
    for (rule, severity, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s.ok(&args);
        assert!(s.rules().contains(&(rule.to_string(), severity.to_string())), "{rule} missing: {:?}", s.rules());
        let fail_on = if *severity == "critical" { "critical" } else { severity };
        assert_eq!(s.run(&["audit", "--fail-on", fail_on]).code, 1, "{rule}");
        assert_eq!(s.run(&["audit", "--fail-on", "none"]).code, 0, "{rule}");
        s.ok(&["fix", rule]);
        assert!(s.rules().iter().all(|(r, _)| r != rule), "{rule} still present after fix");
    }
    assert_eq!(s.run(&["audit", "--fail-on", "low"]).code, 0, "{}", s.run(&["audit"]).stdout);

    // NFS-001: only with --allow-everyone; no mechanical fix, so waive it.
    assert_eq!(s.run(&["share", "nfs", "add", "--path", "/srv/open"]).code, 2);
    s.ok(&["share", "nfs", "add", "--path", "/srv/open", "--allow-everyone"]);
    assert!(s.rules().contains(&("NFS-001".into(), "high".into())));
    assert_eq!(s.run(&["audit"]).code, 1);
    s.ok(&["waive", "NFS-001", "--object", "nfs/share/1", "--reason", "lab only", "--expires", "2099-01-01"]);
    assert!(s.rules().iter().all(|(r, _)| r != "NFS-001"));
    assert_eq!(s.audit()["waived"][0]["waiver"]["reason"], "lab only");

    // iSCSI: discovery without auth, and a target open to everyone.
    let o = s.run(&wizard("open", &disk("open.img"), "1M", &["--discovery-auth", "none"]));
    assert_eq!(o.code, 2, "needs --allow-everyone: {}", o.stderr);
    assert!(!Path::new(&disk("open.img")).exists(), "a refused wizard must not leave its file");
    s.ok(&wizard("open", &disk("open.img"), "1M", &["--discovery-auth", "none", "--allow-everyone"]));
    let rules = s.rules();
    for r in ["ISCSI-001", "ISCSI-002", "ISCSI-005", "ISCSI-006"] {
        assert!(rules.contains(&(r.to_string(), "high".to_string())), "{r}: {rules:?}");
    }
    assert_eq!(std::fs::metadata(disk("open.img")).unwrap().len(), 1 << 20);
}

#[test]
fn smb_admin_group_membership_is_checked_against_approvals() {
    let s = Sandbox::new();
    let etc = s.dir.path().join("root/etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("group"), "smbadmins:x:2000:alice,mallory\n").unwrap();
    std::fs::write(etc.join("passwd"), "").unwrap();
    s.ok(&["config", "set", "smb", "admin_group=smbadmins"]);
    s.ok(&["smb", "admins", "approve", "alice"]);
    let f = s.audit()["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "SMB-006").cloned().unwrap();
    assert_eq!(f["severity"], "medium");
    assert!(f["message"].as_str().unwrap().contains("mallory"));
    s.ok(&["smb", "admins", "approve", "mallory"]);
    assert!(s.rules().iter().all(|(r, _)| r != "SMB-006"));
}

#[test]
fn pasted_reference_lines_map_onto_owned_fields() {
    let s = Sandbox::new();
    s.ok(&["config", "set", "smb", "server_signing=DEFAULT"]);
    let out = s.ok(&["config", "set", "smb", "smb_options=server signing = mandatory"]);
    assert!(out.contains("server_signing=MANDATORY"), "{out}");
    let smb: Value = serde_json::from_str(&s.ok(&["--json", "config", "show", "smb"])).unwrap();
    assert_eq!(smb["server_signing"], "MANDATORY");
    assert_eq!(smb["smb_options"], "", "the line must not stay as a second, conflicting line");

    s.ok(&["config", "set", "ssh", "weak_ciphers=AES128-CBC", "ciphers=aes128-cbc,aes128-ctr"]);
    let line = "options=Ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
    s.ok(&["config", "set", "ssh", line]);
    let ssh: Value = serde_json::from_str(&s.ok(&["--json", "config", "show", "ssh"])).unwrap();
    assert_eq!(ssh["options"], "");
    assert_eq!(ssh["ciphers"].as_array().unwrap().len(), 6);
    // Owned settings the field cannot express are refused, naming the field.
    let o = s.run(&["config", "set", "smb", "smb_options=server signing = disabled"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("server_signing"), "{}", o.stderr);
    let o = s.run(&["config", "set", "ssh", "options=PermitRootLogin forced-commands-only"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("rootlogin"), "{}", o.stderr);
    // Debian's default (root with a key only) has a field of its own.
    s.ok(&["config", "set", "ssh", "options=PermitRootLogin prohibit-password"]);
    let ssh: Value = serde_json::from_str(&s.ok(&["--json", "config", "show", "ssh"])).unwrap();
    assert_eq!((ssh["rootlogin"].as_bool(), ssh["root_key_login"].as_bool()), (Some(false), Some(true)));
    assert_eq!(ssh["options"], "");
}

#[test]
fn bad_input_exits_2_names_the_field_and_changes_no_byte() {
    let s = Sandbox::new();
    s.ok(&["share", "smb", "add", "media", "--path", "/srv/media"]);
    let before = s.db_bytes();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["share", "smb", "add", "a\nb", "--path", "/srv/x"], "\"name\""),
        (vec!["share", "smb", "add", "a]b", "--path", "/srv/x"], "\"name\""),
        (vec!["share", "smb", "add", "ok", "--path", "relative/x"], "\"path\""),
        (vec!["share", "smb", "add", "ok", "--path", "/srv/../etc"], "\"path\""),
        (vec!["share", "smb", "add", "ok", "--path", "/srv/x", "--comment", "x\n[global]"], "\"comment\""),
        (vec!["share", "smb", "add", "MEDIA", "--path", "/srv/x"], "\"name\""),
        (vec!["config", "set", "smb", "smb_options=[global]"], "\"smb_options\""),
        (vec!["config", "set", "smb", "smb_options=include = /etc/evil.conf"], "\"smb_options\""),
        (vec!["config", "set", "smb", "smb_options=log level = 10\nfoo"], "\"smb_options\""),
        (vec!["config", "set", "ssh", "options=Match User root\nPermitRootLogin yes"], "\"options\""),
        (vec!["config", "set", "ssh", "tcpport=99999"], "\"tcpport\""),
        (vec!["config", "set", "ssh", "tcpport=abc"], "\"tcpport\""),
        (vec!["config", "set", "nfs", "servers=-1"], "\"servers\""),
        (vec!["config", "set", "smb", "minimum_protocol=SMB9"], "\"minimum_protocol\""),
        (vec!["config", "set", "smb", "bindip=300.1.1.1"], "\"bindip\""),
        (vec!["config", "set", "smb", "nosuchfield=1"], "\"nosuchfield\""),
        (vec!["share", "nfs", "add", "--path", "/srv/n", "--network", "0.0.0.0/0"], "\"networks\""),
        (vec!["share", "nfs", "add", "--path", "/srv/n", "--host", "a b"], "\"hosts\""),
        (vec!["share", "nfs", "add", "--path", "/srv/n", "--host", "*"], "\"hosts\""),
        (
            wizard(
                "t1",
                "/tmp/nasguard-never.img",
                "1M",
                &["--chap-user", "u", "--chap-secret", "short12345", "--initiator", "iqn.2026-01.a:b"],
            ),
            "\"secret\"",
        ),
        (
            wizard(
                "t1",
                "/tmp/nasguard-never.img",
                "1M",
                &[
                    "--chap-user",
                    "u",
                    "--chap-secret",
                    "Secret123456",
                    "--peer-user",
                    "p",
                    "--peer-secret",
                    "Secret123456",
                    "--initiator",
                    "iqn.2026-01.a:b",
                ],
            ),
            "\"peersecret\"",
        ),
        (
            wizard(
                "Bad Name",
                "/tmp/nasguard-never.img",
                "1M",
                &["--chap-user", "u", "--chap-secret", "Secret123456", "--initiator", "iqn.2026-01.a:b"],
            ),
            "\"name\"",
        ),
        (
            wizard(
                "t1",
                "/tmp/nasguard-never.img",
                "12Q",
                &["--chap-user", "u", "--chap-secret", "Secret123456", "--initiator", "iqn.2026-01.a:b"],
            ),
            "\"size\"",
        ),
        (vec!["iscsi", "portal", "add", "listen=not-an-ip"], "\"listen\""),
        (vec!["waive", "NOPE-1", "--object", "smb", "--reason", "x"], "\"rule\""),
        (vec!["waive", "SMB-001", "--object", "smb", "--reason", "x", "--expires", "2026-13-45"], "\"expires\""),
    ];
    for (args, field) in cases {
        let o = s.run(&args);
        assert_eq!(o.code, 2, "{args:?} should fail: {}{}", o.stdout, o.stderr);
        assert!(o.stderr.starts_with("error: ") && o.stderr.contains(field), "{args:?}: {}", o.stderr);
        assert_eq!(s.db_bytes(), before, "{args:?} changed the database");
    }
    assert!(!Path::new("/tmp/nasguard-never.img").exists());
}

#[test]
fn sarif_and_json_outputs() {
    let s = Sandbox::new();
    s.ok(&["config", "set", "ssh", "tcpfwd=true"]);
    let sarif: Value = serde_json::from_str(&s.run(&["audit", "--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "SSH-003"));
    let rules: Value = serde_json::from_str(&s.ok(&["--json", "rules"])).unwrap();
    assert!(rules.as_array().unwrap().len() >= 40);
}

#[test]
fn secrets_are_never_printed_back() {
    let s = Sandbox::new();
    let img = s.dir.path().join("d.img");
    s.ok(&wizard(
        "disk1",
        img.to_str().unwrap(),
        "1M",
        &["--chap-user", "u1", "--chap-secret", "Secret123456", "--initiator", "iqn.2026-01.test:c1"],
    ));
    for args in [vec!["--json", "iscsi", "auth", "list"], vec!["iscsi", "auth", "show", "1"], vec!["--json", "log"]] {
        let out = s.ok(&args);
        assert!(!out.contains("Secret123456"), "{args:?}: {out}");
    }
    // Setting another field keeps the stored secret: were the mask written
    // back, validation (12-16 characters) would refuse the change.
    s.ok(&["iscsi", "auth", "set", "1", "user=u2"]);
    let log = s.ok(&["--json", "log", "--limit", "1"]);
    assert!(log.contains("\"u2\"") && !log.contains("\"secret\""), "{log}");
}

#[test]
fn service_status_json_lists_state_address_and_sandbox_ports() {
    let s = Sandbox::with_port_base(12000);
    let v: Value = serde_json::from_str(&s.ok(&["--json", "service", "status"])).unwrap();
    let by = |name: &str| v.as_array().unwrap().iter().find(|x| x["service"] == name).unwrap().clone();
    assert_eq!(by("ssh")["ports"], serde_json::json!([12022]));
    assert_eq!(by("smb")["ports"], serde_json::json!([12445]));
    assert_eq!(by("nfs")["ports"], serde_json::json!([14049, 14050]));
    assert_eq!(by("iscsi")["ports"], serde_json::json!([15260]));
    for svc in ["smb", "nfs", "iscsi", "ssh"] {
        assert_eq!(by(svc)["running"], false);
        assert_eq!(by(svc)["address"], "127.0.0.1");
    }
    s.ok(&["service", "enable", "smb"]);
    let v: Value = serde_json::from_str(&s.ok(&["--json", "service", "status", "smb"])).unwrap();
    assert_eq!(v[0]["autostart"], true);
}

#[test]
fn the_audit_log_names_the_user_even_without_user_in_the_environment() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("SUDO_USER")
        .args(["config", "set", "smb", "aapl_extensions=true"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let me = std::process::Command::new("id").arg("-un").output().unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    let log: Value = serde_json::from_str(&s.ok(&["--json", "log", "--limit", "1"])).unwrap();
    assert_eq!(log["changes"][0]["actor"], format!("cli:{me}"));
}

#[test]
fn init_refuses_a_bad_bind_address_or_port_base_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    for args in [
        &["init", "--sandbox", "--bind", "x"][..],
        &["init", "--sandbox", "--bind", "localhost"],
        &["init", "--sandbox", "--port-base", "65000"],
        &["init", "--sandbox", "--port-base", "99999"],
        &["init", "--port-base", "20000"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_nasguard"))
            .args(args)
            .env("NASGUARD_STATE_DIR", &state)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(!state.join("nasguard.db").exists(), "{args:?} wrote a store");
    }
}
