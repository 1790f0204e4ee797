//! The harness proves itself: each test asserts something that a broken
//! image, boot, reset or forward would get wrong. (A reboot is proved by
//! `safety::enabled_services_come_back_after_a_reboot_with_the_applied_config`,
//! which needs one anyway.)

use super::{GUEST_BIN, Vm, sha256, stripped_binary};
use crate::support::{client, have};
use std::process::Command;

const UNITS: [&str; 4] = ["smbd", "ssh", "nfs-server", "rtslib-fb-targetctl"];

fn assert_services_up(vm: &Vm) {
    let state = vm.ssh("systemctl is-system-running");
    let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
    assert!(
        state == "running" || state == "degraded",
        "systemd is {state:?}; failed units: {}",
        vm.ssh_ok("systemctl --failed --no-legend")
    );
    for unit in UNITS {
        let active = vm.ssh(&format!("systemctl is-active {unit}.service"));
        assert_eq!(String::from_utf8_lossy(&active.stdout).trim(), "active", "{unit}");
    }
}

#[test]
fn systemd_runs_the_four_services_with_lio_on_the_iscsi_port() {
    let Some(vm) = Vm::get() else { return };
    assert_services_up(&vm);
    for unit in UNITS {
        assert_eq!(vm.ssh_ok(&format!("systemctl is-enabled {unit}.service")).trim(), "enabled", "{unit}");
    }
    // tgt is installed but off: LIO (configfs, rtslib-fb-targetctl) owns 3260.
    assert!(vm.ssh_ok("command -v tgtd tgt-admin").contains("tgtd"));
    let tgt = vm.ssh("systemctl is-enabled tgt.service; systemctl is-active tgt.service");
    assert_eq!(String::from_utf8_lossy(&tgt.stdout).split_whitespace().collect::<Vec<_>>(), ["disabled", "inactive"]);
    vm.ssh_ok("test -d /sys/kernel/config/target/core && targetcli ls / >/dev/null");
    // The kernel's NFS server, with NFSv4.2.
    assert!(vm.ssh_ok("cat /proc/fs/nfsd/versions").contains("+4.2"));
    // The checkers later tests use to see effects inside the guest.
    vm.ssh_ok("command -v testparm exportfs sshd targetcli nft smbclient");
}

/// Each of the two writes a file and expects the other's to be gone:
/// whichever runs second fails unless `loadvm clean` reset the guest.
fn file_from_another_test_is_gone(mine: &str, other: &str) {
    let Some(vm) = Vm::get() else { return };
    let left = vm.ssh_ok("ls /root/left-by-* 2>/dev/null || true");
    assert!(left.trim().is_empty(), "files left by an earlier test: {left}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine"), mine).unwrap();
    vm.scp_to(&dir.path().join("mine"), &format!("/root/left-by-{mine}"));
    assert_eq!(vm.ssh_ok(&format!("sync && test ! -e /root/left-by-{other} && cat /root/left-by-{mine}")), mine);
    // The clock was set after the reset (the snapshot resumes at its own time).
    let guest: f64 = vm.ssh_ok("date +%s.%N").trim().parse().unwrap();
    let host = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((guest - host).abs() < 10.0, "guest clock {guest} vs host {host}");
}

#[test]
fn reset_between_tests_a() {
    file_from_another_test_is_gone("a", "b");
}

#[test]
fn reset_between_tests_b() {
    file_from_another_test_is_gone("b", "a");
}

#[test]
fn nasguard_in_the_guest_is_this_build_and_runs() {
    let Some(vm) = Vm::get() else { return };
    let host = Command::new(env!("CARGO_BIN_EXE_nasguard")).arg("--version").output().unwrap();
    assert_eq!(vm.ssh_ok("nasguard --version"), String::from_utf8_lossy(&host.stdout));
    // The very bytes: this build, stripped (strip is deterministic).
    let dir = tempfile::tempdir().unwrap();
    let want = sha256(&stripped_binary(dir.path()));
    assert_eq!(vm.ssh_ok(&format!("sha256sum {GUEST_BIN}")).split_whitespace().next(), Some(want.as_str()));
    // It runs there: a sandbox's secure defaults pass the audit (exit 0:
    // nothing at or above high).
    let audit = vm.ssh_ok("export NASGUARD_STATE_DIR=/tmp/ng; nasguard init --sandbox >/dev/null && nasguard audit");
    assert!(audit.contains(" rules."), "{audit}");
}

#[test]
fn host_reaches_the_guest_sshd_through_its_forward() {
    if !have(&["ssh", "ssh-keygen"]) {
        return;
    }
    let Some(vm) = Vm::get() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ssh = |key: &std::path::Path, cmd: &str| super::host::ssh_to_guest(&vm, key, "root", &[], cmd);
    // The image's root key, and ssh.service's pinned host key: the server
    // end is the guest's port 22 (not the harness's own sshd on 2222).
    let (rc, out) = ssh(&super::host::root_key(), "cat /etc/hostname; echo $SSH_CONNECTION");
    assert_eq!(rc, 0, "{out}");
    assert!(out.starts_with("nasguard-vm\n"), "{out}");
    assert!(out.trim_end().ends_with(" 22"), "{out}");
    // A key the guest does not know is refused.
    let stranger = dir.path().join("stranger");
    let (rc, out) = client("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", stranger.to_str().unwrap()]);
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = ssh(&stranger, "true");
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("Permission denied"), "{out}");
}

#[test]
fn the_harness_keeps_its_channel_when_ssh_service_stops() {
    let Some(vm) = Vm::get() else { return };
    vm.ssh_ok("systemctl stop ssh.service");
    // ssh.service removed /run/sshd as it stopped; new connections to the
    // harness's sshd still work (each one needs that directory).
    for _ in 0..2 {
        let o = vm.ssh_fresh("systemctl is-active ssh.service");
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "inactive", "{o:?}");
    }
    let (rc, out) =
        client("ssh", &["-F", vm.ssh_config().to_str().unwrap(), "-o", "ConnectTimeout=5", "vm-ssh", "true"]);
    assert_ne!(rc, 0, "port 22 still answers with ssh.service stopped: {out}");
}

#[test]
fn host_reaches_the_guest_smbd_through_its_forward() {
    if !have(&["smbclient"]) {
        return;
    }
    let Some(vm) = Vm::get() else { return };
    let o = vm.ssh_in(
        "set -e
         mkdir -p /srv/probe && echo hello-from-the-guest > /srv/probe/hello.txt
         useradd -M -s /usr/sbin/nologin probe
         smbpasswd -s -a probe >/dev/null
         printf '[probe]\\n  path = /srv/probe\\n  read only = yes\\n  valid users = probe\\n' >> /etc/samba/smb.conf
         testparm -s >/dev/null 2>&1
         systemctl reload smbd",
        b"Probe-Pass-1\nProbe-Pass-1\n",
    );
    assert!(o.status.success(), "{o:?}");
    let port = vm.port(445).to_string();
    // -t 120: under emulation on a busy host, smbd's first RPC (listing the
    // shares starts samba-dcerpcd and rpcd_classic on demand) has taken more
    // than smbclient's default 20 s.
    let (rc, out) = client("smbclient", &["-t", "120", "-L", "//127.0.0.1", "-p", &port, "-N"]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.lines().any(|l| l.split_whitespace().next() == Some("probe")), "{out}");
    let get = |user: &str| {
        client("smbclient", &["-t", "120", "//127.0.0.1/probe", "-p", &port, "-U", user, "-c", "get hello.txt -"])
    };
    let (rc, out) = get("probe%Probe-Pass-1");
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("hello-from-the-guest"), "{out}");
    let (rc, out) = get("probe%wrong");
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains("NT_STATUS_LOGON_FAILURE"), "{out}");
}

#[test]
fn host_reaches_an_export_of_the_guest_nfsd() {
    if !have(&["nfs-ls", "nfs-cat"]) {
        return;
    }
    let Some(vm) = Vm::get() else { return };
    vm.ssh_ok(
        "mkdir -p /srv/nfsprobe /etc/exports.d && echo hello-over-nfs > /srv/nfsprobe/hello.txt
         echo '/srv/nfsprobe *(ro,sync,no_subtree_check)' > /etc/exports.d/probe.exports
         exportfs -ra",
    );
    let url = |path: &str| format!("nfs://127.0.0.1{path}?version=4&nfsport={}", vm.port(2049));
    let (rc, out) = client("nfs-ls", &[&url("/srv/nfsprobe")]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("hello.txt"), "{out}");
    let (rc, out) = client("nfs-cat", &[&url("/srv/nfsprobe/hello.txt")]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(out.trim(), "hello-over-nfs");
    // What is not exported is not there.
    let (rc, out) = client("nfs-ls", &[&url("/root")]);
    assert_ne!(rc, 0, "{out}");
}
