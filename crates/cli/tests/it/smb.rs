//! SMB with the real smbd and smbclient/nmap: what the settings do on the wire.

use crate::support::{Sandbox, client, have, nmap_smb};

const PW: &str = "Sm8-Passw0rd";

fn smbclient(s: &Sandbox, share: &str, extra: &[&str], cmd: &str) -> (i32, String) {
    let port = (s.port_base + 445).to_string();
    let target = format!("//127.0.0.1/{share}");
    let user = format!("ngitsmb%{PW}");
    let mut args = vec!["-p", port.as_str(), target.as_str(), "-U", user.as_str()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-c", cmd]);
    client("smbclient", &args)
}

#[test]
fn smb_defaults_protocols_signing_and_purposes_on_the_wire() {
    if !have(&["smbd", "smbclient", "testparm", "smbpasswd"]) {
        return;
    }
    let s = Sandbox::with_port_base(5000);
    let data = s.path("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    s.ok(&["share", "smb", "add", "data", "--path", data.to_str().unwrap()]);
    s.ok(&["apply"]);
    std::fs::write(s.path("pw"), format!("{PW}\n")).unwrap();
    s.user("ngitsmb", &["--password-file", s.path("pw").to_str().unwrap(), "--smb"]);
    s.ok(&["service", "start", "smb"]);

    // Defaults: an SMB2+ client lists and writes as a user.
    std::fs::write(s.path("hello.txt"), "hi").unwrap();
    let put = format!("put {} hello.txt; ls", s.path("hello.txt").display());
    let (rc, out) = smbclient(&s, "data", &[], &put);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("hello.txt"), "{out}");
    assert!(data.join("hello.txt").exists());
    // A wrong password is refused.
    let (rc, out) = client(
        "smbclient",
        &["-p", &(s.port_base + 445).to_string(), "//127.0.0.1/data", "-U", "ngitsmb%wrong", "-c", "ls"],
    );
    assert_ne!(rc, 0, "{out}");

    // Forcing NT1 (SMB1) from the client is refused.
    let nt1 = ["-m", "NT1", "--option=client min protocol=NT1"];
    let (rc, out) = smbclient(&s, "data", &nt1, "ls");
    assert_ne!(rc, 0, "NT1 must be refused by default: {out}");
    assert!(out.contains("No compatible protocol") || out.contains("NT_STATUS"), "{out}");

    // minimum_protocol=SMB1 + apply: NT1 is accepted, and the audit flags it.
    s.ok(&["config", "set", "smb", "minimum_protocol=SMB1"]);
    let applied = s.ok(&["apply"]);
    assert!(applied.contains("reloaded smb"), "{applied}");
    let (rc, out) = smbclient(&s, "data", &nt1, "ls");
    assert_eq!(rc, 0, "NT1 must be accepted now: {out}");
    assert!(s.rules().contains(&("SMB-001".into(), "high".into())));
    // Signing is mandatory: a client with signing disabled is refused.
    let (rc, out) = smbclient(
        &s,
        "data",
        &["-m", "NT1", "--option=client min protocol=NT1", "--option=client signing=disabled"],
        "ls",
    );
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("signing is required") || out.contains("ACCESS_DENIED"), "{out}");
    // ... and accepted again once signing is no longer mandatory.
    s.ok(&["config", "set", "smb", "server_signing=DEFAULT"]);
    s.ok(&["apply"]);
    let (rc, out) = smbclient(
        &s,
        "data",
        &["-m", "NT1", "--option=client min protocol=NT1", "--option=client signing=disabled"],
        "ls",
    );
    assert_eq!(rc, 0, "{out}");
    s.ok(&["fix", "SMB-001", "SMB-004"]);
    s.ok(&["apply"]);

    // The NTLMv1 setting reaches the daemon.
    let conf = s.state().join("etc/smb.conf");
    let ntlm = |s: &Sandbox| {
        let (_, out) = client("testparm", &["-sv", conf.to_str().unwrap()]);
        let _ = s;
        out.lines().find(|l| l.trim_start().starts_with("ntlm auth =")).unwrap_or("").trim().to_string()
    };
    assert_eq!(ntlm(&s), "ntlm auth = ntlmv2-only");
    s.ok(&["config", "set", "smb", "ntlmv1_auth=true"]);
    s.ok(&["apply"]);
    assert_eq!(ntlm(&s), "ntlm auth = ntlmv1-permitted");

    // Every purpose renders a share smbd accepts and serves.
    s.ok(&["config", "set", "smb", "aapl_extensions=true", "ntlmv1_auth=false"]);
    for (name, purpose) in [
        ("p-none", "NO_PRESET"),
        ("p-private", "PRIVATE_DATASETS_SHARE"),
        ("p-tm", "TIMEMACHINE_SHARE"),
        ("p-multi", "MULTIPROTOCOL_SHARE"),
        ("p-worm", "TIME_LOCKED_SHARE"),
    ] {
        let dir = s.path(name);
        std::fs::create_dir_all(dir.join("ngitsmb")).unwrap();
        for d in [&dir, &dir.join("ngitsmb")] {
            std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        }
        s.ok(&["share", "smb", "add", name, "--path", dir.to_str().unwrap(), "--purpose", purpose]);
    }
    s.ok(&["apply"]);
    let (_, dump) = client("testparm", &["-s", conf.to_str().unwrap()]);
    for want in [
        "fruit:time machine = yes",
        "worm:grace_period = 900",
        "oplocks = No",
        "vfs objects = catia fruit streams_xattr worm",
    ] {
        assert!(dump.contains(want), "testparm does not show {want:?}:\n{dump}");
    }
    assert!(dump.contains(&format!("path = {}/%U", s.path("p-private").display())), "{dump}");
    for name in ["p-none", "p-private", "p-tm", "p-multi", "p-worm"] {
        let (rc, out) = smbclient(&s, name, &[], "ls");
        assert_eq!(rc, 0, "share {name}: {out}");
    }

    // Listing the shares goes through a named pipe: smbd starts
    // samba-dcerpcd (a session of its own) for it. Stopping smb ends that
    // one too, not only smbd's process group.
    let port = (s.port_base + 445).to_string();
    let (rc, out) = client("smbclient", &["-p", &port, "-L", "//127.0.0.1", "-U", &format!("ngitsmb%{PW}")]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("p-worm"), "{out}");
    let ours = format!("--configfile={}", conf.display());
    assert!(!running_with(&ours).is_empty(), "no samba-dcerpcd for this sandbox after a share listing");
    s.ok(&["service", "stop", "smb"]);
    assert_eq!(running_with(&ours), Vec::<u32>::new(), "processes left running with {ours}");
}

/// The pids of the processes that have `arg` among their arguments.
fn running_with(arg: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![] };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == arg.as_bytes()))
        })
        .collect()
}

#[test]
fn smb_signing_mode_seen_by_nmap() {
    if !have(&["smbd", "nmap", "testparm"]) {
        return;
    }
    let s = Sandbox::with_port_base(6000);
    s.ok(&["apply"]);
    s.ok(&["service", "start", "smb"]);
    let port = (s.port_base + 445).to_string();
    let nmap = || nmap_smb(&port, "smb2-security-mode").1;
    let out = nmap();
    assert!(out.contains("Message signing enabled and required"), "{out}");
    s.ok(&["config", "set", "smb", "server_signing=DEFAULT"]);
    s.ok(&["apply"]);
    let out = nmap();
    assert!(out.contains("Message signing enabled but not required"), "{out}");
}
