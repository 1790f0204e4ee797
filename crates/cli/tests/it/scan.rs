//! `nasguard scan` against the real daemons, cross-checked with nmap and
//! ssh-audit, and against hostile listeners.

use crate::support::{Sandbox, client, have, nmap_smb, wizard};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

fn scan(s: &Sandbox, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["scan", "--format", "json", "--fail-on", "none", "--timeout-ms", "2000"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    (out.code, serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr)))
}

fn rules(v: &Value) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["evidence"] == "live")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// What the scan observed of the one target of `service`. (The CLI
/// streams targets as their probes finish, not in the order given.)
fn observed(v: &Value, service: &str) -> Value {
    let targets = v["targets"].as_array().unwrap_or_else(|| panic!("no targets: {v:#}"));
    let found: Vec<&Value> = targets.iter().filter_map(|t| t["observed"].get(service)).collect();
    assert_eq!(found.len(), 1, "one {service} target observed: {v:#}");
    found[0].clone()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

/// nmap's XML `<table key="NAME"><elem>..` lists for one script.
fn nmap_table(xml: &str, key: &str) -> BTreeSet<String> {
    let Some(start) = xml.find(&format!("<table key=\"{key}\">")) else { return BTreeSet::new() };
    let rest = &xml[start..];
    let end = rest.find("</table>").unwrap_or(rest.len());
    rest[..end].split("<elem>").skip(1).map(|e| e.split("</elem>").next().unwrap_or("").to_string()).collect()
}

#[test]
fn ssh_and_smb_live_rules_agree_with_nmap_and_ssh_audit() {
    if !have(&["sshd", "smbd", "nmap"]) {
        return;
    }
    let s = Sandbox::with_port_base(13000);
    s.ok(&["apply"]);
    s.ok(&["service", "start", "ssh"]);
    s.ok(&["service", "start", "smb"]);
    let ssh_url = format!("ssh://127.0.0.1:{}", s.port_base + 22);
    let smb_url = format!("smb://127.0.0.1:{}", s.port_base + 445);

    // Secure: no live finding at low or above.
    let (code, v) = scan(&s, &[&ssh_url, &smb_url]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        rules(&v).iter().all(|r| v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == r.as_str() && f["severity"] == "info")),
        "{v:#}"
    );

    // Insecure: each rule fires when, and only when, its setting is on.
    s.ok(&["config", "set", "smb", "minimum_protocol=SMB1", "server_signing=DEFAULT"]);
    s.ok(&[
        "config",
        "set",
        "ssh",
        "weak_ciphers=AES128-CBC",
        "macs=hmac-sha2-256-etm@openssh.com,hmac-sha1",
        "hostkey_algorithms=ssh-ed25519,ssh-rsa",
    ]);
    s.ok(&["apply"]);
    let (code, v) = scan(&s, &[&ssh_url, &smb_url]);
    assert_eq!(code, 0);
    let got = rules(&v);
    for r in ["SMB-001", "SMB-004", "SSH-004", "SSH-005", "SSH-006", "SSH-008"] {
        assert!(got.contains(r), "{r} missing: {got:?}");
    }
    assert!(!got.contains("SSH-009"), "strict KEX is on in Debian's OpenSSH: {got:?}");

    // Cross-check: the SSH lists equal nmap's ssh2-enum-algos.
    let ssh_obs = &observed(&v, "ssh");
    let port = (s.port_base + 22).to_string();
    let (_, xml) = client("nmap", &["-Pn", "-n", "-p", &port, "--script", "+ssh2-enum-algos", "-oX", "-", "127.0.0.1"]);
    assert_eq!(strings(&ssh_obs["ciphers"]), nmap_table(&xml, "encryption_algorithms"));
    assert_eq!(strings(&ssh_obs["macs"]), nmap_table(&xml, "mac_algorithms"));
    assert_eq!(strings(&ssh_obs["hostkey"]), nmap_table(&xml, "server_host_key_algorithms"));
    let nmap_kex: BTreeSet<String> = nmap_table(&xml, "kex_algorithms")
        .into_iter()
        .filter(|k| !k.starts_with("ext-info-") && !k.starts_with("kex-strict-"))
        .collect();
    assert_eq!(strings(&ssh_obs["kex"]), nmap_kex);
    // ... and ssh-audit's (pinned, project venv).
    let audit = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/ssh-audit");
    if audit.exists() {
        let (_, out) = client(audit.to_str().unwrap(), &["-p", &port, "--skip-rate-test", "-j", "127.0.0.1"]);
        let a: Value = serde_json::from_str(&out).unwrap();
        let names = |k: &str| {
            a[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x["algorithm"].as_str().unwrap().to_string())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(strings(&ssh_obs["ciphers"]), names("enc"));
        assert_eq!(strings(&ssh_obs["macs"]), names("mac"));
    }

    // The SMB dialects and signing equal nmap's smb-protocols / smb2-security-mode.
    let smb_obs = &observed(&v, "smb");
    let port = (s.port_base + 445).to_string();
    let (_, out) = nmap_smb(&port, "smb-protocols,smb2-security-mode");
    let nmap_dialects: BTreeSet<String> = out
        .lines()
        .map(|l| l.trim_start_matches(['|', ' ', '_']))
        .filter(|l| l.len() == 3 && l.chars().all(|c| c.is_ascii_digit()))
        .map(String::from)
        .collect();
    let ours: BTreeSet<String> =
        strings(&smb_obs["dialects"]).iter().map(|d| format!("{:0<3}", d.replace('.', ""))).collect();
    assert_eq!(ours, nmap_dialects, "{out}");
    assert_eq!(smb_obs["smb1"], out.contains("NT LM 0.12"), "{out}");
    assert_eq!(smb_obs["signing_required"], out.contains("enabled and required"), "{out}");
}

/// Listeners that misbehave: random bytes, a huge length, silence.
fn hostile(kind: &'static str) -> (u16, std::thread::JoinHandle<()>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        // Serve a few connections (SMB opens six), then stop.
        for conn in l.incoming().take(6) {
            let Ok(mut c) = conn else { break };
            // Read what the client sent, as a server would (closing with
            // unread data would reset the connection and drop our bytes).
            let _ = c.set_read_timeout(Some(std::time::Duration::from_millis(200)));
            let _ = std::io::Read::read(&mut c, &mut [0u8; 1024]);
            let _ = match kind {
                "random" => {
                    c.write_all(&(0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<_>>())
                }
                "huge" => c.write_all(b"SSH-2.0-evil\r\n\xff\xff\xff\xf0\x00\x00\x00\x00\x00\xff\xff\xff"),
                _ => {
                    std::thread::sleep(std::time::Duration::from_millis(1500));
                    Ok(())
                }
            };
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    });
    (port, h)
}

#[test]
fn hostile_or_silent_targets_give_clear_errors_and_exit_3() {
    let s = Sandbox::new();
    for (kind, scheme, want) in [
        ("random", "ssh", "SSH"),
        ("random", "smb", "SMB"),
        ("huge", "ssh", "limit"),
        ("silent", "ssh", "no answer within"),
        ("silent", "smb", "no answer within"),
    ] {
        let (port, _h) = hostile(kind);
        let url = format!("{scheme}://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        let out = s.run(&["scan", &url, "--timeout-ms", "800", "--format", "json"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{kind} {scheme}: took too long");
        assert_eq!(out.code, 3, "{kind} {scheme}: {}{}", out.stdout, out.stderr);
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        let err = v["targets"][0]["error"].to_string();
        assert!(err.contains(want), "{kind} {scheme}: {err}");
    }
    let out = s.run(&["scan", "ssh://127.0.0.1:1"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("connection refused"), "{}", out.stderr);
}

#[test]
fn iscsi_discovery_and_target_logins_agree_with_iscsi_ls() {
    if !have(&["tgtd", "iscsi-ls"]) {
        return;
    }
    let s = Sandbox::with_port_base(17000);
    let img = |n: &str| s.path(n).to_string_lossy().into_owned();
    // One target behind discovery CHAP and target CHAP.
    s.ok(&wizard(
        "locked",
        &img("l.img"),
        "1M",
        &["--chap-user", "u1", "--chap-secret", "Secret123456", "--initiator", "iqn.2026-11.org.nasguard:probe"],
    ));
    s.ok(&["apply"]);
    s.ok(&["service", "start", "iscsi"]);
    let url = format!("iscsi://127.0.0.1:{}", s.port_base + 3260);
    let (code, v) = scan(&s, &[&url]);
    assert_eq!(code, 0, "{v:#}");
    let obs = &v["targets"][0]["observed"]["iscsi"];
    assert_eq!(obs["discovery_open"], false, "{obs}");
    assert_eq!(obs["discovery_status"], serde_json::json!([2, 1]));
    assert!(rules(&v).is_empty(), "{v:#}");
    let portal = format!("iscsi://127.0.0.1:{}", s.port_base + 3260);
    let (rc, _) = client("iscsi-ls", &["-s", &portal]);
    assert_ne!(rc, 0, "iscsi-ls agrees: discovery needs credentials");

    // Discovery opened, and a second target without CHAP.
    s.ok(&["iscsi", "portal", "set", "1", "discovery_authmethod=NONE", "discovery_authgroup="]);
    s.ok(&wizard(
        "open",
        &img("o.img"),
        "1M",
        &["--discovery-auth", "none", "--portal", "127.0.0.2", "--allow-everyone"],
    ));
    s.ok(&["apply"]);
    let (_, v) = scan(&s, &[&url]);
    let obs = &v["targets"][0]["observed"]["iscsi"];
    assert_eq!(obs["discovery_open"], true, "{obs}");
    let logins: std::collections::BTreeMap<String, String> = obs["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t["login"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(logins["iqn.2026-11.org.nasguard.ctl:locked"], "authentication required");
    assert_eq!(logins["iqn.2026-11.org.nasguard.ctl:open"], "open");
    let got = rules(&v);
    assert!(got.contains("ISCSI-001") && got.contains("ISCSI-002"), "{got:?}");
    // The same target names iscsi-ls discovers.
    let (rc, out) = client("iscsi-ls", &["-i", "iqn.2026-11.org.nasguard:probe", &portal]);
    assert_eq!(rc, 0, "{out}");
    let listed: BTreeSet<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Target:"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(listed, logins.keys().cloned().collect::<BTreeSet<_>>());
}

fn live_audit(s: &Sandbox) -> Value {
    let out = s.run(&["audit", "--live", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn drift(v: &Value) -> Vec<(String, bool, bool)> {
    v["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap().to_string(), d["config"] == true, d["live"] == true))
        .collect()
}

#[test]
fn audit_live_reports_drift_between_intent_and_wire() {
    if !have(&["smbd", "sshd"]) {
        return;
    }
    let s = Sandbox::with_port_base(21000);
    s.ok(&["apply"]);
    s.ok(&["service", "start", "smb"]);
    let v = live_audit(&s);
    assert!(drift(&v).is_empty(), "{v:#}");

    // Stored but not applied: the config says SMB1, the wire refuses it.
    s.ok(&["config", "set", "smb", "minimum_protocol=SMB1"]);
    assert_eq!(drift(&live_audit(&s)), vec![("SMB-001".to_string(), true, false)]);
    s.ok(&["apply"]);
    assert!(drift(&live_audit(&s)).is_empty());

    // A hand edit of the live file: the wire drops mandatory signing.
    s.ok(&["fix", "SMB-001"]);
    s.ok(&["apply"]);
    let conf = s.state().join("etc/smb.conf");
    let text =
        std::fs::read_to_string(&conf).unwrap().replace("server signing = mandatory", "server signing = default");
    std::fs::write(&conf, text).unwrap();
    s.ok(&["service", "reload", "smb"]);
    let v = live_audit(&s);
    assert_eq!(drift(&v), vec![("SMB-004".to_string(), false, true)], "{v:#}");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "SMB-004" && f["evidence"] == "live"));

    // An sshd nasguard did not start answers where its SSH service is stopped.
    let mut foreign = std::process::Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(s.state().join("etc/sshd_config"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", s.port_base + 22)).is_ok()
    });
    let v = live_audit(&s);
    let _ = foreign.kill();
    let _ = foreign.wait();
    assert!(up, "the foreign sshd did not start");
    let exposure: Vec<&Value> = v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "GEN-001").collect();
    assert_eq!(exposure.len(), 1, "{v:#}");
    assert_eq!(exposure[0]["service"], "ssh");
}

#[test]
fn targets_come_from_a_file_too() {
    let s = Sandbox::new();
    std::fs::write(s.path("targets"), "# fleet\nssh://127.0.0.1:1\n\nsmb://127.0.0.1:2\n").unwrap();
    let out = s.run(&["scan", "--targets", s.path("targets").to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["summary"]["targets"], 2);
    assert_eq!(v["summary"]["failed"], 2);
    let out = s.run(&["scan"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--targets FILE"), "{}", out.stderr);
    let out = s.run(&["scan", "gopher://x"]);
    assert_eq!(out.code, 2);
}

#[test]
fn cidr_blocks_and_ranges_stream_as_jsonl_json_and_sarif() {
    use nasguard_probe::responder::{Kind, Responder};
    let s = Sandbox::new();
    let ssh = Responder::start(Kind::Ssh, 0, 1).unwrap();
    let block = format!("ssh://127.6.0.0/25:{}", ssh.port);
    let range = format!("ssh://127.6.1.1-20:{}", ssh.port);
    std::fs::write(s.path("more"), format!("# a file of blocks\nssh://127.6.2.0-127.6.2.9:{}\n", ssh.port)).unwrap();
    let file = s.path("more").to_string_lossy().into_owned();
    let base = ["scan", "--fail-on", "none", "--timeout-ms", "5000", "--progress", "never"];
    let run = |format: &str| {
        let mut args = base.to_vec();
        args.extend(["--format", format, &block, &range, "--targets", &file]);
        let out = s.run(&args);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        out.stdout
    };

    // JSON Lines: one line per target as it completes, then the summary.
    let lines: Vec<Value> = run("jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 128 + 20 + 10 + 1);
    let hosts: BTreeSet<String> = lines[..158].iter().map(|l| l["target"]["host"].as_str().unwrap().into()).collect();
    assert_eq!(hosts.len(), 158);
    assert!(hosts.contains("127.6.0.127") && hosts.contains("127.6.1.20") && hosts.contains("127.6.2.9"));
    for l in &lines[..158] {
        assert!(l["observed"]["ssh"]["banner"].as_str().unwrap().starts_with("SSH-2.0-OpenSSH_9.2"), "{l}");
        assert!(l["findings"].is_array());
    }
    let summary = &lines[158]["summary"];
    assert_eq!((summary["targets"].as_u64(), summary["failed"].as_u64()), (Some(158), Some(0)));
    let per_target: usize = lines[..158].iter().map(|l| l["findings"].as_array().unwrap().len()).sum();
    assert_eq!(summary["total"].as_u64(), Some(per_target as u64));

    // The JSON contract, streamed: the same targets and findings.
    let v: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 158);
    assert_eq!(v["findings"].as_array().unwrap().len(), per_target);
    assert_eq!(v["summary"]["targets"], 158);
    // SARIF, streamed: one result per finding.
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), per_target);

    // Progress on demand: done/total, rate and ETA on standard error.
    let out = s.run(&["scan", "--fail-on", "none", "--progress", "always", "--format", "jsonl", &range]);
    assert!(out.stderr.contains("20/20 targets (100.0%)") && out.stderr.contains("ETA"), "{}", out.stderr);
    // A block that is not one is refused, naming it.
    let out = s.run(&["scan", "ssh://127.0.0.0/33"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("CIDR"), "{}", out.stderr);
    let out = s.run(&["scan", "127.0.0.9-3"]);
    assert_eq!(out.code, 2);
    assert!(ssh.served() >= 3 * 158 + 20);
}
