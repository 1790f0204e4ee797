//! The .deb on a real Debian host: it installs, `systemctl enable --now
//! nasguard` serves the UI over HTTPS with the certificate whose fingerprint
//! `nasguard status` shows (checked from the host through the forwarded
//! port), the service does root's work under its hardening, man pages and
//! completions are in place, and removing the package keeps the state.

use super::Vm;
use crate::package::{build_deb, served_fingerprint};
use crate::support::{client, have};

/// `certificate SHA-256 AB:CD... (...)` in `nasguard status`.
fn status_fingerprint(status: &str) -> String {
    let line = status.lines().find(|l| l.trim_start().starts_with("certificate SHA-256 ")).unwrap_or_else(|| {
        panic!("no certificate in status:\n{status}");
    });
    line.split_whitespace().nth(2).unwrap().to_string()
}

/// `systemd-analyze security UNIT`'s overall exposure level (0 best, 10
/// worst) and its line.
fn exposure(vm: &Vm, unit: &str) -> (f64, String) {
    let line = vm.ssh_ok(&format!("systemd-analyze security {unit} --no-pager 2>&1 | tail -1"));
    eprintln!("vm: systemd-analyze security {unit}: {}", line.trim());
    let score = line
        .split(&format!("{unit}:"))
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in {line:?}"));
    (score, line)
}

#[test]
fn the_deb_installs_and_serves_https_with_the_fingerprint_status_shows() {
    if !have(&["dpkg-deb", "dpkg-shlibdeps", "fakeroot", "openssl", "curl"]) {
        return;
    }
    let Some(vm) = Vm::get() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // zstd: quick to make, and a third of the bytes to copy in.
    let deb = build_deb(tmp.path(), "zstd");
    vm.scp_to(&deb, "/root/nasguard.deb");
    // The harness's copy in /usr/local/sbin would come first in PATH.
    let installed = vm.ssh_ok("rm -f /usr/local/sbin/nasguard && dpkg -i /root/nasguard.deb && hash -r && command -v nasguard && nasguard --version");
    assert!(installed.contains("/usr/bin/nasguard\n"), "{installed}");
    assert!(installed.contains(&format!("nasguard {}", env!("CARGO_PKG_VERSION"))), "{installed}");
    vm.ssh_ok("systemd-analyze verify nasguard.service");

    // Before `nasguard init` it fails once, says why, and is not restarted.
    assert!(!vm.ssh("systemctl start nasguard").status.success());
    std::thread::sleep(std::time::Duration::from_secs(6));
    let journal = vm.ssh_ok("journalctl -u nasguard -o cat --no-pager");
    assert!(journal.contains("run `nasguard init`"), "{journal}");
    assert_eq!(vm.ssh_ok("systemctl show -P NRestarts nasguard").trim(), "0");

    vm.ssh_ok("systemctl reset-failed nasguard && nasguard init");
    let t = std::time::Instant::now();
    vm.ssh_ok("systemctl enable --now nasguard");
    eprintln!("vm: systemctl enable --now nasguard took {:.1} s (returns once it listens)", t.elapsed().as_secs_f64());
    assert_eq!(vm.ssh_ok("systemctl is-active nasguard; systemctl is-enabled nasguard"), "active\nenabled\n");
    let status = vm.ssh_ok("nasguard status");
    assert!(status.contains("web UI: https://[::]:8443/ (pid"), "{status}");
    let fp = status_fingerprint(&status);
    // The setup link is for root (status), not in the journal.
    assert!(status.contains("no administrator yet: open this one-time link to create one: https://"), "{status}");
    let journal = vm.ssh_ok("journalctl -u nasguard -o cat --no-pager");
    assert!(!journal.contains("token="), "{journal}");
    assert!(journal.contains(&fp), "the journal has the fingerprint too: {journal}");

    // From the host, through the forward: the same certificate, and one that
    // verifies the connection when trusted (it names 127.0.0.1).
    let port = vm.port(8443);
    let host_port = format!("127.0.0.1:{port}");
    assert_eq!(served_fingerprint(&host_port), fp);
    let cert = tmp.path().join("cert.pem");
    std::fs::write(&cert, vm.ssh_ok("cat /var/lib/nasguard/tls/cert.pem")).unwrap();
    let cacert = cert.to_str().unwrap();
    let curl = |args: &[&str]| {
        let mut all = vec!["-sS", "--max-time", "30", "--cacert", cacert];
        all.extend_from_slice(args);
        client("curl", &all)
    };
    let (rc, out) = curl(&[&format!("https://{host_port}/api/v1/health")]);
    assert_eq!((rc, out.trim()), (0, r#"{"status":"ok"}"#));
    let (_, out) = client("curl", &["-sS", "--max-time", "30", &format!("http://{host_port}/api/v1/health")]);
    assert!(!out.contains("status"), "no plain HTTP off loopback: {out}");

    // Root's work under the unit's hardening: an apply through the API
    // writes /etc/samba/smb.conf (checked by testparm) and reloads smbd.
    let token = vm.ssh_in(
        "nasguard admin create alice >/dev/null && nasguard token create --admin alice",
        b"correct-horse-battery\n",
    );
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let auth = format!("Authorization: Bearer {}", String::from_utf8_lossy(&token.stdout).trim());
    // `init` adopted Debian's smb.conf (no signing): require it, through the API.
    let body = r#"{"server_signing": "MANDATORY"}"#;
    let url = format!("https://{host_port}/api/v1/config/smb");
    let (rc, out) = curl(&["-X", "PUT", "-H", &auth, "-H", "Content-Type: application/json", "-d", body, &url]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("\"revision\""), "{out}");
    // An apply on a host checks and reloads every service (slow under TCG).
    let t = std::time::Instant::now();
    let (rc, out) =
        curl(&["--max-time", "300", "-X", "POST", "-H", &auth, &format!("https://{host_port}/api/v1/apply")]);
    eprintln!("vm: apply through the API took {:.1} s", t.elapsed().as_secs_f64());
    if rc != 0 {
        eprintln!("{}", vm.ssh_ok("journalctl -u nasguard -o cat --no-pager | tail -30; systemctl status nfs-server smbd --no-pager | tail -20"));
    }
    assert_eq!(rc, 0, "{out}");
    let applied: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(applied["dry_run"], false, "{out}");
    let smb = vm.ssh_ok("testparm -s 2>/dev/null");
    assert!(smb.contains("server signing = required"), "{smb}");
    assert!(!vm.ssh_ok("nasguard status").contains("setup link"), "an administrator exists now");

    // A restart presents the same certificate.
    vm.ssh_ok("systemctl restart nasguard");
    assert_eq!(status_fingerprint(&vm.ssh_ok("nasguard status")), fp);
    assert_eq!(served_fingerprint(&host_port), fp);

    // The admin's own certificate, named in /etc/default/nasguard.
    vm.ssh_ok(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=nas.example \
         -keyout /etc/ssl/private/nas.key -out /etc/ssl/certs/nas.pem 2>/dev/null && \
         printf 'NASGUARD_TLS_CERT=/etc/ssl/certs/nas.pem\\nNASGUARD_TLS_KEY=/etc/ssl/private/nas.key\\n' >>/etc/default/nasguard && \
         systemctl restart nasguard",
    );
    let theirs = vm.ssh_ok("openssl x509 -noout -fingerprint -sha256 -in /etc/ssl/certs/nas.pem");
    let theirs = theirs.trim().rsplit('=').next().unwrap().to_string();
    assert_ne!(theirs, fp);
    let status = vm.ssh_ok("nasguard status");
    assert_eq!(status_fingerprint(&status), theirs);
    assert!(status.contains("(configured: /etc/ssl/certs/nas.pem)"), "{status}");
    assert_eq!(served_fingerprint(&host_port), theirs);

    // Man pages and completions.
    let man = vm.ssh_ok("MANPAGER=cat MANWIDTH=100 man nasguard-serve 2>&1");
    assert!(man.contains("--tls-cert"), "{man}");
    assert!(vm.ssh_ok("MANPAGER=cat man nasguard 2>&1").contains("/etc/default/nasguard"));
    vm.ssh_ok("bash -c '. /usr/share/bash-completion/completions/nasguard && complete -p nasguard'");

    // How exposed the unit is, by systemd's own measure (0 best, 10 worst).
    let (score, security) = exposure(&vm, "nasguard.service");
    assert!(score <= 5.0, "{security}");

    // The fleet agent: a oneshot unit and its timer. With this host's login
    // set and the database unreachable (nothing listens on the guest's
    // port 1), a run keeps its report in the outbox and succeeds, under a
    // hardening of its own (it only reads, and writes its outbox).
    vm.ssh_ok("systemd-analyze verify nasguard-agent.service nasguard-agent.timer");
    assert_eq!(vm.ssh_ok("stat -c %a /etc/default/nasguard-agent").trim(), "600", "it holds a password");
    vm.ssh_ok("echo 'NASGUARD_FLEET_DB=postgres://nasguard_h_vm:pw@127.0.0.1:1/fleet' >> /etc/default/nasguard-agent");
    vm.ssh_ok("systemctl start nasguard-agent.service");
    let kept = vm.ssh_ok("cat /var/lib/nasguard/fleet-outbox/*");
    assert!(kept.contains("\"rule\""), "a report with this host's findings: {kept}");
    let journal = vm.ssh_ok("journalctl -u nasguard-agent -o cat --no-pager");
    assert!(journal.contains("kept in the outbox"), "{journal}");
    vm.ssh_ok("systemctl enable --now nasguard-agent.timer");
    assert_eq!(vm.ssh_ok("systemctl is-active nasguard-agent.timer").trim(), "active");
    let (agent_score, agent) = exposure(&vm, "nasguard-agent.service");
    assert!(agent_score < score, "the agent gets less than the server: {agent} vs {security}");

    // Removal stops the service and keeps the state (and the host's
    // originals in it); purge takes the settings file and keeps the state too.
    vm.ssh_ok("dpkg -r nasguard >/dev/null");
    let gone = vm.ssh("systemctl is-active nasguard nasguard-agent.timer");
    assert_eq!(String::from_utf8_lossy(&gone.stdout).trim(), "inactive\ninactive");
    vm.ssh_ok("test ! -e /usr/bin/nasguard && test -e /var/lib/nasguard/nasguard.db && test -e /etc/default/nasguard");
    let purge = vm.ssh_ok("dpkg -P nasguard 2>&1");
    assert!(purge.contains("/var/lib/nasguard was kept"), "{purge}");
    vm.ssh_ok("test ! -e /etc/default/nasguard && test -e /var/lib/nasguard/nasguard.db");
}
