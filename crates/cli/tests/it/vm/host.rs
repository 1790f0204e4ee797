//! Helpers for the tests of the system deployment in the guest: nasguard
//! run there as root against the guest's own /etc, and what the tests check
//! with (file hashes, `systemctl`), plus the real clients run on this host
//! through the forwards.

use super::Vm;
use crate::support::client;
use std::process::Output;

/// nasguard's state directory in the guest (the package's default).
pub const STATE: &str = "/var/lib/nasguard";
/// The address the host's connections arrive from in the guest (slirp).
pub const HOST_NET: &str = "10.0.2.0/24";
/// A network the host is not in (TEST-NET-1).
pub const OTHER_NET: &str = "192.0.2.0/24";

pub fn out(o: &Output) -> String {
    format!("exit {:?}\n{}{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Single quotes for a guest shell line.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Vm {
    /// `nasguard ARGS` in the guest.
    pub fn ng(&self, args: &[&str]) -> Output {
        let line: Vec<String> = args.iter().map(|a| quote(a)).collect();
        self.ssh(&format!("NASGUARD_STATE_DIR={STATE} nasguard {}", line.join(" ")))
    }

    /// `nasguard ARGS` that must succeed; its stdout.
    pub fn ng_ok(&self, args: &[&str]) -> String {
        let o = self.ng(args);
        assert!(o.status.success(), "nasguard {}: {}", args.join(" "), out(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// SHA-256 of a guest file, or "absent".
    pub fn hash(&self, path: &str) -> String {
        let o = self.ssh_ok(&format!("if [ -e {path} ]; then sha256sum < {path} | cut -c1-64; else echo absent; fi"));
        o.trim().to_string()
    }

    /// `systemctl is-active UNIT` (active, inactive, failed...).
    pub fn unit_state(&self, unit: &str) -> String {
        let o = self.ssh(&format!("systemctl is-active {unit}"));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// `nasguard status --json` in the guest.
    pub fn status_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ng_ok(&["--json", "status"])).unwrap()
    }
}

/// `ssh` from this host to the guest's ssh.service (port 22's forward)
/// with `key`, as `user`; (exit code, output).
pub fn ssh_to_guest(vm: &Vm, key: &std::path::Path, user: &str, extra: &[&str], cmd: &str) -> (i32, String) {
    let port = vm.port(22).to_string();
    let known = vm.run.join("known_hosts");
    let known = format!("UserKnownHostsFile={}", known.display());
    let target = format!("{user}@127.0.0.1");
    let mut args = vec![
        "-p",
        &port,
        "-i",
        key.to_str().unwrap(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        &known,
        "-o",
        "ConnectTimeout=20",
    ];
    args.extend_from_slice(extra);
    args.push(&target);
    args.push(cmd);
    client("ssh", &args)
}

/// The image's root key (what the guest's root logs in with).
pub fn root_key() -> std::path::PathBuf {
    super::vm_dir().join("image/id_ed25519")
}
