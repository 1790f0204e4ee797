//! What the Debian package is made of, checked on this machine: `serve`'s
//! own certificate and what `status` says of it, the shell completions and
//! man pages generated from the clap definitions, and the .deb that
//! `packaging/build-deb.sh` builds. Installing it on a real systemd host is
//! `vm::package`.

use crate::support::{Sandbox, client, have};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fingerprint a server printed (`certificate SHA-256 AB:CD... (...)`).
pub fn printed_fingerprint(lines: &[String]) -> String {
    let line = lines.iter().find(|l| l.starts_with("certificate SHA-256 ")).expect("no certificate line printed");
    line.split_whitespace().nth(2).unwrap().to_string()
}

/// The fingerprint `openssl s_client` sees on `host:port`, as `AB:CD:...`.
pub fn served_fingerprint(host_port: &str) -> String {
    let script = format!(
        "echo | timeout 30 openssl s_client -connect {host_port} 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
    );
    let (rc, out) = client("sh", &["-c", &script]);
    assert_eq!(rc, 0, "{out}");
    out.trim().rsplit('=').next().unwrap().to_string()
}

#[test]
fn serve_makes_its_certificate_once_and_status_shows_its_fingerprint() {
    if !have(&["openssl", "curl"]) {
        return;
    }
    let s = Sandbox::new();
    // Never served: status says so.
    assert!(s.ok(&["status"]).contains("web UI: never started"));
    let server = s.serve_with(18401, &["--tls"]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let printed = server.printed();
    let fp = printed_fingerprint(&printed);
    assert!(printed.iter().any(|l| l.contains("made by nasguard now, self-signed")), "{printed:?}");
    assert_eq!(fp.len(), 32 * 3 - 1, "{fp}");
    assert_eq!(served_fingerprint("127.0.0.1:18401"), fp, "what the server presents is what it printed");
    // The certificate names 127.0.0.1, so a client that trusts it verifies the connection.
    let cert = s.state().join("tls/cert.pem");
    let (rc, out) =
        client("curl", &["-sS", "--max-time", "5", "--cacert", cert.to_str().unwrap(), &server.api("/health")]);
    assert_eq!((rc, out.trim()), (0, r#"{"status":"ok"}"#));
    // status: the same fingerprint, and that it runs.
    let status: Value = serde_json::from_str(&s.ok(&["status", "--json"])).unwrap();
    let web = &status["web"];
    assert_eq!(web["url"], "https://127.0.0.1:18401/");
    assert_eq!((web["running"].as_bool(), web["tls"].as_bool()), (Some(true), Some(true)), "{web}");
    assert_eq!(web["certificate"]["sha256"].as_str(), Some(fp.as_str()));
    assert_eq!(web["certificate"]["generated"].as_bool(), Some(true));
    assert!(web["certificate"]["not_after"].as_str().is_some_and(|t| t.starts_with("20")), "{web}");
    let text = s.ok(&["status"]);
    assert!(text.contains(&format!("certificate SHA-256 {fp} (self-signed, made by nasguard")), "{text}");
    // Not under systemd: the setup link is printed, not left in a file.
    assert!(server.setup_link().is_some());
    assert!(!s.state().join("setup-link").exists());
    assert!(server.terminate().success());
    let status: Value = serde_json::from_str(&s.ok(&["status", "--json"])).unwrap();
    assert_eq!(status["web"]["running"].as_bool(), Some(false), "{status}");
    // The next start presents the same certificate.
    let again = s.serve_with(18402, &["--tls"]);
    let printed = again.printed();
    assert_eq!(printed_fingerprint(&printed), fp);
    assert!(printed.iter().any(|l| l.contains("(made by nasguard, self-signed")), "{printed:?}");
    assert_eq!(served_fingerprint("127.0.0.1:18402"), fp);
    // Plain HTTP on its port gets no answer.
    let (_, out) = client("curl", &["-sS", "--max-time", "5", "http://127.0.0.1:18402/api/v1/health"]);
    assert!(!out.contains("status"), "{out}");
}

#[test]
fn under_systemd_the_setup_link_goes_to_root_not_to_the_journal() {
    let s = Sandbox::new();
    let child = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:18403"])
        // What systemd sets for a service whose output goes to the journal.
        .env("JOURNAL_STREAM", "8:12345")
        .env("INVOCATION_ID", "0123456789abcdef0123456789abcdef")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let link_file = s.state().join("setup-link");
    for _ in 0..400 {
        if link_file.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let link = std::fs::read_to_string(&link_file).unwrap();
    assert!(link.starts_with("http://127.0.0.1:18403/setup?token="), "{link}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&link_file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    // status (root) shows it while nobody is admin...
    let status = s.ok(&["status"]);
    assert!(status.contains(link.trim()), "{status}");
    // ...and the server did not print it.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let out = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(!printed.contains("token="), "{printed}");
    assert!(printed.contains("`nasguard status` (as root) shows the one-time setup link"), "{printed}");
    // Once an administrator exists, status shows no link.
    s.admin("alice", "correct-horse-battery");
    assert!(!s.ok(&["status"]).contains("token="));
}

#[test]
fn completions_and_man_pages_come_from_the_clap_definitions() {
    let s = Sandbox::new();
    let bash = s.ok(&["completions", "bash"]);
    assert!(bash.contains("--tls-cert") && bash.contains("complete -F"), "bash completion");
    let file = s.path("nasguard.bash");
    std::fs::write(&file, &bash).unwrap();
    let (rc, out) = client("bash", &["-c", &format!(". {} && complete -p nasguard", file.display())]);
    assert_eq!(rc, 0, "{out}");
    for shell in ["zsh", "fish"] {
        assert!(s.ok(&["completions", shell]).contains("tls-cert"), "{shell}");
    }
    let dir = s.path("man");
    s.ok(&["manpages", "--out", dir.to_str().unwrap()]);
    let pages: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for want in ["nasguard.1", "nasguard-serve.1", "nasguard-share-nfs-add.1", "nasguard-iscsi-wizard.1"] {
        assert!(pages.contains(&want.to_string()), "{want} in {pages:?}");
    }
    // The packaging command is hidden: no page of its own.
    assert!(!pages.iter().any(|p| p.contains("manpages")), "{pages:?}");
    if !have(&["man"]) {
        return;
    }
    let render = |page: &str| {
        let o = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(dir.join(page))
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .output()
            .unwrap();
        assert!(o.status.success(), "{page}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), "", "{page}: groff warnings");
        // Justified text: one space between words.
        String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let serve = render("nasguard-serve.1");
    assert!(serve.contains("--tls-cert") && serve.contains("HTTPS only"), "{serve}");
    let main = render("nasguard.1");
    for want in ["FILES", "/etc/default/nasguard", "nasguard.service", "Exit codes"] {
        assert!(main.contains(want), "{want} in {main}");
    }
}

/// Builds the .deb from this build's binary into `out`, compressed with
/// `compression` (dpkg-deb -Z); its path.
pub fn build_deb(out: &Path, compression: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/build-deb.sh");
    let o = Command::new("bash")
        .arg(script)
        .args(["--bin", env!("CARGO_BIN_EXE_nasguard"), "--out"])
        .arg(out)
        .env("NASGUARD_DEB_COMPRESSION", compression)
        .output()
        .unwrap();
    assert!(o.status.success(), "build-deb.sh: {}", String::from_utf8_lossy(&o.stderr));
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
}

#[test]
fn the_deb_ships_the_binary_a_hardened_unit_man_pages_and_completions() {
    if !have(&["dpkg-deb", "dpkg-shlibdeps", "fakeroot", "strip", "man"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // Quick to build: a test does not care how small the package is.
    let deb = build_deb(tmp.path(), "none");
    let version = env!("CARGO_PKG_VERSION");
    assert!(deb.ends_with(format!("nasguard_{version}-1_amd64.deb")), "{}", deb.display());
    let field = |f: &str| {
        let (rc, out) = client("dpkg-deb", &["-f", deb.to_str().unwrap(), f]);
        assert_eq!(rc, 0, "{out}");
        out.trim().to_string()
    };
    assert_eq!(field("Package"), "nasguard");
    assert_eq!(field("Version"), format!("{version}-1"));
    let depends = field("Depends");
    assert!(depends.contains("libc6 (>= 2."), "{depends}");
    let (_, listing) = client("dpkg-deb", &["-c", deb.to_str().unwrap()]);
    for path in [
        "./usr/bin/nasguard",
        "./lib/systemd/system/nasguard.service",
        "./etc/default/nasguard",
        "./lib/systemd/system/nasguard-agent.service",
        "./lib/systemd/system/nasguard-agent.timer",
        "./etc/default/nasguard-agent",
        "./usr/share/man/man1/nasguard.1.gz",
        "./usr/share/man/man1/nasguard-agent.1.gz",
        "./usr/share/man/man1/nasguard-serve.1.gz",
        "./usr/share/bash-completion/completions/nasguard",
        "./usr/share/zsh/vendor-completions/_nasguard",
        "./usr/share/fish/vendor_completions.d/nasguard.fish",
        "./usr/share/doc/nasguard/copyright",
    ] {
        assert!(listing.lines().any(|l| l.ends_with(path)), "{path} in\n{listing}");
    }
    assert!(listing.lines().any(|l| l.starts_with("-rwxr-xr-x root/root") && l.ends_with("./usr/bin/nasguard")));
    // The agent's login holds a password: root's alone.
    assert!(
        listing.lines().any(|l| l.starts_with("-rw------- root/root") && l.ends_with("./etc/default/nasguard-agent"))
    );
    // Unpacked: the binary runs, the admin's settings file is a conffile,
    // the maintainer scripts parse, the unit is hardened and notifies.
    let root = tmp.path().join("root");
    let control = tmp.path().join("control");
    assert_eq!(client("dpkg-deb", &["-x", deb.to_str().unwrap(), root.to_str().unwrap()]).0, 0);
    assert_eq!(client("dpkg-deb", &["-e", deb.to_str().unwrap(), control.to_str().unwrap()]).0, 0);
    let (rc, v) = client(root.join("usr/bin/nasguard").to_str().unwrap(), &["--version"]);
    assert_eq!((rc, v.trim()), (0, format!("nasguard {version}").as_str()));
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/default/nasguard\n/etc/default/nasguard-agent\n"
    );
    for script in ["postinst", "prerm", "postrm"] {
        let (rc, out) = client("sh", &["-n", control.join(script).to_str().unwrap()]);
        assert_eq!(rc, 0, "{script}: {out}");
    }
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/nasguard.service")).unwrap();
    for want in [
        "Type=notify",
        "ExecStart=/usr/bin/nasguard serve",
        "Environment=NASGUARD_LISTEN=[::]:8443",
        "EnvironmentFile=-/etc/default/nasguard",
        "NoNewPrivileges=yes",
        "SystemCallFilter=@system-service @mount",
        "ProtectHome=read-only",
        "RestartPreventExitStatus=2",
    ] {
        assert!(unit.lines().any(|l| l == want), "{want} in\n{unit}");
    }
    let o = Command::new("man")
        .args(["-l"])
        .arg(root.join("usr/share/man/man1/nasguard-serve.1.gz"))
        .env("MANPAGER", "cat")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("--tls-cert"));
}
