//! SSH with the real sshd and the ssh client (and ssh-audit when installed).

use crate::support::{Sandbox, client, have};
use std::path::{Path, PathBuf};

fn ssh(s: &Sandbox, user: &str, key: &Path, extra: &[&str], remote: &[&str]) -> (i32, String) {
    let port = (s.port_base + 22).to_string();
    let dest = format!("{user}@127.0.0.1");
    let mut args = vec![
        "-p",
        port.as_str(),
        "-i",
        key.to_str().unwrap(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
    ];
    args.extend_from_slice(extra);
    args.push(dest.as_str());
    args.extend_from_slice(remote);
    client("ssh", &args)
}

#[test]
fn ssh_ciphers_root_login_and_forwarding_on_the_wire() {
    if !have(&["sshd", "ssh", "ssh-keygen", "useradd"]) {
        return;
    }
    let s = Sandbox::with_port_base(7000);
    let key = s.path("id_ed25519");
    let (rc, out) = client("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
    assert_eq!(rc, 0, "{out}");
    let pubkey = s.path("id_ed25519.pub");
    s.ok(&["apply"]);
    s.user("ngitssh", &["--ssh-key-file", pubkey.to_str().unwrap()]);
    s.ok(&["service", "start", "ssh"]);

    // Key login for a normal user works; with the recommended ciphers only.
    let (rc, out) = ssh(&s, "ngitssh", &key, &[], &["true"]);
    assert_eq!(rc, 0, "key login: {out}");
    let (rc, out) = ssh(&s, "ngitssh", &key, &["-c", "aes256-gcm@openssh.com"], &["true"]);
    assert_eq!(rc, 0, "aes256-gcm: {out}");
    let (rc, out) = ssh(&s, "ngitssh", &key, &["-c", "aes128-cbc"], &["true"]);
    assert_ne!(rc, 0, "aes128-cbc must be refused: {out}");
    assert!(out.contains("no matching cipher"), "{out}");

    // Root may not log in: not with a password, not even with a key.
    std::fs::copy(&pubkey, s.state().join("ssh/authorized_keys/root")).unwrap();
    let (rc, out) = ssh(&s, "root", &key, &[], &["true"]);
    assert_ne!(rc, 0, "root key login must be refused: {out}");
    let (rc, out) = ssh(&s, "root", &key, &["-o", "PreferredAuthentications=password"], &["true"]);
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("Permission denied"), "{out}");

    // TCP forwarding: refused with tcpfwd=false, allowed after setting it.
    let target = format!("127.0.0.1:{}", s.port_base + 22);
    let (rc, out) = ssh(&s, "ngitssh", &key, &["-W", &target], &[]);
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("administratively prohibited"), "{out}");
    s.ok(&["config", "set", "ssh", "tcpfwd=true"]);
    let applied = s.ok(&["apply"]);
    assert!(applied.contains("reloaded ssh"), "{applied}");
    let (_, out) = ssh(&s, "ngitssh", &key, &["-W", &target], &[]);
    assert!(out.contains("SSH-2.0-OpenSSH"), "forwarding to sshd itself must show its banner: {out}");
    s.ok(&["fix", "SSH-003"]);
    s.ok(&["apply"]);

    // ssh-audit (pinned, from .ci/install's venv) sees no CBC or arcfour.
    let audit = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/ssh-audit");
    if audit.exists() {
        let port = (s.port_base + 22).to_string();
        let (_, out) = client(audit.to_str().unwrap(), &["-p", &port, "--skip-rate-test", "-j", "127.0.0.1"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        let enc: Vec<&str> = v["enc"].as_array().unwrap().iter().map(|e| e["algorithm"].as_str().unwrap()).collect();
        assert!(!enc.is_empty());
        assert!(enc.iter().all(|c| !c.contains("cbc") && !c.contains("arcfour")), "{enc:?}");
    } else {
        assert!(std::env::var("NASGUARD_REQUIRE_DAEMONS").as_deref() != Ok("1"), "ssh-audit missing from .venv");
    }
}

#[test]
fn a_config_the_daemon_rejects_leaves_the_previous_one_running() {
    if !have(&["sshd", "ssh", "ssh-keygen"]) {
        return;
    }
    let s = Sandbox::with_port_base(8000);
    s.ok(&["apply"]);
    s.ok(&["service", "start", "ssh"]);
    let conf = s.state().join("etc/sshd_config");
    let before = std::fs::read(&conf).unwrap();
    // Valid for nasguard's model (a known keyword), invalid for sshd.
    s.ok(&["config", "set", "ssh", "options=PermitOpen localhost:notaport"]);
    let out = s.run(&["apply"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("sshd -t") && out.stderr.to_lowercase().contains("port"), "{}", out.stderr);
    assert_eq!(std::fs::read(&conf).unwrap(), before, "the live config must be untouched");
    let st: serde_json::Value = serde_json::from_str(&s.ok(&["--json", "status"])).unwrap();
    assert_eq!(st["latest_applied"], false);
    let ssh = st["services"].as_array().unwrap().iter().find(|x| x["service"] == "ssh").unwrap();
    assert_eq!(ssh["running"], true);
    let (_, banner) = client("ssh-keyscan", &["-p", &(s.port_base + 22).to_string(), "127.0.0.1"]);
    assert!(banner.contains("ssh-ed25519"), "{banner}");
}

#[test]
fn a_port_already_taken_is_reported_and_nothing_starts() {
    if !have(&["sshd"]) {
        return;
    }
    let s = Sandbox::with_port_base(9000);
    s.ok(&["apply"]);
    let squatter = std::net::TcpListener::bind(("127.0.0.1", s.port_base + 22)).unwrap();
    let out = s.run(&["service", "start", "ssh"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains(&format!("127.0.0.1:{}", s.port_base + 22)) && out.stderr.contains("not free"),
        "{}",
        out.stderr
    );
    let st: serde_json::Value = serde_json::from_str(&s.ok(&["--json", "service", "status", "ssh"])).unwrap();
    assert_eq!(st[0]["running"], false);
    drop(squatter);
    s.ok(&["service", "start", "ssh"]);
}
